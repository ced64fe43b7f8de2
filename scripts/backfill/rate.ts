import { setTimeout as sleep } from 'node:timers/promises';

export interface PacerOptions {
  /** Never more than this many Management requests per second (client side). */
  maxRps: number;
  now?: () => number;
  wait?: (ms: number) => Promise<unknown>;
}

/**
 * A client-side token bucket of size one: request starts are spaced 1/maxRps apart, so no second holds more
 * than maxRps of them; slots are reserved synchronously, so concurrent workers never share one. A 429 pauses
 * every worker until the tenant's reset time.
 */
export class RequestPacer {
  readonly #interval: number;
  readonly #now: () => number;
  readonly #wait: (ms: number) => Promise<unknown>;
  #next = 0;
  #pausedUntil = 0;

  constructor(options: PacerOptions) {
    if (!(options.maxRps > 0)) throw new RangeError('maxRps must be > 0');
    this.#interval = 1000 / options.maxRps;
    this.#now = options.now ?? (() => performance.now());
    this.#wait = options.wait ?? sleep;
  }

  /** Resolves when this caller may send one request. */
  async acquire(): Promise<void> {
    const now = this.#now();
    const slot = Math.max(now, this.#next, this.#pausedUntil);
    this.#next = slot + this.#interval;
    if (slot > now) await this.#wait(slot - now);
  }

  /** Holds every request for `ms` from now (a 429's `Retry-After`, or the time to the limit's reset). */
  pause(ms: number): void {
    this.#pausedUntil = Math.max(this.#pausedUntil, this.#now() + ms);
  }
}

export interface RequestStats {
  /** Management API requests sent (`/api/v2/...`), retries included. */
  requests: number;
  rateLimited: number;
  serverErrors: number;
  networkErrors: number;
}

export interface PacedFetchOptions {
  pacer: RequestPacer;
  stats: RequestStats;
  maxAttempts?: number;
  /** First backoff after a 5xx or a network failure; doubles per attempt, with jitter. */
  backoffMs?: number;
  fetch?: typeof globalThis.fetch;
  random?: () => number;
}

export const RETRY_DEFAULTS = Object.freeze({ maxAttempts: 8, backoffMs: 250, maxWaitMs: 30_000 });

export function newRequestStats(): RequestStats {
  return { requests: 0, rateLimited: 0, serverErrors: 0, networkErrors: 0 };
}

/**
 * The `fetch` handed to the `auth0` SDK (whose own retries are off): paces `/api/v2` requests, honours
 * `Retry-After` then `X-RateLimit-Reset` on 429, backs off on 5xx and network failures. Every write the
 * backfill sends is safe to repeat (a metadata PATCH of the same keys; a link answered "already linked").
 */
export function pacedFetch(options: PacedFetchOptions): typeof globalThis.fetch {
  const doFetch = options.fetch ?? globalThis.fetch;
  const maxAttempts = options.maxAttempts ?? RETRY_DEFAULTS.maxAttempts;
  const backoffMs = options.backoffMs ?? RETRY_DEFAULTS.backoffMs;
  const random = options.random ?? Math.random;
  const { pacer, stats } = options;
  return async (input, init) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const paced = new URL(url).pathname.startsWith('/api/v2/');
    const replayable = init?.body === undefined || init.body === null || typeof init.body === 'string';
    for (let attempt = 1; ; attempt++) {
      if (paced) {
        await pacer.acquire();
        stats.requests += 1;
      }
      let response: Response;
      try {
        response = await doFetch(input, init);
      } catch (error) {
        if (init?.signal?.aborted || attempt >= maxAttempts || !replayable) throw error;
        stats.networkErrors += 1;
        await sleep(backoff(backoffMs, attempt, random));
        continue;
      }
      if (response.status === 429) {
        stats.rateLimited += 1;
        const wait = rateLimitWait(response.headers, Date.now());
        pacer.pause(wait ?? backoff(backoffMs, attempt, random));
      } else if (response.status >= 500) {
        stats.serverErrors += 1;
      } else {
        // The tenant's bucket is empty (other clients share it): wait for its next token instead of a 429.
        const wait = paced ? emptyBucketWait(response.headers, Date.now()) : undefined;
        if (wait !== undefined) pacer.pause(wait);
        return response;
      }
      if (attempt >= maxAttempts || !replayable) return response;
      await response.body?.cancel();
      if (response.status >= 500) await sleep(backoff(backoffMs, attempt, random));
    }
  };
}

/** `Retry-After` (seconds) first, then `X-RateLimit-Reset` (epoch seconds), capped. */
export function rateLimitWait(headers: Headers, nowMs: number): number | undefined {
  const retryAfter = Number(headers.get('retry-after'));
  if (headers.has('retry-after') && Number.isFinite(retryAfter) && retryAfter >= 0)
    return Math.min(retryAfter * 1000, RETRY_DEFAULTS.maxWaitMs);
  const reset = Number(headers.get('x-ratelimit-reset'));
  if (headers.has('x-ratelimit-reset') && Number.isFinite(reset) && reset > 0)
    return Math.min(Math.max(0, reset * 1000 - nowMs), RETRY_DEFAULTS.maxWaitMs);
  return undefined;
}

/**
 * With `X-RateLimit-Remaining: 0`, the time one token takes to come back: the bucket (`X-RateLimit-Limit`) refills
 * by `X-RateLimit-Reset`, so a token takes (reset - now) / limit.
 */
export function emptyBucketWait(headers: Headers, nowMs: number): number | undefined {
  if (headers.get('x-ratelimit-remaining') !== '0') return undefined;
  const limit = Number(headers.get('x-ratelimit-limit'));
  const reset = Number(headers.get('x-ratelimit-reset'));
  if (!(limit > 0) || !(reset > 0)) return undefined;
  return Math.min(Math.max(0, reset * 1000 - nowMs) / limit, RETRY_DEFAULTS.maxWaitMs);
}

function backoff(baseMs: number, attempt: number, random: () => number): number {
  const ceiling = Math.min(baseMs * 2 ** (attempt - 1), RETRY_DEFAULTS.maxWaitMs);
  return ceiling / 2 + random() * (ceiling / 2);
}
