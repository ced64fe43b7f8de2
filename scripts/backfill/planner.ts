import {
  type AskReason,
  choosePrimary,
  decidePair,
  declinedUserIds,
  filterLinkCandidates,
  isVerifiedEmailUser,
  MAX_LINK_CANDIDATES,
  normaliseEmail,
  sameEmail,
} from '../../core/policy.ts';
import type { ManagementIdentity, ManagementUser } from '../../core/users.ts';
import { primaryConnection } from '../../core/users.ts';
import type { BackfillConfig } from './config.ts';

export type PlanPolicy = Pick<
  BackfillConfig,
  'autoLinkConnections' | 'mergeAppMetadataKeys' | 'primaryPolicy'
>;

/** Why one account of a group is left alone; the Action's own reasons where it has one. */
export type MemberSkipReason =
  | 'email_not_verified'
  | 'blocked'
  | 'declined'
  | 'secondary_has_identities'
  | 'primary_not_linkable'
  | 'too_many_candidates'
  | 'email_case_differs'
  | AskReason;

export interface SkippedMember {
  user_id: string;
  reason: MemberSkipReason;
}

/** One group of accounts sharing an email (see `DuplicatePlanner` for how case variants are grouped). */
export interface GroupPlan {
  primary: string;
  /** Linked into the primary in this order. */
  secondaries: string[];
  /** `silent_link` when something links; otherwise the reason shared by every skipped account, or `mixed`. */
  reason: 'silent_link' | MemberSkipReason | 'mixed';
  skipped: SkippedMember[];
}

/**
 * The Action's decision for every account of a group, as if each logged in now: the oldest verified, unblocked
 * account is the primary; another joins it when a login of one of the two would find the other
 * (`foundByLogin`) and `decidePair` (the Action's own) would link them silently.
 */
export function planGroup(members: readonly ManagementUser[], policy: PlanPolicy): GroupPlan {
  const skipped: SkippedMember[] = [];
  const eligible: ManagementUser[] = [];
  for (const user of members) {
    if (!isVerifiedEmailUser(user)) skipped.push({ user_id: user.user_id, reason: 'email_not_verified' });
    else if (user.blocked === true) skipped.push({ user_id: user.user_id, reason: 'blocked' });
    else eligible.push(user);
  }
  const primary = choosePrimary(eligible.length > 0 ? eligible : members, policy.primaryPolicy);
  const secondaries: string[] = [];
  for (const user of oldestFirst(eligible)) {
    if (user === primary) continue;
    const reason = memberObstacle(user, primary, eligible, policy);
    if (reason === undefined) secondaries.push(user.user_id);
    else skipped.push({ user_id: user.user_id, reason });
  }
  return { primary: primary.user_id, secondaries, reason: groupReason(secondaries, skipped), skipped };
}

function memberObstacle(
  user: ManagementUser,
  primary: ManagementUser,
  eligible: readonly ManagementUser[],
  policy: PlanPolicy,
): MemberSkipReason | undefined {
  if (sameEmail(user.email, primary.email) && !foundByLogin(user, primary)) return 'email_case_differs';
  const candidates = filterLinkCandidates(
    user,
    eligible.filter((other) => foundByLogin(user, other)),
  );
  // The Action's cap: that many accounts on one address is a shared or farmed address, not a duplicate.
  if (candidates.length > MAX_LINK_CANDIDATES) return 'too_many_candidates';
  if (!candidates.includes(primary)) {
    const declined =
      declinedUserIds(primary).includes(user.user_id) || declinedUserIds(user).includes(primary.user_id);
    return declined ? 'declined' : 'primary_not_linkable';
  }
  const pair = decidePair({ user, connection: primaryConnection(user) ?? '' }, candidates, policy);
  if (pair.kind === 'skip') return pair.reason === 'no_candidates' ? 'primary_not_linkable' : pair.reason;
  if (pair.kind === 'ask') return pair.reason;
  // With a declined oldest account the Action would pick a younger one: the backfill leaves that to logins.
  return pair.primary === primary && pair.secondary === user ? undefined : 'primary_not_linkable';
}

/**
 * Whether a login of `a` or of `b` finds the other: the Action looks up `users-by-email` with the login's exact
 * email and with its lower-cased form (A–Z only), so `Foo@x` finds `Foo@x` and `foo@x`, and `foo@x` finds only
 * `foo@x`. Two accounts whose emails differ in case are found only when one of them holds the lower-cased form:
 * `Foo@x` and `FOO@x` never are.
 */
export function foundByLogin(a: ManagementUser, b: ManagementUser): boolean {
  if (a.email === undefined || b.email === undefined) return false;
  if (a.email === b.email) return true;
  const lowered = normaliseEmail(a.email);
  return lowered === normaliseEmail(b.email) && (a.email === lowered || b.email === lowered);
}

