import type {
  CacheAPI,
  CacheDeleteResult,
  CacheErrorCode,
  CacheRecord,
  CacheWriteOptions,
  CacheWriteResult,
} from '../../actions/types/post-login.ts';

// Limits from https://auth0.com/docs/customize/actions/limitations ("Actions cache") and the api.cache docs.
export const CACHE_LIMITS = Object.freeze({
  maxEntries: 20,
  maxKeyBytes: 64,
  maxValueBytes: 4096,
  maxTotalBytes: 8192,
  defaultTtlMs: 15 * 60 * 1000,
  maxTtlMs: 24 * 60 * 60 * 1000,
});

const byteLength = (text: string): number => Buffer.byteLength(text, 'utf8');

const failure = (code: CacheErrorCode): CacheWriteResult => ({ type: 'error', code });

/**
 * The per-trigger Actions cache. One instance is shared by every execution of a trigger; records are
 * returned as copies so an Action cannot mutate the store through them.
 */
export class ActionCache implements CacheAPI {
  readonly #now: () => number;
  readonly #records = new Map<string, CacheRecord>();

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  get(key: string): CacheRecord | undefined {
    this.#evictExpired();
    const record = this.#records.get(key);
    return record ? { ...record } : undefined;
  }

  set(key: string, value: string, options: CacheWriteOptions = {}): CacheWriteResult {
    if (byteLength(key) > CACHE_LIMITS.maxKeyBytes) return failure('CacheKeySizeExceeded');
    if (byteLength(value) > CACHE_LIMITS.maxValueBytes) return failure('CacheValueSizeExceeded');

    const now = this.#now();
    const expiry = resolveExpiry(now, options);
    if (typeof expiry === 'string') return failure(expiry);

    this.#evictExpired();
    const others = [...this.#records].filter(([existing]) => existing !== key);
    const totalBytes = others.reduce((sum, [k, r]) => sum + byteLength(k) + byteLength(r.value), 0);
    if (others.length + 1 > CACHE_LIMITS.maxEntries) return failure('CacheSizeExceeded');
    if (totalBytes + byteLength(key) + byteLength(value) > CACHE_LIMITS.maxTotalBytes) {
      return failure('CacheSizeExceeded');
    }

    const record: CacheRecord = { value, expires_at: expiry };
    this.#records.set(key, record);
    return { type: 'success', record: { ...record } };
  }

  delete(key: string): CacheDeleteResult {
    this.#evictExpired();
    return this.#records.delete(key) ? { type: 'success' } : { type: 'error', code: 'CacheKeyDoesNotExist' };
  }

  /** Drops every record: what a new Actions instance (or a resume on another one) starts with. */
  clear(): void {
    this.#records.clear();
  }

  #evictExpired(): void {
    const now = this.#now();
    for (const [key, record] of this.#records) {
      if (record.expires_at <= now) this.#records.delete(key);
    }
  }
}

// Records live "up to" the given ttl or expires_at (api.cache.set docs): with both, the earlier wins.
function resolveExpiry(now: number, options: CacheWriteOptions): number | CacheErrorCode {
  const candidates: number[] = [];
  if (options.ttl !== undefined) {
    if (!Number.isFinite(options.ttl) || options.ttl <= 0 || options.ttl > CACHE_LIMITS.maxTtlMs) {
      return 'InvalidExpiry';
    }
    candidates.push(now + options.ttl);
  }
  if (options.expires_at !== undefined) {
    if (!Number.isFinite(options.expires_at)) return 'InvalidExpiry';
    if (options.expires_at <= now) return 'ItemAlreadyExpired';
    if (options.expires_at > now + CACHE_LIMITS.maxTtlMs) return 'InvalidExpiry';
    candidates.push(options.expires_at);
  }
  return candidates.length > 0 ? Math.min(...candidates) : now + CACHE_LIMITS.defaultTtlMs;
}
