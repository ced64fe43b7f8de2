import { ACCOUNT_LINKING_KEY } from '../../actions/account-linking/policy.ts';
import type { ManagementUser, Metadata } from '../../actions/account-linking/users.ts';

/**
 * What a secondary held when the backfill linked it, kept in the primary's `app_metadata.account_linking.linked`
 * (users cannot edit `app_metadata`), so `unlink` can give it back: Auth0 drops a secondary's metadata on link
 * and restores none on unlink. Bounded: Auth0 caps metadata size, and a login reads it on every request.
 */
export interface LinkRecord {
  at: string;
  user_metadata?: Metadata;
  app_metadata?: Metadata;
  /** The metadata was larger than MAX_RECORD_BYTES and was not kept. */
  too_large?: true;
}

export const LINK_RECORD_LIMITS = Object.freeze({ maxRecordBytes: 4096, maxRecords: 20 });

export function linkRecordOf(primary: ManagementUser, secondaryId: string): LinkRecord | undefined {
  const record = linkedRecords(primary)[secondaryId];
  return typeof record === 'object' && record !== null ? (record as LinkRecord) : undefined;
}

/** The primary's new `account_linking` object with a record for `secondary` (oldest records dropped past the cap). */
export function withLinkRecord(
  primary: ManagementUser,
  secondary: ManagementUser,
  at: Date,
): Record<string, unknown> {
  const record: LinkRecord = { at: at.toISOString() };
  if (nonEmpty(secondary.user_metadata)) record.user_metadata = secondary.user_metadata;
  if (nonEmpty(secondary.app_metadata)) record.app_metadata = secondary.app_metadata;
  const bounded: LinkRecord =
    Buffer.byteLength(JSON.stringify(record)) > LINK_RECORD_LIMITS.maxRecordBytes
      ? { at: record.at, too_large: true }
      : record;
  const entries = Object.entries(linkedRecords(primary)).filter(([id]) => id !== secondary.user_id);
  entries.sort(([, a], [, b]) =>
    String((a as LinkRecord)?.at ?? '').localeCompare((b as LinkRecord)?.at ?? ''),
  );
  const kept = entries.slice(Math.max(0, entries.length - (LINK_RECORD_LIMITS.maxRecords - 1)));
  return {
    ...accountLinking(primary),
    linked: Object.fromEntries([...kept, [secondary.user_id, bounded]]),
  };
}

/** The primary's `account_linking` object without the record for `secondaryId`. */
export function withoutLinkRecord(primary: ManagementUser, secondaryId: string): Record<string, unknown> {
  const { [secondaryId]: _dropped, ...linked } = linkedRecords(primary);
  return { ...accountLinking(primary), linked };
}

function accountLinking(user: ManagementUser): Record<string, unknown> {
  const value = user.app_metadata?.[ACCOUNT_LINKING_KEY];
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
}

function linkedRecords(user: ManagementUser): Record<string, unknown> {
  const linked = accountLinking(user).linked;
  return typeof linked === 'object' && linked !== null ? (linked as Record<string, unknown>) : {};
}

function nonEmpty(metadata: Metadata | undefined): metadata is Metadata {
  return metadata !== undefined && Object.keys(metadata).length > 0;
}
