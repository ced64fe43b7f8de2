import { describe, expect, it } from 'vitest';
import {
  LINK_RECORD_LIMITS,
  LINK_RECORDS_KEY,
  type LinkRecord,
  type LinkRecords,
  linkRecordOf,
  withLinkRecord,
  withLinkRecordPatch,
  withoutLinkRecord,
  withUnlinking,
} from '../../../core/link-record.ts';
import type { ManagementUser } from '../../../core/users.ts';
import { makeUser } from '../../support/users.ts';

describe('link records', () => {
  const at = new Date('2026-01-01T00:00:00Z');
  const how = (when: Date) => ({ at: when, via: 'silent' as const, reason: 'oldest' });
  const primary = makeUser('auth0|p', { app_metadata: { account_linking: { declined: ['x|1'] } } });
  const secondary = makeUser('samlp|acme|jdoe', {
    user_metadata: { lang: 'de' },
    app_metadata: { plan: 'pro' },
  });
  const holding = (user: ManagementUser, records: LinkRecords): ManagementUser => ({
    ...user,
    app_metadata: { ...user.app_metadata, [LINK_RECORDS_KEY]: records },
  });

  it('keeps the secondary metadata under its own key, and drops the key with the last record', () => {
    const records = withLinkRecord(primary, secondary, how(at));
    expect(records).toEqual([
      {
        user_id: 'samlp|acme|jdoe',
        connection: 'samlp',
        at: at.toISOString(),
        via: 'silent',
        reason: 'oldest',
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

  it('names the keys the merge copied onto the primary, in the same PATCH as the merge', () => {
    const merge = { user_metadata: { lang: 'de' }, app_metadata: { plan: 'pro' } };
    const patch = withLinkRecordPatch(merge, primary, secondary, how(at));
    expect(patch).toMatchObject(merge);
    expect(linkRecordOf(patch, 'samlp|acme|jdoe')?.merged).toEqual({
      user_metadata: ['lang'],
      app_metadata: ['plan'],
    });
    const nothingMerged = withLinkRecordPatch(undefined, primary, secondary, how(at));
    expect(linkRecordOf(nothingMerged, 'samlp|acme|jdoe')).not.toHaveProperty('merged');
  });

  it('stays bounded: large metadata is not kept, and only the newest records are', () => {
    const big = makeUser('google-oauth2|big', { user_metadata: { blob: 'x'.repeat(5000) } });
    expect(withLinkRecord(primary, big, how(at))).toEqual([
      {
        user_id: 'google-oauth2|big',
        connection: 'google-oauth2',
        at: at.toISOString(),
        via: 'silent',
        reason: 'oldest',
        too_large: true,
      },
    ]);
    let user = primary;
    for (let i = 0; i < LINK_RECORD_LIMITS.maxRecords + 5; i++) {
      user = holding(
        user,
        withLinkRecord(user, makeUser(`github|${i}`), how(new Date(at.getTime() + i * 1000))),
      );
    }
    const kept = (user.app_metadata![LINK_RECORDS_KEY] as LinkRecord[]).map((r) => r.user_id);
    expect(kept).toHaveLength(LINK_RECORD_LIMITS.maxRecords);
    expect(kept).not.toContain('github|0');
    expect(kept).toContain(`github|${LINK_RECORD_LIMITS.maxRecords + 4}`);
  });
});
