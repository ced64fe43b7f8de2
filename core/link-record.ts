import type { MetadataHolder, MetadataPatch } from './merge.ts';
import { ACCOUNT_LINKING_KEY, declinedUserIds, withDeclined } from './policy.ts';
import {
  holdsIdentityRef,
  type ManagementIdentity,
  type ManagementUser,
  type Metadata,
  splitUserId,
} from './users.ts';

/** What a link reads of either account: the Action, the web app and the backfill each pass their own user type. */
export interface LinkedUser extends MetadataHolder {
  readonly user_id: string;
  readonly identities?: readonly ManagementIdentity[];
}

/**
 * The primary's `app_metadata` key holding one link record per secondary, written by every linker (the Action,
 * the account page, the backfill). Its own key, not `account_linking`: a PATCH replaces each first-level
 * `app_metadata` key whole, so a record written from an older read would otherwise erase a `declined` entry the
 * web app or the Action just wrote (and the next login would relink silently).
 */
export const LINK_RECORDS_KEY = 'account_linking_links';

/** Who made the link: a silent login, a login after the consent page, the account page, or the backfill. */
export type LinkVia = 'silent' | 'consent' | 'account_page' | 'backfill';

/**
 * What a secondary held when it was linked, and how, so an unlink can give it back and the account page can
 * explain it: Auth0 drops a secondary's metadata on link and restores none on unlink. In `app_metadata` (users
 * cannot edit it); bounded, since Auth0 caps metadata size and every login carries it.
 */
export interface LinkRecord {
  /** The secondary. A field, not a key: Auth0 refuses metadata field names holding `.` or `$` ("Metadata field
   * names and data types"), and enterprise ids often hold a dot (`samlp|acme|jane.doe@corp.com`). */
  user_id: string;
  /** The secondary's connection, for "your Google sign-in". */
  connection?: string;
  at: string;
  via: LinkVia;
  /** Why this account is the primary (the `PRIMARY_POLICY` rule that chose it). */
  reason: string;
  user_metadata?: Metadata;
  app_metadata?: Metadata;
  /** The keys the merge copied from the secondary onto the primary, so an unlink can take them back. */
  merged?: MergedKeys;
  /** The metadata was larger than `maxRecordBytes` and was not kept. */
  too_large?: true;
  /** Set with the decline before an unlink: a rerun may restore the metadata though no longer linked. */
  unlinking?: true;
}

/** Names of first-level metadata keys, per metadata object. */
export interface MergedKeys {
  user_metadata?: string[];
  app_metadata?: string[];
}

/** How a link came about, as the record keeps it. */
export interface LinkHow {
  at: Date;
  via: LinkVia;
  reason: string;
}

/** The value of `app_metadata[LINK_RECORDS_KEY]`: one record per secondary, oldest first. `null` deletes the key. */
export type LinkRecords = LinkRecord[] | null;

export const LINK_RECORD_LIMITS = Object.freeze({ maxRecordBytes: 4096, maxRecords: 20 });

export function linkRecordOf(
  primary: Pick<ManagementUser, 'app_metadata'>,
  secondaryId: string,
): LinkRecord | undefined {
  return linkRecords(primary).find((record) => record.user_id === secondaryId);
}

/** The primary's records with one for `secondary` (oldest records dropped past the cap). */
export function withLinkRecord(
  primary: Pick<ManagementUser, 'app_metadata'>,
  secondary: LinkedUser,
  how: LinkHow,
  merge?: MetadataPatch,
): LinkRecord[] {
  const base: LinkRecord = {
    user_id: secondary.user_id,
    at: how.at.toISOString(),
    via: how.via,
    reason: how.reason,
  };
  const connection = secondary.identities?.[0]?.connection;
  if (connection !== undefined) base.connection = connection;
  const full: LinkRecord = { ...base };
  if (nonEmpty(secondary.user_metadata)) full.user_metadata = secondary.user_metadata;
  if (nonEmpty(secondary.app_metadata)) full.app_metadata = secondary.app_metadata;
  const merged = mergedKeys(merge);
  if (merged !== undefined) full.merged = merged;
  const bounded: LinkRecord =
    new TextEncoder().encode(JSON.stringify(full)).length > LINK_RECORD_LIMITS.maxRecordBytes
      ? { ...base, too_large: true }
      : full;
  const others = linkRecords(primary).filter((r) => r.user_id !== secondary.user_id);
  others.sort((a, b) => String(a.at ?? '').localeCompare(String(b.at ?? '')));
  const kept = others.slice(Math.max(0, others.length - (LINK_RECORD_LIMITS.maxRecords - 1)));
  return [...kept, bounded];
}

/**
 * The secondary's declines ("don't ask again", Not mine, an unlink) the primary lacks, neither account's own id
 * nor an account the primary already holds among them: Auth0 drops a secondary's metadata on link, and its owner,
 * now signing in as the primary, would be asked again about accounts they already said are not theirs.
 */
