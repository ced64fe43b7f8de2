import type { Hono } from 'hono';

/** One dependency the web app cannot serve a login without; resolves when reachable, rejects when not. */
export interface ReadinessCheck {
  readonly name: string;
  run(signal: AbortSignal): Promise<void>;
}

export const HEALTH_ROUTES = { live: '/healthz', ready: '/readyz' } as const;

/** Load balancers probe every few seconds; the tenant sees at most one check of each kind per this window. */
const READINESS_CACHE_MS = 5_000;
const READINESS_TIMEOUT_MS = 4_000;

interface Readiness {
  readonly failing: readonly string[];
  readonly at: number;
}

/**
 * `/healthz`: the process answers (no I/O). `/readyz`: every check passed within the last few seconds. Both answer
 * a fixed, personal-data-free JSON body and are mounted before any middleware that could set a cookie.
 */
export function mountHealth(
  app: Hono,
  checks: readonly ReadinessCheck[],
  now: () => number = Date.now,
): void {
  let cached: Readiness | undefined;
  let pending: Promise<Readiness> | undefined;

  async function evaluate(): Promise<Readiness> {
    const signal = AbortSignal.timeout(READINESS_TIMEOUT_MS);
    const results = await Promise.allSettled(checks.map((check) => check.run(signal)));
    const failing = checks
      .filter((_, index) => results[index]?.status === 'rejected')
      .map(({ name }) => name);
    return { failing, at: now() };
  }

  function readiness(): Promise<Readiness> {
    if (cached !== undefined && now() - cached.at < READINESS_CACHE_MS) return Promise.resolve(cached);
    pending ??= evaluate().finally(() => {
      pending = undefined;
    });
    return pending.then((result) => {
      cached = result;
      return result;
    });
  }

  app.get(HEALTH_ROUTES.live, (c) => c.json({ status: 'ok' }, 200, { 'cache-control': 'no-store' }));
  app.get(HEALTH_ROUTES.ready, async (c) => {
    const { failing } = await readiness();
    const headers = { 'cache-control': 'no-store' };
    return failing.length === 0
      ? c.json({ status: 'ready' }, 200, headers)
      : c.json({ status: 'not_ready', failing }, 503, headers);
  });
}
