export interface FaultRule {
  /** `'<METHOD> <path pattern>'`: `*` matches any run of characters, `:name` one path segment; METHOD may be `*`. */
  route: string;
  /** Status answered instead of the real response (Auth0's error body). */
  status?: number;
  /** Probability in [0, 1] that a matching request is hit; default 1. */
  rate?: number;
  /** Delay added before the request is handled (or before the fault is answered). */
  latencyMs?: number;
  /** Destroy the socket without an answer. */
  drop?: boolean;
  /** Answer 200 with a JSON body cut short, as a proxy that gives up mid-response does. */
  malformed?: boolean;
  /** How many hits before the rule retires; unlimited when absent. */
  count?: number;
  /** `Retry-After` seconds sent with an injected 429. */
  retryAfter?: number;
}

export interface FaultHit {
  rule: FaultRule;
  effect: 'status' | 'drop' | 'malformed' | 'latency';
}

interface CompiledRule {
  rule: FaultRule;
  method: string;
  pattern: RegExp;
  remaining: number;
}

/** Matches requests against fault rules; pure apart from the injected random source. */
export class FaultInjector {
  #rules: CompiledRule[] = [];
  readonly #random: () => number;

  constructor(random: () => number = Math.random) {
    this.#random = random;
  }

  set(rules: FaultRule[]): void {
    this.#rules = rules.map(compile);
  }

  list(): FaultRule[] {
    return this.#rules.map((r) => ({
      ...r.rule,
      ...(Number.isFinite(r.remaining) ? { count: r.remaining } : {}),
    }));
  }

  /** The first matching rule that fires for this request, consuming one of its `count`. */
  match(method: string, path: string): FaultHit | undefined {
    for (const compiled of this.#rules) {
      if (compiled.remaining <= 0) continue;
      if (compiled.method !== '*' && compiled.method !== method.toUpperCase()) continue;
      if (!compiled.pattern.test(path)) continue;
      if (this.#random() >= (compiled.rule.rate ?? 1)) continue;
      compiled.remaining -= 1;
      const { rule } = compiled;
      return { rule, effect: effectOf(rule) };
    }
    return undefined;
  }
}

export function validateFaultRules(input: unknown): FaultRule[] {
  if (!Array.isArray(input)) throw new TypeError('faults must be an array of rules');
  return input.map((value, index) => {
    if (typeof value !== 'object' || value === null) throw new TypeError(`fault ${index} must be an object`);
    const rule = value as FaultRule;
    if (typeof rule.route !== 'string' || !/^\S+ \/\S*$/.test(rule.route)) {
      throw new TypeError(`fault ${index}: "route" must look like "GET /api/v2/users/*"`);
    }
    if (
      rule.status !== undefined &&
      !(Number.isInteger(rule.status) && rule.status >= 400 && rule.status <= 599)
    ) {
      throw new TypeError(`fault ${index}: "status" must be an HTTP error status`);
    }
    if (rule.rate !== undefined && !(rule.rate >= 0 && rule.rate <= 1)) {
      throw new TypeError(`fault ${index}: "rate" must be between 0 and 1`);
    }
    if (rule.latencyMs !== undefined && !(rule.latencyMs >= 0 && rule.latencyMs <= 120_000)) {
      throw new TypeError(`fault ${index}: "latencyMs" must be between 0 and 120000`);
    }
    if (rule.count !== undefined && !(Number.isInteger(rule.count) && rule.count >= 1)) {
      throw new TypeError(`fault ${index}: "count" must be a positive integer`);
    }
    if (rule.status === undefined && !rule.drop && !rule.malformed && rule.latencyMs === undefined) {
      throw new TypeError(`fault ${index}: needs "status", "drop", "malformed" or "latencyMs"`);
    }
    return rule;
  });
}

function effectOf(rule: FaultRule): FaultHit['effect'] {
  if (rule.drop) return 'drop';
  if (rule.malformed) return 'malformed';
  return rule.status !== undefined ? 'status' : 'latency';
}

function compile(rule: FaultRule): CompiledRule {
  const [method = '*', path = '/'] = rule.route.split(' ');
  const source = path
    .split(/(\*|:[A-Za-z_]+)/)
    .map((part) =>
      part === '*' ? '.*' : part.startsWith(':') ? '[^/]+' : part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'),
    )
    .join('');
  return {
    rule,
    method: method.toUpperCase(),
    pattern: new RegExp(`^${source}$`),
    remaining: rule.count ?? Infinity,
  };
}