export function carriedDeclines(primary: LinkedUser, secondary: LinkedUser): string[] {
  const kept = new Set([...declinedUserIds(primary), primary.user_id, secondary.user_id]);
  return declinedUserIds(secondary).filter(
    (id) => !kept.has(id) && !holdsIdentityRef(primary.identities, splitUserId(id)),
  );
}

/**
 * `patch` (a metadata merge, or nothing) with the primary's link records for `secondary` added, and the
 * secondary's `carriedDeclines` added to the primary's `account_linking` (keeping its other keys; `MAX_DECLINED`
 * bounds it as any new decline does): one PATCH. `account_linking` is written only when there is a decline to
 * carry, since the PATCH replaces it whole: `primary` must then be a read made right before
 * (`patchPrimaryBeforeLink`).
 */
export function withLinkRecordPatch(
  patch: MetadataPatch | undefined,
  primary: LinkedUser,
  secondary: LinkedUser,
  how: LinkHow,
): MetadataPatch & { app_metadata: Metadata } {
  const carried = carriedDeclines(primary, secondary);
  return {
    ...patch,
    app_metadata: {
      ...patch?.app_metadata,
      [LINK_RECORDS_KEY]: withLinkRecord(primary, secondary, how, patch),
      ...(carried.length > 0 && { [ACCOUNT_LINKING_KEY]: withDeclined(primary, carried) }),
    },
  };
}

/** The Management calls `patchPrimaryBeforeLink` makes; each linker adapts its own client. */
export interface LinkPatchPort<P extends LinkedUser> {
  /** `undefined` when the user does not exist (404). */
  getUser(userId: string): Promise<P | undefined>;
  patchUser(userId: string, patch: MetadataPatch): Promise<void>;
}

/**
 * The PATCH of the primary every linker makes before linking (Auth0 drops the secondary's metadata on link): the
 * merge `planMerge` plans from the primary, the link record and the secondary's declines (`withLinkRecordPatch`).
 * When there are declines to carry, the primary is read again right before the PATCH, as an unlink does
 * (core/unlink.ts): the PATCH replaces `account_linking` whole and the Management API has no conditional update,
 * so a decline or "Not now" written since the caller's read must be in it. Otherwise no read: a silent link stays
 * at three Management calls.
 */
export async function patchPrimaryBeforeLink<P extends LinkedUser>(
  port: LinkPatchPort<P>,
  primary: P,
  secondary: LinkedUser,
  how: LinkHow,
  planMerge: (primary: P) => MetadataPatch | undefined,
): Promise<void> {
  const current =
    carriedDeclines(primary, secondary).length > 0
      ? ((await port.getUser(primary.user_id)) ?? primary)
      : primary;
  await port.patchUser(primary.user_id, withLinkRecordPatch(planMerge(current), current, secondary, how));
}

/** The primary's records with `unlinking` set on the one for `secondaryId` (unchanged when it has none). */
export function withUnlinking(
  primary: Pick<ManagementUser, 'app_metadata'>,
  secondaryId: string,
): LinkRecords {
  return linkRecords(primary).map((record) =>
    record.user_id === secondaryId ? { ...record, unlinking: true } : record,
  );
}

/** The primary's records without the one for `secondaryId`; `null` (delete the key) when none is left. */
export function withoutLinkRecord(
  primary: Pick<ManagementUser, 'app_metadata'>,
  secondaryId: string,
): LinkRecords {
  const rest = linkRecords(primary).filter((record) => record.user_id !== secondaryId);
  return rest.length > 0 ? rest : null;
}

/** `user_metadata.lang`-style names, for logs and command output. */
export function mergedKeyPaths(keys: MergedKeys): string[] {
  return (['user_metadata', 'app_metadata'] as const).flatMap((scope) =>
    (keys[scope] ?? []).map((key) => `${scope}.${key}`),
  );
}

function mergedKeys(merge: MetadataPatch | undefined): MergedKeys | undefined {
  const keys: MergedKeys = {};
  if (nonEmpty(merge?.user_metadata)) keys.user_metadata = Object.keys(merge.user_metadata);
  if (nonEmpty(merge?.app_metadata)) keys.app_metadata = Object.keys(merge.app_metadata);
  return Object.keys(keys).length > 0 ? keys : undefined;
}

/** The records as stored; anything that is not a record with a `user_id` (an edit by hand) is left out. */
export function linkRecords(user: Pick<ManagementUser, 'app_metadata'>): LinkRecord[] {
  const value = user.app_metadata?.[LINK_RECORDS_KEY];
  if (!Array.isArray(value)) return [];
  return value.filter(
    (record): record is LinkRecord =>
      typeof record === 'object' && record !== null && typeof (record as LinkRecord).user_id === 'string',
  );
}

/** Metadata worth writing: Auth0 reads an empty object as "delete it all". */
export function nonEmpty(metadata: Metadata | undefined): metadata is Metadata {
  return metadata !== undefined && Object.keys(metadata).length > 0;
}
