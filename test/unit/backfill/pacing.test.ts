import { describe, expect, it } from 'vitest';
import { rateLimitWait } from '../../../core/rate-limit.ts';
import { emptyBucketWait, RequestPacer } from '../../../scripts/backfill/rate.ts';

describe('RequestPacer', () => {
  it('spaces request starts 1/maxRps apart, even for concurrent callers', async () => {
    const waits: number[] = [];
    const pacer = new RequestPacer({
      maxRps: 50,
      now: () => 0,
      wait: async (ms) => {
        waits.push(ms);
      },
    });
    await Promise.all(Array.from({ length: 5 }, () => pacer.acquire()));
    expect(waits).toEqual([20, 40, 60, 80]);
  });

  it('holds every request during a pause', async () => {
    let clock = 1000;
    const waits: number[] = [];
    const pacer = new RequestPacer({
      maxRps: 10,
      now: () => clock,
      wait: async (ms) => {
        waits.push(ms);
        clock += ms;
      },
    });
    pacer.pause(2000);
    await pacer.acquire();
    expect(waits).toEqual([2000]);
  });
});

describe('rateLimitWait', () => {
  it('honours Retry-After first, then X-RateLimit-Reset', () => {
    expect(rateLimitWait(new Headers({ 'retry-after': '2', 'x-ratelimit-reset': '99' }), 0)).toBe(2000);
    expect(rateLimitWait(new Headers({ 'x-ratelimit-reset': '12' }), 10_500)).toBe(1500);
    expect(rateLimitWait(new Headers(), 0)).toBeUndefined();
  });
});

describe('emptyBucketWait', () => {
  it('waits for one token when the tenant bucket is empty, and not otherwise', () => {
    const headers = (remaining: string) =>
      new Headers({
        'x-ratelimit-limit': '50',
        'x-ratelimit-remaining': remaining,
        'x-ratelimit-reset': '12',
      });
    expect(emptyBucketWait(headers('0'), 10_000)).toBe(40);
    expect(emptyBucketWait(headers('3'), 10_000)).toBeUndefined();
    expect(emptyBucketWait(new Headers({ 'x-ratelimit-remaining': '0' }), 0)).toBeUndefined();
  });
});
