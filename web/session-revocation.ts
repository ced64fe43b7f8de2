import { createHash } from 'node:crypto';

/**
 * Where the end of a web app session is recorded: the user's `app_metadata`, which the account page reads from the
 * Management API on every view and before every change, so every instance behind a load balancer sees a logout at
 * once without memory of its own. Each mark is its own first-level key because Auth0 merges `app_metadata` key by
 * key on PATCH: two instances revoking two sessions at the same moment write two keys and both marks survive,
 * where one read-modify-written list would lose one.
 *
 * - `web_logout_sid_<hash of sid>: <ms>` ends the sessions of that tenant session (`sid` of the login's ID token)
 *   created at or before that time. The time matters after a local sign-out whose tenant logout never happened: a
 *   silent login then gets the same `sid` and a new, valid session.
 * - `web_logout_all: <ms>` ends every session of the user created at or before that time (a logout token without a
 *   `sid`, or too many marks).
 *
 * Bounded: a mark older than the longest session is removed by the next revocation, and past `MAX_SID_MARKS` live
 * marks they collapse into `web_logout_all` (every earlier session ends: the safe direction).
 */
export const LOGOUT_ALL_KEY = 'web_logout_all';
const SID_MARK_PREFIX = 'web_logout_sid_';
export const MAX_SID_MARKS = 20;

export interface RevocableSession {
  /** The tenant session the login belongs to (the ID token's `sid`). */
  readonly sid: string;
  /** Milliseconds since the epoch. */
  readonly createdAt: number;
}

type AppMetadata = Readonly<Record<string, unknown>> | undefined;
export type RevocationPatch = Record<string, number | null>;

/** Metadata field names cannot hold `.` or `$`, and a fixed-length key stays small whatever the `sid` is. */
export function sidMarkKey(sid: string): string {
  return `${SID_MARK_PREFIX}${createHash('sha256').update(sid).digest('hex').slice(0, 32)}`;
}

export function isRevoked(appMetadata: AppMetadata, session: RevocableSession): boolean {
  const ended = (key: string) => {
    const at = appMetadata?.[key];
    return typeof at === 'number' && at >= session.createdAt;
  };
  return ended(LOGOUT_ALL_KEY) || ended(sidMarkKey(session.sid));
}

/**
 * The `app_metadata` patch that ends the sessions of one tenant session (`sid`), or all of the user's (`'all'`), at
 * `now`, pruning marks no session of at most `sessionMs` can still match.
 */
export function revocationPatch(
  appMetadata: AppMetadata,
  target: { readonly sid: string } | 'all',
  now: number,
  sessionMs: number,
): RevocationPatch {
  const patch: RevocationPatch = {};
  const live: string[] = [];
  for (const [key, at] of Object.entries(appMetadata ?? {})) {
    if (key !== LOGOUT_ALL_KEY && !key.startsWith(SID_MARK_PREFIX)) continue;
    if (typeof at !== 'number' || at + sessionMs < now) patch[key] = null;
    else if (key !== LOGOUT_ALL_KEY) live.push(key);
  }
  // A mark never moves back: another instance's clock may be ahead of this one.
  const later = (key: string) => Math.max(now, Number(patch[key] === null ? 0 : (appMetadata?.[key] ?? 0)));
  const key = target === 'all' ? undefined : sidMarkKey(target.sid);
  const others = live.filter((mark) => mark !== key);
  if (key === undefined || others.length >= MAX_SID_MARKS) {
    for (const mark of live) patch[mark] = null;
    patch[LOGOUT_ALL_KEY] = later(LOGOUT_ALL_KEY);
  } else {
    patch[key] = later(key);
  }
  return patch;
}
