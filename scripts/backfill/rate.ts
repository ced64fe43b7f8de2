import { setTimeout as sleep } from 'node:timers/promises';
import { type RetryOptions, retryingFetch } from '../../core/management-client.ts';

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

export interface PacedFetchOptions
  extends Pick<RetryOptions, 'maxAttempts' | 'backoffMs' | 'fetch' | 'random'> {
  pacer: RequestPacer;
  stats: RequestStats;
}

/** The backfill runs for hours: more attempts and longer waits than the one-shot programs. */
export const BACKFILL_RETRY = Object.freeze({ maxAttempts: 8, maxWaitMs: 30_000 });

export function newRequestStats(): RequestStats {
  return { requests: 0, rateLimited: 0, serverErrors: 0, networkErrors: 0 };
}

/**
 * The `fetch` handed to the `auth0` SDK: the Node programs' retry rule (`retryingFetch`), with `/api/v2` requests
 * paced and a 429 pausing every worker. Every write the backfill sends is safe to repeat (a metadata PATCH of the
 * same keys; a link answered "already linked").
 */
export function pacedFetch(options: PacedFetchOptions): typeof globalThis.fetch {
  const { pacer, stats } = options;
  const paced = (url: URL) => url.pathname.startsWith('/api/v2/');
  return retryingFetch({
    maxAttempts: options.maxAttempts ?? BACKFILL_RETRY.maxAttempts,
    maxWaitMs: BACKFILL_RETRY.maxWaitMs,
    ...(options.backoffMs === undefined ? {} : { backoffMs: options.backoffMs }),
    ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
    ...(options.random === undefined ? {} : { random: options.random }),
    async beforeAttempt(url) {
      if (!paced(url)) return;
      await pacer.acquire();
      stats.requests += 1;
    },
    observe(url, outcome, response) {
      if (outcome === 'rate_limited') stats.rateLimited += 1;
      else if (outcome === 'server_error') stats.serverErrors += 1;
      else if (outcome === 'network_error') stats.networkErrors += 1;
      else if (response !== undefined && paced(url)) {
        // The tenant's bucket is empty (other clients share it): wait for its next token instead of a 429.
        const wait = emptyBucketWait(response.headers, Date.now());
        if (wait !== undefined) pacer.pause(wait);
      }
    },
    // The next attempt's acquire() waits out the pause, as every other worker's does.
    waitOutRateLimit: async (ms) => pacer.pause(ms),
  });
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
  return Math.min(Math.max(0, reset * 1000 - nowMs) / limit, BACKFILL_RETRY.maxWaitMs);
}
