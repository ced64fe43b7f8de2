import { describe, expect, it } from 'vitest';
import { TokenBucket } from '../../../emulator/rate-limit.ts';

function clock(start = 1_700_000_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

describe('TokenBucket', () => {
  it('allows a burst, then refuses with Retry-After until a token refills', () => {
    const time = clock();
    const bucket = new TokenBucket({ rps: 2, burst: 3 }, time.now);
    expect([bucket.take(), bucket.take(), bucket.take()].map((d) => d.allowed)).toEqual([true, true, true]);
    const refused = bucket.take();
    expect(refused).toMatchObject({ allowed: false, limit: 3, remaining: 0, retryAfter: 1 });
    time.advance(500);
    expect(bucket.take().allowed).toBe(true);
  });

  it('reports reset as the epoch second at which the bucket is full again', () => {
    const time = clock(1_700_000_000_000);
    const bucket = new TokenBucket({ rps: 1, burst: 10 }, time.now);
    for (let i = 0; i < 4; i++) bucket.take();
    expect(bucket.take()).toMatchObject({ remaining: 5, reset: 1_700_000_005 });
  });

  it('rejects a configuration without a positive rate', () => {
    expect(() => new TokenBucket({ rps: 0, burst: 1 }, Date.now)).toThrow(RangeError);
  });
});
