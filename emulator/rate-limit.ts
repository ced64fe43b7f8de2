export interface RateLimitConfig {
  /** Sustained requests per second. */
  rps: number;
  /** Bucket size: requests allowed at once. */
  burst: number;
}

/** Generous for local use; Auth0's free tenants allow about 2 rps with a burst of 10. */
export const DEFAULT_RATE_LIMIT: RateLimitConfig = { rps: 50, burst: 100 };

export interface RateLimitDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Epoch seconds at which the bucket is full again (`x-ratelimit-reset`). */
  reset: number;
  /** Seconds until one request is allowed again (`Retry-After`), when refused. */
  retryAfter?: number;
}

/** One token bucket for the whole tenant, as Auth0's "Global limit". */
export class TokenBucket {
  #config: RateLimitConfig;
  #tokens: number;
  #updatedAt: number;
  readonly #now: () => number;

  constructor(config: RateLimitConfig, now: () => number) {
    this.#config = validate(config);
    this.#now = now;
    this.#tokens = config.burst;
    this.#updatedAt = now();
  }

  get config(): RateLimitConfig {
    return { ...this.#config };
  }

  configure(config: RateLimitConfig): void {
    this.#config = validate(config);
    this.#tokens = config.burst;
    this.#updatedAt = this.#now();
  }

  take(): RateLimitDecision {
    const now = this.#now();
    const { rps, burst } = this.#config;
    this.#tokens = Math.min(burst, this.#tokens + ((now - this.#updatedAt) / 1000) * rps);
    this.#updatedAt = now;
    const allowed = this.#tokens >= 1;
    if (allowed) this.#tokens -= 1;
    const reset = Math.ceil((now + ((burst - this.#tokens) / rps) * 1000) / 1000);
    const decision: RateLimitDecision = { allowed, limit: burst, remaining: Math.floor(this.#tokens), reset };
    if (!allowed) decision.retryAfter = Math.max(1, Math.ceil((1 - this.#tokens) / rps));
    return decision;
  }
}

function validate(config: RateLimitConfig): RateLimitConfig {
  if (!(config.rps > 0) || !(config.burst >= 1)) {
    throw new RangeError('rate limit needs rps > 0 and burst >= 1');
  }
  return { rps: config.rps, burst: Math.floor(config.burst) };
}
