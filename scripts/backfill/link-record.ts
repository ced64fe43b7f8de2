import type { ManagementUser, Metadata } from '../../core/users.ts';

/**
 * The primary's `app_metadata` key holding the backfill's link records, one per secondary it linked. Its own key,
 * not the Action's `account_linking`: a PATCH replaces each first-level `app_metadata` key whole, so a record
 * written from an older read would otherwise erase a `declined` entry the web app or the Action just wrote (and
 * the next login would relink silently). Only the backfill and `unlink` write this key.
 */
export const LINK_RECORDS_KEY = 'account_linking_backfill';

/**
 * What a secondary held when the backfill linked it, so `unlink` can give it back: Auth0 drops a secondary's
 * metadata on link and restores none on unlink. In `app_metadata` (users cannot edit it); bounded, since Auth0
 * caps metadata size and a login reads it on every request.
 */
export interface LinkRecord {
  /** The secondary. A field, not a key: Auth0 refuses metadata field names holding `.` or `$` ("Metadata field
   * names and data types"), and enterprise ids often hold a dot (`samlp|acme|jane.doe@corp.com`). */
  user_id: string;
  at: string;
  user_metadata?: Metadata;
  app_metadata?: Metadata;
  /** The metadata was larger than `maxRecordBytes` and was not kept. */
  too_large?: true;
  /** Set by `unlink` with the decline, before it unlinks: a rerun may restore the metadata though not linked. */
  unlinking?: true;
}

/** The value of `app_metadata[LINK_RECORDS_KEY]`: one record per secondary, oldest first. `null` deletes the key. */
export type LinkRecords = LinkRecord[] | null;

export const LINK_RECORD_LIMITS = Object.freeze({ maxRecordBytes: 4096, maxRecords: 20 });

export function linkRecordOf(primary: ManagementUser, secondaryId: string): LinkRecord | undefined {
  return linkRecords(primary).find((record) => record.user_id === secondaryId);
}

/** The primary's records with one for `secondary` (oldest records dropped past the cap). */
export function withLinkRecord(primary: ManagementUser, secondary: ManagementUser, at: Date): LinkRecords {
  const record: LinkRecord = { user_id: secondary.user_id, at: at.toISOString() };
  if (nonEmpty(secondary.user_metadata)) record.user_metadata = secondary.user_metadata;
  if (nonEmpty(secondary.app_metadata)) record.app_metadata = secondary.app_metadata;
  const bounded: LinkRecord =
    Buffer.byteLength(JSON.stringify(record)) > LINK_RECORD_LIMITS.maxRecordBytes
      ? { user_id: record.user_id, at: record.at, too_large: true }
      : record;
  const others = linkRecords(primary).filter((r) => r.user_id !== secondary.user_id);
  others.sort((a, b) => String(a.at ?? '').localeCompare(String(b.at ?? '')));
  const kept = others.slice(Math.max(0, others.length - (LINK_RECORD_LIMITS.maxRecords - 1)));
  return [...kept, bounded];
}

/** The primary's records with `unlinking` set on the one for `secondaryId` (unchanged when it has none). */
export function withUnlinking(primary: ManagementUser, secondaryId: string): LinkRecords {
  return linkRecords(primary).map((record) =>
    record.user_id === secondaryId ? { ...record, unlinking: true } : record,
  );
}

/** The primary's records without the one for `secondaryId`; `null` (delete the key) when none is left. */
export function withoutLinkRecord(primary: ManagementUser, secondaryId: string): LinkRecords {
  const rest = linkRecords(primary).filter((record) => record.user_id !== secondaryId);
  return rest.length > 0 ? rest : null;
}

/** The records as stored; anything that is not a record with a `user_id` (an edit by hand) is left out. */
function linkRecords(user: ManagementUser): LinkRecord[] {
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
