import { ACCOUNT_LINKING_KEY, withDeclined } from '../../core/policy.ts';
import type { Metadata } from '../../core/users.ts';
import { holdsIdentity } from './apply.ts';
import { BackfillError } from './errors.ts';
import { LINK_RECORDS_KEY, linkRecordOf, nonEmpty, withoutLinkRecord, withUnlinking } from './link-record.ts';
import type { BackfillPort } from './management.ts';

export interface UnlinkResult {
  /** `false` when an earlier, interrupted run had already unlinked it (this run finished the rest). */
  unlinked: boolean;
  /** `user_metadata` / `app_metadata` given back from the record made at link time. */
  restored: Array<'user_metadata' | 'app_metadata'>;
  /** Why nothing was restored, when nothing was. */
  notRestored?: 'no_record' | 'record_too_large' | 'none_at_link_time';
}

/**
 * Unlinks `secondaryId` from `primaryId`, in an order where every interruption is finished by running it again:
 * (1) in one PATCH, record the decline on the primary (the Action's "don't ask again" list, so no login relinks it
 * silently) and mark the link record `unlinking`; (2) unlink; (3) give the secondary back the metadata recorded at
 * link time (Auth0 restores none); (4) drop the record.
 *
 * Metadata is given back only while the primary holds the identity or the record says an unlink is under way: a
 * record beside an unlinked, live secondary otherwise is not ours to act on (it would overwrite what the account
 * holds now with an old copy).
 */
export async function unlinkAccount(
  port: BackfillPort,
  primaryId: string,
  secondaryId: string,
): Promise<UnlinkResult> {
  const first = await port.getUser(primaryId);
  if (first === undefined) throw new BackfillError('not_linked', `user ${primaryId} does not exist`);
  const linked = holdsIdentity(first, secondaryId);
  if (
    !linked &&
    (linkRecordOf(first, secondaryId)?.unlinking !== true || (await port.getUser(secondaryId)) === undefined)
  ) {
    throw new BackfillError('not_linked', `${secondaryId} is not linked to ${primaryId}`);
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
  const result: UnlinkResult = { unlinked: linked, restored: [] };
  if (record === undefined) result.notRestored = 'no_record';
  else if (record.too_large === true) result.notRestored = 'record_too_large';
  else {
    const patch: { user_metadata?: Metadata; app_metadata?: Metadata } = {};
    if (nonEmpty(record.user_metadata)) patch.user_metadata = record.user_metadata;
    if (nonEmpty(record.app_metadata)) patch.app_metadata = record.app_metadata;
    // Never an empty object: Auth0 reads `user_metadata: {}` as "delete it all".
    if (patch.user_metadata !== undefined || patch.app_metadata !== undefined) {
      await port.patchUser(secondaryId, patch);
      result.restored = Object.keys(patch) as UnlinkResult['restored'];
    } else result.notRestored = 'none_at_link_time';
  }
  if (record !== undefined) {
    await port.patchUser(primaryId, {
      app_metadata: { [LINK_RECORDS_KEY]: withoutLinkRecord(primary, secondaryId) },
    });
  }
  return result;
}