function groupReason(secondaries: readonly string[], skipped: readonly SkippedMember[]): GroupPlan['reason'] {
  if (secondaries.length > 0) return 'silent_link';
  const reasons = new Set(skipped.map((s) => s.reason));
  const [only] = reasons;
  return reasons.size === 1 && only !== undefined ? only : 'mixed';
}

function oldestFirst(users: readonly ManagementUser[]): ManagementUser[] {
  const rest = [...users];
  const ordered: ManagementUser[] = [];
  while (rest.length > 0) {
    const oldest = choosePrimary(rest);
    ordered.push(oldest);
    rest.splice(rest.indexOf(oldest), 1);
  }
  return ordered;
}

export interface PlannerCounts {
  users: number;
  withoutEmail: number;
}

/**
 * Collects users (from an export or a listing, in any order) by email and plans each group of two or more.
 * Keeps only what the policy reads of each user, so a million users fit in memory.
 *
 * Groups follow the Action's search (exact email, then its lower-cased form): the accounts whose emails are equal
 * after lower-casing A–Z form one group when one of them holds the lower-cased form itself (every other variant's
 * login finds it); otherwise each exact spelling is a group of its own, since no login finds another spelling.
 * Within a group, a variant neither the primary's login nor its own would find is skipped (`email_case_differs`).
 */
export class DuplicatePlanner {
  readonly #byEmail = new Map<string, ManagementUser | ManagementUser[]>();
  #users = 0;
  #withoutEmail = 0;

  /** Accepts one exported or listed user; anything without a string `user_id` is refused with a TypeError. */
  add(value: unknown): void {
    const user = reduceUser(value);
    this.#users += 1;
    const key = emailKey(user);
    if (key === undefined) this.#withoutEmail += 1;
    else collect(this.#byEmail, key, user);
  }

  get counts(): PlannerCounts {
    return { users: this.#users, withoutEmail: this.#withoutEmail };
  }

  /** Groups of two or more accounts a login could join, in the order their email was first seen. */
  *plan(policy: PlanPolicy): Generator<GroupPlan> {
    for (const [key, held] of this.#byEmail) {
      if (!Array.isArray(held)) continue;
      for (const group of searchGroups(key, held)) yield planGroup(group, policy);
    }
  }
}

/** What groups a user: its email lower-cased (A–Z only); none without an email. */
export function emailKey(user: ManagementUser): string | undefined {
  return user.email === undefined || user.email === '' ? undefined : normaliseEmail(user.email);
}

/** Adds `value` under `key`, held alone until a second one comes (most keys never get one). */
export function collect<T extends object | string>(map: Map<string, T | T[]>, key: string, value: T): void {
  const held = map.get(key);
  if (held === undefined) map.set(key, value);
  else if (Array.isArray(held)) held.push(value);
  else map.set(key, [held, value]);
}

/** The accounts of one lower-cased email, split as the Action's search joins them (see `DuplicatePlanner`). */
function searchGroups(lowered: string, users: ManagementUser[]): ManagementUser[][] {
  if (users.some((user) => user.email === lowered)) return [users];
  const bySpelling = new Map<string, ManagementUser[]>();
  for (const user of users) {
    const spelling = user.email ?? '';
    const same = bySpelling.get(spelling);
    if (same === undefined) bySpelling.set(spelling, [user]);
    else same.push(user);
  }
  return [...bySpelling.values()].filter((group) => group.length > 1);
}

/** What the policy reads of a user: ids, email, flags, dates, identities (with their emails), declines. */
export function reduceUser(value: unknown): ManagementUser {
  if (typeof value !== 'object' || value === null || typeof (value as ManagementUser).user_id !== 'string') {
    throw new TypeError('a user needs a string "user_id"');
  }
  const source = value as ManagementUser;
  const user: ManagementUser = { user_id: source.user_id };
  if (typeof source.email === 'string') user.email = source.email;
  if (source.email_verified !== undefined) user.email_verified = source.email_verified;
  if (source.blocked === true) user.blocked = true;
  if (typeof source.created_at === 'string') user.created_at = source.created_at;
  if (Array.isArray(source.identities)) user.identities = source.identities.map(reduceIdentity);
  const declined = declinedUserIds(source);
  if (declined.length > 0) user.app_metadata = { account_linking: { declined } };
  return user;
}

function reduceIdentity(identity: ManagementIdentity): ManagementIdentity {
  const out: ManagementIdentity = {
    connection: String(identity?.connection ?? ''),
    provider: String(identity?.provider ?? ''),
    user_id: identity?.user_id ?? '',
  };
  const email = identity?.profileData?.email;
  if (typeof email === 'string') out.profileData = { email };
  return out;
}
