import type { ManagementUser, Metadata } from '../../actions/account-linking/users.ts';

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
  at: string;
  user_metadata?: Metadata;
  app_metadata?: Metadata;
  /** The metadata was larger than `maxRecordBytes` and was not kept. */
  too_large?: true;
  /** Set by `unlink` with the decline, before it unlinks: a rerun may restore the metadata though not linked. */
  unlinking?: true;
}

/** The value of `app_metadata[LINK_RECORDS_KEY]`: records by secondary user id. `null` deletes the key. */
export type LinkRecords = Record<string, LinkRecord> | null;

export const LINK_RECORD_LIMITS = Object.freeze({ maxRecordBytes: 4096, maxRecords: 20 });

export function linkRecordOf(primary: ManagementUser, secondaryId: string): LinkRecord | undefined {
  const record = linkRecords(primary)[secondaryId];
  return typeof record === 'object' && record !== null ? (record as LinkRecord) : undefined;
}

/** The primary's records with one for `secondary` (oldest records dropped past the cap). */
export function withLinkRecord(primary: ManagementUser, secondary: ManagementUser, at: Date): LinkRecords {
  const record: LinkRecord = { at: at.toISOString() };
  if (nonEmpty(secondary.user_metadata)) record.user_metadata = secondary.user_metadata;
  if (nonEmpty(secondary.app_metadata)) record.app_metadata = secondary.app_metadata;
  const bounded: LinkRecord =
    Buffer.byteLength(JSON.stringify(record)) > LINK_RECORD_LIMITS.maxRecordBytes
      ? { at: record.at, too_large: true }
      : record;
  const entries = Object.entries(linkRecords(primary)).filter(([id]) => id !== secondary.user_id);
  entries.sort(([, a], [, b]) => String(a?.at ?? '').localeCompare(String(b?.at ?? '')));
  const kept = entries.slice(Math.max(0, entries.length - (LINK_RECORD_LIMITS.maxRecords - 1)));
  return Object.fromEntries([...kept, [secondary.user_id, bounded]]);
}

/** The primary's records with `unlinking` set on the one for `secondaryId` (unchanged when it has none). */
export function withUnlinking(primary: ManagementUser, secondaryId: string): LinkRecords {
  const records = linkRecords(primary);
  const record = records[secondaryId];
  return record === undefined ? records : { ...records, [secondaryId]: { ...record, unlinking: true } };
}

/** The primary's records without the one for `secondaryId`; `null` (delete the key) when none is left. */
export function withoutLinkRecord(primary: ManagementUser, secondaryId: string): LinkRecords {
  const { [secondaryId]: _dropped, ...rest } = linkRecords(primary);
  return Object.keys(rest).length > 0 ? rest : null;
}

function linkRecords(user: ManagementUser): Record<string, LinkRecord> {
  const value = user.app_metadata?.[LINK_RECORDS_KEY];
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, LinkRecord>)
    : {};
}

function nonEmpty(metadata: Metadata | undefined): metadata is Metadata {
  return metadata !== undefined && Object.keys(metadata).length > 0;
}
