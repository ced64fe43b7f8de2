import { describe, expect, it } from 'vitest';
import {
  carriedDeclines,
  LINK_RECORD_LIMITS,
  LINK_RECORDS_KEY,
  type LinkPatchPort,
  type LinkRecord,
  type LinkRecords,
  linkRecordOf,
  patchPrimaryBeforeLink,
  withLinkRecord,
  withLinkRecordPatch,
  withoutLinkRecord,
  withUnlinking,
} from '../../../core/link-record.ts';
import type { MetadataPatch } from '../../../core/merge.ts';
import { ACCOUNT_LINKING_KEY, declinedUserIds, MAX_DECLINED } from '../../../core/policy.ts';
import type { ManagementUser } from '../../../core/users.ts';
import { makeUser, withLinkedIdentity } from '../../support/users.ts';

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

describe("a link carries the secondary's declines to the primary", () => {
  const how = { at: new Date('2026-01-01T00:00:00Z'), via: 'silent' as const, reason: 'oldest' };
  const declining = (userId: string, declined: string[], extra: Record<string, unknown> = {}) =>
    makeUser(userId, { app_metadata: { [ACCOUNT_LINKING_KEY]: { declined, ...extra } } });

  it("adds the secondary's declines the primary lacks, keeping the primary's other account_linking keys", () => {
    const primary = declining('auth0|p', ['x|1'], { snoozed_until: '2026-01-05T00:00:00.000Z' });
    const secondary = declining('google-oauth2|s', ['x|1', 'github|7']);
    const patch = withLinkRecordPatch(undefined, primary, secondary, how);
    expect(patch.app_metadata[ACCOUNT_LINKING_KEY]).toEqual({
      declined: ['x|1', 'github|7'],
      snoozed_until: '2026-01-05T00:00:00.000Z',
    });
    expect(linkRecordOf(patch, 'google-oauth2|s')).toBeDefined();
  });

  it("carries neither the primary's nor the secondary's own id, nor an account the primary already holds", () => {
    const secondary = declining('google-oauth2|s', [
      'auth0|p',
      'google-oauth2|s',
      'samlp|acme|j.doe',
      'github|7',
    ]);
    const primary = withLinkedIdentity(
      makeUser('auth0|p'),
      { provider: 'samlp', user_id: 'acme|j.doe', connection: 'acme' },
      'alice@example.com',
    );
    expect(carriedDeclines(primary, secondary)).toEqual(['github|7']);
  });

  it('writes no account_linking when the secondary has nothing the primary lacks', () => {
    const primary = declining('auth0|p', ['x|1'], { snoozed_until: '2026-01-05T00:00:00.000Z' });
    for (const secondary of [makeUser('google-oauth2|s'), declining('google-oauth2|s', ['x|1', 'auth0|p'])]) {
      expect(withLinkRecordPatch(undefined, primary, secondary, how).app_metadata).not.toHaveProperty(
        ACCOUNT_LINKING_KEY,
      );
    }
  });

  it("stays within MAX_DECLINED, dropping the primary's oldest declines first", () => {
    const own = Array.from({ length: MAX_DECLINED }, (_, i) => `auth0|own${i}`);
    const primary = declining('auth0|p', own);
    const patch = withLinkRecordPatch(undefined, primary, declining('google-oauth2|s', ['github|7']), how);
    const declined = declinedUserIds(patch);
    expect(declined).toHaveLength(MAX_DECLINED);
    expect(declined).not.toContain('auth0|own0');
    expect(declined.at(-1)).toBe('github|7');
  });

  /** Users as a tenant holds them: a PATCH replaces each first-level `app_metadata` key, as Auth0's does. */
  function tenantOf(...users: ManagementUser[]) {
    const held = new Map(users.map((user) => [user.user_id, user]));
    const reads: string[] = [];
    const port: LinkPatchPort<ManagementUser> = {
      async getUser(userId) {
        reads.push(userId);
        return held.get(userId);
      },
      async patchUser(userId, patch: MetadataPatch) {
        const user = held.get(userId)!;
        held.set(userId, {
          ...user,
          user_metadata: { ...user.user_metadata, ...patch.user_metadata },
          app_metadata: { ...user.app_metadata, ...patch.app_metadata },
        });
      },
    };
    return { held, reads, port };
  }

  it('reads the primary again before carrying, so a decline written since the caller read it stays', async () => {
    const stale = declining('auth0|p', ['x|1']);
    const { held, reads, port } = tenantOf(declining('auth0|p', ['x|1', 'x|2']));
    await patchPrimaryBeforeLink(
      port,
      stale,
      declining('google-oauth2|s', ['github|7']),
      how,
      () => undefined,
    );
    expect(reads).toEqual(['auth0|p']);
    expect(declinedUserIds(held.get('auth0|p')!)).toEqual(['x|1', 'x|2', 'github|7']);
  });

  it('plans the merge from that fresh read', async () => {
    const stale = makeUser('auth0|p');
    const { held, port } = tenantOf(makeUser('auth0|p', { user_metadata: { lang: 'fr' } }));
    const secondary = declining('google-oauth2|s', ['github|7']);
    const seen: ManagementUser[] = [];
    await patchPrimaryBeforeLink(port, stale, secondary, how, (current) => {
      seen.push(current);
      return undefined;
    });
    expect(seen.map((user) => user.user_metadata)).toEqual([{ lang: 'fr' }]);
    expect(linkRecordOf(held.get('auth0|p')!, 'google-oauth2|s')).toBeDefined();
  });

  it('makes no read when there is nothing to carry: the PATCH alone', async () => {
    const primary = makeUser('auth0|p');
    const { held, reads, port } = tenantOf(primary);
    const merge = { user_metadata: { lang: 'de' } };
    await patchPrimaryBeforeLink(port, primary, makeUser('google-oauth2|s'), how, () => merge);
    expect(reads).toEqual([]);
    expect(held.get('auth0|p')?.user_metadata).toEqual({ lang: 'de' });
    expect(held.get('auth0|p')?.app_metadata).not.toHaveProperty(ACCOUNT_LINKING_KEY);
  });
});
