import { isDeepStrictEqual } from 'node:util';
import { UnlinkError } from './errors.ts';
import {
  LINK_RECORDS_KEY,
  type LinkRecord,
  linkRecordOf,
  type MergedKeys,
  nonEmpty,
  withoutLinkRecord,
  withUnlinking,
} from './link-record.ts';
import type { MetadataPatch } from './merge.ts';
import { ACCOUNT_LINKING_KEY, declinedUserIds, withDeclined } from './policy.ts';
import { holdsIdentityRef, type ManagementUser, type Metadata, splitUserId } from './users.ts';

/** The Management API as an unlink uses it; the account page and `npm run unlink` each adapt their client. */
export interface UnlinkPort {
  /** `undefined` when the user does not exist (404). */
  getUser(userId: string): Promise<ManagementUser | undefined>;
  patchUser(userId: string, patch: MetadataPatch): Promise<void>;
  unlink(primaryId: string, secondaryId: string): Promise<void>;
}

export interface UnlinkResult {
  /** `false` when an earlier, interrupted run had already unlinked it (this run finished the rest). */
  unlinked: boolean;
  /** `user_metadata` / `app_metadata` given back from the record made at link time. */
  restored: Array<'user_metadata' | 'app_metadata'>;
  /** Why nothing was restored, when nothing was. */
  notRestored?: 'no_record' | 'record_too_large' | 'none_at_link_time';
  /** Keys the link had copied onto the primary and the unlink took back (those still holding the copied value). */
  withdrawn: MergedKeys;
}

/** Whether `primary` holds `secondaryId` as a linked identity (index 0 is its own). */
export function holdsIdentity(primary: ManagementUser, secondaryId: string): boolean {
  return holdsIdentityRef(primary.identities?.slice(1), splitUserId(secondaryId));
}

/**
 * Unlinks `secondaryId` from `primaryId`: the account page and `npm run unlink` both run this. In an order where
 * every interruption is finished by running it again: (1) in one PATCH, record the decline on the primary (the
 * Action's "don't ask again" list, so no login relinks it silently) and mark the link record `unlinking`;
 * (2) unlink; (3) give the secondary back the metadata recorded at link time (Auth0 restores none) with the
 * primary on its own decline list, in one PATCH; (4) in one PATCH, drop the record and take off the primary the
 * keys the link's merge copied onto it, where they still hold the copied value (one the user changed since is
 * theirs now).
 *
 * Metadata is given back only while the primary holds the identity or the record says an unlink is under way: a
 * record beside an unlinked, live secondary otherwise is not ours to act on (it would overwrite what the account
 * holds now with an old copy).
 */
export async function unlinkAccount(
  port: UnlinkPort,
  primaryId: string,
  secondaryId: string,
): Promise<UnlinkResult> {
  const first = await port.getUser(primaryId);
  if (first === undefined) throw new UnlinkError('not_linked', `user ${primaryId} does not exist`);
  if (secondaryId === primaryId) {
    const only = (first.identities ?? []).length <= 1;
    throw new UnlinkError(
      only ? 'unlink_last' : 'unlink_primary',
      only ? 'the only sign-in method cannot be unlinked' : "the primary's own identity cannot be unlinked",
    );
  }
  const linked = holdsIdentity(first, secondaryId);
  if (
    !linked &&
    (linkRecordOf(first, secondaryId)?.unlinking !== true || (await port.getUser(secondaryId)) === undefined)
  ) {
    throw new UnlinkError('not_linked', `${secondaryId} is not linked to ${primaryId}`);
  }
  // Read again right before writing `account_linking`: the PATCH replaces the whole key, so the decline list must
  // be as fresh as possible (the web app or the Action may have added one since the read above).
  let primary = (await port.getUser(primaryId)) ?? first;
  const record = linkRecordOf(primary, secondaryId);
  const declined = withDeclined(primary, [secondaryId]);
  const appMetadata: Metadata = {};
  if (JSON.stringify(declined) !== JSON.stringify(primary.app_metadata?.[ACCOUNT_LINKING_KEY]))
    appMetadata[ACCOUNT_LINKING_KEY] = declined;
  if (record !== undefined && record.unlinking !== true)
    appMetadata[LINK_RECORDS_KEY] = withUnlinking(primary, secondaryId);
  if (Object.keys(appMetadata).length > 0) {
    await port.patchUser(primaryId, { app_metadata: appMetadata });
    primary = { ...primary, app_metadata: { ...primary.app_metadata, ...appMetadata } };
  }
  if (linked) await port.unlink(primaryId, secondaryId);
  const result: UnlinkResult = { unlinked: linked, restored: [], withdrawn: {} };
  const restore: MetadataPatch = {};
  if (record === undefined) result.notRestored = 'no_record';
  else if (record.too_large === true) result.notRestored = 'record_too_large';
  else {
    // Never an empty object: Auth0 reads `user_metadata: {}` as "delete it all".
    if (nonEmpty(record.user_metadata)) restore.user_metadata = record.user_metadata;
    if (nonEmpty(record.app_metadata)) restore.app_metadata = record.app_metadata;
    result.restored = Object.keys(restore) as UnlinkResult['restored'];
    if (result.restored.length === 0) result.notRestored = 'none_at_link_time';
  }
  const secondary = await port.getUser(secondaryId);
  if (secondary !== undefined) {
    // The secondary declines the primary too, keeping its declines from now and from link time: neither login
    // relinks the pair.
    const now = { app_metadata: { [ACCOUNT_LINKING_KEY]: secondary.app_metadata?.[ACCOUNT_LINKING_KEY] } };
    const declines = [...declinedUserIds({ app_metadata: restore.app_metadata ?? {} }), primaryId];
    await port.patchUser(secondaryId, {
      ...restore,
      app_metadata: { ...restore.app_metadata, [ACCOUNT_LINKING_KEY]: withDeclined(now, declines) },
    });
  }
  if (record !== undefined) {
    // Read again: a key the user changed between the first read and now must not be taken.
    if (record.merged !== undefined) primary = (await port.getUser(primaryId)) ?? primary;
    const withdraw = withdrawal(primary, record);
    await port.patchUser(primaryId, {
      ...(withdraw.user_metadata !== undefined && { user_metadata: withdraw.user_metadata }),
      app_metadata: { ...withdraw.app_metadata, [LINK_RECORDS_KEY]: withoutLinkRecord(primary, secondaryId) },
    });
    result.withdrawn = withdraw.keys;
  }
  return result;
}

/** The PATCH values (`null` deletes a first-level key) that take back what the link's merge copied. */
function withdrawal(
  primary: ManagementUser,
  record: LinkRecord,
): { user_metadata?: Metadata; app_metadata?: Metadata; keys: MergedKeys } {
  const out: { user_metadata?: Metadata; app_metadata?: Metadata; keys: MergedKeys } = { keys: {} };
  for (const scope of ['user_metadata', 'app_metadata'] as const) {
    const copied = record[scope];
    const now = primary[scope];
    const keys = (record.merged?.[scope] ?? []).filter(
      (key) =>
        copied !== undefined && now !== undefined && key in now && isDeepStrictEqual(now[key], copied[key]),
    );
    if (keys.length === 0) continue;
    out[scope] = Object.fromEntries(keys.map((key) => [key, null]));
    out.keys[scope] = keys;
  }
  return out;
}
