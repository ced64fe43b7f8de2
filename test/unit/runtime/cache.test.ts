import { describe, expect, it } from 'vitest';
import { ActionCache, CACHE_LIMITS } from '../../../emulator/actions-runtime/cache.ts';

const T0 = Date.parse('2025-03-14T09:00:00.000Z');
const MINUTE = 60_000;

function cacheAt(start = T0) {
  let now = start;
  const cache = new ActionCache(() => now);
  return { cache, advance: (ms: number) => (now += ms) };
}

describe('ActionCache', () => {
  it('returns a record with the value and its expiry, not a bare string', () => {
    const { cache } = cacheAt();
    cache.set('token', 'abc', { ttl: 5 * MINUTE });
    expect(cache.get('token')).toEqual({ value: 'abc', expires_at: T0 + 5 * MINUTE });
  });

  it('answers a successful write with the stored record', () => {
    const { cache } = cacheAt();
    expect(cache.set('token', 'abc', { ttl: MINUTE })).toEqual({
      type: 'success',
      record: { value: 'abc', expires_at: T0 + MINUTE },
    });
  });

  it('keeps a record for 15 minutes when no lifetime is given', () => {
    const { cache, advance } = cacheAt();
    cache.set('token', 'abc');
    advance(15 * MINUTE - 1);
    expect(cache.get('token')?.value).toBe('abc');
    advance(1);
    expect(cache.get('token')).toBeUndefined();
  });

  it('returns undefined for a key never set', () => {
    expect(cacheAt().cache.get('missing')).toBeUndefined();
  });

  it('uses the earlier of ttl and expires_at when both are given', () => {
    const { cache } = cacheAt();
    const result = cache.set('k', 'v', { ttl: 10 * MINUTE, expires_at: T0 + 2 * MINUTE });
    expect(result).toEqual({ type: 'success', record: { value: 'v', expires_at: T0 + 2 * MINUTE } });
  });

  it.each([
    ['a key over 64 bytes', 'k'.repeat(65), 'v', {}, 'CacheKeySizeExceeded'],
    ['a key of 64 bytes counted in UTF-8, not characters', 'é'.repeat(33), 'v', {}, 'CacheKeySizeExceeded'],
    ['a value over 4 KB', 'k', 'v'.repeat(4097), {}, 'CacheValueSizeExceeded'],
    ['an expires_at in the past', 'k', 'v', { expires_at: T0 - 1 }, 'ItemAlreadyExpired'],
    ['an expires_at equal to now', 'k', 'v', { expires_at: T0 }, 'ItemAlreadyExpired'],
    [
      'an expires_at more than 24 hours ahead',
      'k',
      'v',
      { expires_at: T0 + 24 * 60 * MINUTE + 1 },
      'InvalidExpiry',
    ],
    ['a ttl over 24 hours', 'k', 'v', { ttl: 24 * 60 * MINUTE + 1 }, 'InvalidExpiry'],
    ['a negative ttl', 'k', 'v', { ttl: -5 }, 'InvalidExpiry'],
    ['a ttl that is not a number', 'k', 'v', { ttl: Number.NaN }, 'InvalidExpiry'],
  ])('refuses %s with Auth0 code %s', (_name, key, value, options, code) => {
    const { cache } = cacheAt();
    expect(cache.set(key, value, options)).toEqual({ type: 'error', code });
    expect(cache.get(key)).toBeUndefined();
  });

  it('accepts a key of exactly 64 bytes and a value of exactly 4 KB', () => {
    const { cache } = cacheAt();
    expect(cache.set('k'.repeat(64), 'v'.repeat(4096)).type).toBe('success');
  });

  it('refuses a 21st entry with CacheSizeExceeded', () => {
    const { cache } = cacheAt();
    for (let i = 0; i < CACHE_LIMITS.maxEntries; i++) expect(cache.set(`key-${i}`, 'v').type).toBe('success');
    expect(cache.set('one-too-many', 'v')).toEqual({ type: 'error', code: 'CacheSizeExceeded' });
  });

  it('lets an existing key be overwritten when the cache holds 20 entries', () => {
    const { cache } = cacheAt();
    for (let i = 0; i < CACHE_LIMITS.maxEntries; i++) cache.set(`key-${i}`, 'v');
    expect(cache.set('key-3', 'new').type).toBe('success');
    expect(cache.get('key-3')?.value).toBe('new');
  });

  it('refuses a write that takes keys plus values over 8 KB', () => {
    const { cache } = cacheAt();
    expect(cache.set('a', 'x'.repeat(4000)).type).toBe('success');
    expect(cache.set('b', 'x'.repeat(4000)).type).toBe('success');
    expect(cache.set('c', 'x'.repeat(200))).toEqual({ type: 'error', code: 'CacheSizeExceeded' });
  });

  it('frees room once records expire', () => {
    const { cache, advance } = cacheAt();
    for (let i = 0; i < CACHE_LIMITS.maxEntries; i++) cache.set(`key-${i}`, 'v', { ttl: MINUTE });
    advance(MINUTE);
    expect(cache.set('fresh', 'v').type).toBe('success');
  });

  it('deletes a record and reports a missing key as CacheKeyDoesNotExist', () => {
    const { cache } = cacheAt();
    cache.set('k', 'v');
    expect(cache.delete('k')).toEqual({ type: 'success' });
    expect(cache.get('k')).toBeUndefined();
    expect(cache.delete('k')).toEqual({ type: 'error', code: 'CacheKeyDoesNotExist' });
  });

  it('hands out copies so a caller cannot change a stored record', () => {
    const { cache } = cacheAt();
    cache.set('k', 'v');
    const record = cache.get('k')!;
    record.value = 'tampered';
    expect(cache.get('k')?.value).toBe('v');
  });
});
