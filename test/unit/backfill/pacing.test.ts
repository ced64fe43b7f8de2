import { describe, expect, it } from 'vitest';
import { rateLimitWait } from '../../../core/rate-limit.ts';
import type { ManagementUser } from '../../../core/users.ts';
import {
  LINK_RECORD_LIMITS,
  LINK_RECORDS_KEY,
  type LinkRecord,
  type LinkRecords,
  linkRecordOf,
  withLinkRecord,
  withoutLinkRecord,
  withUnlinking,
} from '../../../scripts/backfill/link-record.ts';
import { emptyBucketWait, RequestPacer } from '../../../scripts/backfill/rate.ts';
import { managementUser } from '../../support/fake-management.ts';

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

describe('link records', () => {
  const at = new Date('2026-01-01T00:00:00Z');
  const primary = managementUser('auth0|p', { app_metadata: { account_linking: { declined: ['x|1'] } } });
  const secondary = managementUser('samlp|acme|jdoe', {
    user_metadata: { lang: 'de' },
    app_metadata: { plan: 'pro' },
  });
  const holding = (user: ManagementUser, records: LinkRecords): ManagementUser => ({
    ...user,
    app_metadata: { ...user.app_metadata, [LINK_RECORDS_KEY]: records },
  });

  it('keeps the secondary metadata under its own key, and drops the key with the last record', () => {
    const records = withLinkRecord(primary, secondary, at);
    expect(records).toEqual([
      {
        user_id: 'samlp|acme|jdoe',
        at: at.toISOString(),
        user_metadata: { lang: 'de' },
        app_metadata: { plan: 'pro' },
      },
    ]);
    const linked = holding(primary, records);
    expect(linkRecordOf(linked, 'samlp|acme|jdoe')?.user_metadata).toEqual({ lang: 'de' });
    expect(
      linkRecordOf(holding(primary, withUnlinking(linked, 'samlp|acme|jdoe')), 'samlp|acme|jdoe'),
    ).toEqual(expect.objectContaining({ unlinking: true }));
    expect(withoutLinkRecord(linked, 'samlp|acme|jdoe')).toBeNull();
  });

  it('stays bounded: large metadata is not kept, and only the newest records are', () => {
    const big = managementUser('google-oauth2|big', { user_metadata: { blob: 'x'.repeat(5000) } });
    expect(withLinkRecord(primary, big, at)).toEqual([
      { user_id: 'google-oauth2|big', at: at.toISOString(), too_large: true },
    ]);
    let user = primary;
    for (let i = 0; i < LINK_RECORD_LIMITS.maxRecords + 5; i++) {
      user = holding(
        user,
        withLinkRecord(user, managementUser(`github|${i}`), new Date(at.getTime() + i * 1000)),
      );
    }
    const kept = (user.app_metadata![LINK_RECORDS_KEY] as LinkRecord[]).map((r) => r.user_id);
    expect(kept).toHaveLength(LINK_RECORD_LIMITS.maxRecords);
    expect(kept).not.toContain('github|0');
    expect(kept).toContain(`github|${LINK_RECORD_LIMITS.maxRecords + 4}`);
  });
});
