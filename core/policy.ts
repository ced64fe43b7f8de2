import { CONFIG_DEFAULTS, type Config, type PrimaryPolicy } from './config.ts';
import { type ManagementUser, primaryConnection } from './users.ts';

export type SkipReason =
  | 'no_email'
  | 'email_not_verified'
  | 'client_skipped'
  | 'not_first_login'
  | 'no_candidates'
  | 'too_many_candidates'
  | 'secondary_has_identities'
  | 'consent_unavailable'
  | 'not_interactive'
  | 'snoozed';

export type LinkDecision =
  | { kind: 'skip'; reason: SkipReason }
  | { kind: 'link'; primary: ManagementUser; secondary: ManagementUser }
  | { kind: 'ask'; candidates: readonly ManagementUser[]; reason: AskReason };

export type AskReason = 'connection_not_trusted' | 'non_ascii_email' | 'foreign_identity_on_primary';

export interface LoginFacts {
  readonly user: ManagementUser;
  readonly connection: string;
  readonly clientId: string;
  readonly loginsCount: number;
  readonly interactive: boolean;
  /** The user chose "Not now" less than `NOT_NOW_DAYS` ago: nothing is asked (a silent link still happens). */
  readonly snoozed?: boolean;
}

/** More candidates than this for one email is not a duplicate but a shared or farmed address: leave it alone. */
export const MAX_LINK_CANDIDATES = 10;

/** The `app_metadata` key holding the "don't ask again" list (`declined`) the Action, web app and backfill share. */
export const ACCOUNT_LINKING_KEY = 'account_linking';

/** Emails are the same when equal after lower-casing A–Z only: no Unicode folding, trimming or aliases. */
export function normaliseEmail(email: string): string {
  return email.replace(/[A-Z]+/g, (letters) => letters.toLowerCase());
}

export function sameEmail(a: string | undefined, b: string | undefined): boolean {
  return a !== undefined && b !== undefined && a !== '' && normaliseEmail(a) === normaliseEmail(b);
}

/**
 * Every user `search` (one `users-by-email` call) finds for `email`: the lookup is exact and case-sensitive while
 * Auth0's own connections store emails lower-cased, so an email with capitals is searched lower-cased too.
 */
export async function findUsersByEmail<T>(
  search: (email: string) => Promise<T[]>,
  email: string,
): Promise<T[]> {
  const lowered = normaliseEmail(email);
  const found = await search(email);
  return lowered === email ? found : [...found, ...(await search(lowered))];
}

export function isAsciiEmail(email: string): boolean {
  return /^[\x21-\x7e]+$/.test(email);
}

/** Only the boolean `true` counts: `"true"`, `1` or a missing flag are not verified. */
export function isVerifiedEmailUser(user: ManagementUser): boolean {
  return user.email_verified === true && typeof user.email === 'string' && user.email !== '';
}

/** Accounts this user chose never to link with (`app_metadata.account_linking.declined`). */
export function declinedUserIds(user: Pick<ManagementUser, 'app_metadata'>): readonly string[] {
  const record = user.app_metadata?.[ACCOUNT_LINKING_KEY];
  if (typeof record !== 'object' || record === null) return [];
  const declined = (record as Record<string, unknown>).declined;
  return Array.isArray(declined) ? declined.filter((id): id is string => typeof id === 'string') : [];
}

/** Whether a "Not now" (`account_linking.snoozed_until`) still holds at `now`. */
export function isSnoozed(user: Pick<ManagementUser, 'app_metadata'>, now: Date): boolean {
  const until = Date.parse(String(accountLinking(user).snoozed_until ?? ''));
  return !Number.isNaN(until) && until > now.getTime();
}

/** The `account_linking` record with a "Not now" remembered for `days` from `now`, keeping its other keys. */
export function withSnoozed(
  user: Pick<ManagementUser, 'app_metadata'>,
  now: Date,
  days: number,
): Record<string, unknown> {
  return {
    ...accountLinking(user),
    snoozed_until: new Date(now.getTime() + days * 86_400_000).toISOString(),
  };
}

/** The `account_linking` record with `userIds` taken off `declined` (the account page's "Ask me again"). */
export function withoutDeclined(
  user: Pick<ManagementUser, 'app_metadata'>,
  userIds: readonly string[],
): Record<string, unknown> {
  return { ...accountLinking(user), declined: declinedUserIds(user).filter((id) => !userIds.includes(id)) };
}

/** The `account_linking` record without its "Not now" (the account page's "Ask me at sign-in again"). */
export function withoutSnooze(user: Pick<ManagementUser, 'app_metadata'>): Record<string, unknown> {
  const { snoozed_until: _cleared, ...rest } = accountLinking(user);
  return rest;
}

/** When a "Not now" that still holds at `now` ends, or undefined when none does. */
export function snoozedUntil(user: Pick<ManagementUser, 'app_metadata'>, now: Date): Date | undefined {
  return isSnoozed(user, now) ? new Date(String(accountLinking(user).snoozed_until)) : undefined;
}

function accountLinking(user: Pick<ManagementUser, 'app_metadata'>): Record<string, unknown> {
  const current = user.app_metadata?.[ACCOUNT_LINKING_KEY];
  return typeof current === 'object' && current !== null ? (current as Record<string, unknown>) : {};
}

/**
 * The most declines one user keeps: twice the candidates one email may have. Every login carries `app_metadata`,
 * and Auth0 limits a user profile to 10 KB serialized ("Migrate oversized user profiles"); 20 ids stay near 1 KB.
 */
export const MAX_DECLINED = 2 * MAX_LINK_CANDIDATES;

/**
 * The `account_linking` record with `userIds` added to `declined`, keeping its other keys and its order. Past
 * `MAX_DECLINED`, the oldest declines other than `userIds` are dropped, and logins treat those accounts as never
 * declined (an unlink declines on both accounts, so its pair stays declined while either list holds it).
 */
export function withDeclined(
  user: Pick<ManagementUser, 'app_metadata'>,
  userIds: readonly string[],
): Record<string, unknown> {
  const declined = [...new Set([...declinedUserIds(user), ...userIds])];
  const dropped = declined
    .filter((id) => !userIds.includes(id))
    .slice(0, Math.max(0, declined.length - MAX_DECLINED));
  return {
    ...accountLinking(user),
    declined: declined.filter((id) => !dropped.includes(id)).slice(-MAX_DECLINED),
  };
}

/** Why this login is not looked at, or undefined when it is. Pure: no Management call is needed to say. */
export function loginSkipReason(facts: LoginFacts, config: Config): SkipReason | undefined {
  if (config.skipClientIds.includes(facts.clientId)) return 'client_skipped';
  if (typeof facts.user.email !== 'string' || facts.user.email === '') return 'no_email';
  if (!isVerifiedEmailUser(facts.user)) return 'email_not_verified';
  if (config.checkOn === 'first-login' && facts.loginsCount !== 1) return 'not_first_login';
  return undefined;
}

function identityIds(user: ManagementUser): Set<string> {
  return new Set((user.identities ?? []).map((identity) => `${identity.provider}|${identity.user_id}`));
}

/** Users found by email that may be linked with the current one (verified, same email, not blocked...). */
export function filterLinkCandidates(
  current: ManagementUser,
  found: readonly ManagementUser[],
): ManagementUser[] {
  const alreadyLinked = identityIds(current);
  const declined = new Set(declinedUserIds(current));
  const seen = new Set<string>();
  return found.filter((user) => {
    if (seen.has(user.user_id)) return false;
    seen.add(user.user_id);
    return (
      user.user_id !== current.user_id &&
      !alreadyLinked.has(user.user_id) &&
      isVerifiedEmailUser(user) &&
      sameEmail(user.email, current.email) &&
      user.blocked !== true &&
      !declined.has(user.user_id) &&
      !declinedUserIds(user).includes(current.user_id)
    );
  });
}

/**
 * The primary under `policy` (`PRIMARY_POLICY`), the oldest account (`created_at`, then `user_id`) breaking ties:
 * a rule an attacker who signs up later cannot steer. Callers pass only verified, unblocked users, so no policy
 * makes an unverified or blocked account the primary.
 */
export function choosePrimary<T extends ManagementUser>(
  users: readonly T[],
  policy: PrimaryPolicy = CONFIG_DEFAULTS.primaryPolicy,
): T {
  const [first, ...rest] = users;
  if (first === undefined) throw new RangeError('choosePrimary needs at least one user');
  return rest.reduce((best, user) => {
    const rank = policyRank(user, policy) - policyRank(best, policy);
    return rank < 0 || (rank === 0 && isOlder(user, best)) ? user : best;
  }, first);
}

/** Lower ranks first: database accounts under `database-first`, the listed connections in order. */
function policyRank(user: ManagementUser, policy: PrimaryPolicy): number {
  if (policy.kind === 'oldest') return 0;
  const identity = user.identities?.[0];
  if (policy.kind === 'database-first') return identity?.provider === 'auth0' ? 0 : 1;
  const index = policy.order.indexOf(identity?.connection ?? '');
  return index === -1 ? policy.order.length : index;
}

function isOlder(a: ManagementUser, b: ManagementUser): boolean {
  const at = Date.parse(a.created_at ?? '');
  const bt = Date.parse(b.created_at ?? '');
  const aTime = Number.isNaN(at) ? Number.POSITIVE_INFINITY : at;
  const bTime = Number.isNaN(bt) ? Number.POSITIVE_INFINITY : bt;
  return aTime !== bTime ? aTime < bTime : a.user_id < b.user_id;
}

/** The pair a link joins: the primary under `policy` of the two. */
export function linkPair<T extends ManagementUser>(
  current: T,
  other: T,
  policy?: PrimaryPolicy,
): { primary: T; secondary: T } {
  const primary = choosePrimary([current, other], policy);
  return { primary, secondary: primary === current ? other : current };
}

export function isTrusted(
  connection: string | undefined,
  config: Pick<Config, 'autoLinkConnections'>,
): boolean {
  if (connection === undefined) return false;
  return config.autoLinkConnections === '*' || config.autoLinkConnections.includes(connection);
}

/** A linked identity whose email is not this email: planted before the owner verified the address. */
export function holdsForeignIdentity(primary: ManagementUser, email: string): boolean {
  return (primary.identities ?? []).slice(1).some((identity) => {
    const identityEmail = identity.profileData?.email;
    return typeof identityEmail !== 'string' || !sameEmail(identityEmail, email);
  });
}

/**
 * How long after a user's last login its login may still be under way: Auth0 runs the post-login Actions for up to
 * 20 s after recording the login, then the application exchanges the code. A user linked into another in that time
 * ends its own login with a code naming a user that no longer exists, unless its own Action switched to the primary.
 */
export const LOGIN_IN_FLIGHT_MS = 60_000;

/**
 * Whether `user` logged in so recently that its login may still be under way: such a user is not linked into
 * another by someone else's login (its own login links it, and switches to the primary as it does).
 */
export function loginInFlight(user: Pick<ManagementUser, 'last_login'>, nowMs: number): boolean {
  const at = Date.parse(user.last_login ?? '');
  return !Number.isNaN(at) && nowMs - at < LOGIN_IN_FLIGHT_MS;
}

/** A user holding linked identities never becomes a secondary: linking it would drop them (no chains). */
export function canBeSecondary(user: ManagementUser): boolean {
  return (user.identities ?? []).length <= 1;
}

/**
 * The accounts the account page suggests linking with `current` (`accountPagePair` picks which one stays the
 * primary): the Action's own candidates (`filterLinkCandidates`: verified same email, not blocked, declined either
 * way excluded), none that holds linked identities (this keeps out any account carrying a trojan identity, and one
 * the signed-in user could only join, not take in), and none at all for a shared or farmed address
 * (`MAX_LINK_CANDIDATES`, as the Action). Each link still needs a sign-in to the suggested account.
 */
export function linkSuggestions(current: ManagementUser, found: readonly ManagementUser[]): ManagementUser[] {
  const candidates = filterLinkCandidates(current, found);
  if (candidates.length > MAX_LINK_CANDIDATES) return [];
  return candidates.filter(canBeSecondary);
}

/**
 * The pair a link made from the account page joins, once the signed-in `current` proved it owns `other`: the primary
 * `PRIMARY_POLICY` picks, as at sign-in, so every path converges on one primary per email (and the app's data keyed
 * by the older id stays reachable). The signed-in user never joins an account holding an identity of another email
 * (a trojan identity, as the Action's silent-link guard). When the account that would become the secondary holds
 * linked identities, the signed-in user stays the primary if `other` can be its secondary; otherwise undefined: no
 * link.
 */
export function accountPagePair<T extends ManagementUser>(
  current: T,
  other: T,
  policy: PrimaryPolicy,
): { primary: T; secondary: T } | undefined {
  const pair = linkPair(current, other, policy);
  const trojan = pair.primary === other && holdsForeignIdentity(other, current.email ?? '');
  if (canBeSecondary(pair.secondary) && !trojan) return pair;
  return pair.primary !== current && canBeSecondary(other)
    ? { primary: current, secondary: other }
    : undefined;
}

/** What a login would do with its candidates before asking anyone: the Action and the backfill share it. */
export type PairDecision =
  | { kind: 'skip'; reason: 'no_candidates' | 'secondary_has_identities' }
  | { kind: 'link'; primary: ManagementUser; secondary: ManagementUser }
  | { kind: 'ask'; primary: ManagementUser; secondary: ManagementUser; reason: AskReason };

/**
 * The pair a login joins (the current user and the candidate `PRIMARY_POLICY` ranks first) and whether it may be
 * linked silently. Pure; `scripts/backfill` calls it for existing duplicates so both decide alike.
 */
export function decidePair(
  facts: Pick<LoginFacts, 'user' | 'connection'>,
  candidates: readonly ManagementUser[],
  config: Pick<Config, 'autoLinkConnections' | 'primaryPolicy'>,
): PairDecision {
  const best = candidates.length > 0 ? choosePrimary(candidates, config.primaryPolicy) : undefined;
  if (best === undefined) return { kind: 'skip', reason: 'no_candidates' };
  const { primary, secondary } = linkPair(facts.user, best, config.primaryPolicy);
  if (!canBeSecondary(secondary)) return { kind: 'skip', reason: 'secondary_has_identities' };
  const askReason = silentLinkObstacle(facts, best, primary, config);
  if (askReason === undefined) return { kind: 'link', primary, secondary };
  return { kind: 'ask', primary, secondary, reason: askReason };
}

export function decideLink(
  facts: LoginFacts,
  candidates: readonly ManagementUser[],
  config: Config,
): LinkDecision {
  if (candidates.length > MAX_LINK_CANDIDATES) return { kind: 'skip', reason: 'too_many_candidates' };
  const pair = decidePair(facts, candidates, config);
  if (pair.kind !== 'ask') return pair;
  if (!facts.interactive) return { kind: 'skip', reason: 'not_interactive' };
  if (config.consentUrl === undefined) return { kind: 'skip', reason: 'consent_unavailable' };
  if (facts.snoozed === true) return { kind: 'skip', reason: 'snoozed' };
  return { kind: 'ask', candidates, reason: pair.reason };
}

function silentLinkObstacle(
  facts: Pick<LoginFacts, 'user' | 'connection'>,
  candidate: ManagementUser,
  primary: ManagementUser,
  config: Pick<Config, 'autoLinkConnections'>,
): AskReason | undefined {
  const email = facts.user.email ?? '';
  if (!isTrusted(facts.connection, config) || !isTrusted(primaryConnection(candidate), config)) {
    return 'connection_not_trusted';
  }
  if (!isAsciiEmail(email)) return 'non_ascii_email';
  // A same-email identity from an untrusted connection is the trojan too (security matrix #8).
  const untrusted = (primary.identities ?? []).some((identity) => !isTrusted(identity.connection, config));
  if (untrusted || holdsForeignIdentity(primary, email)) return 'foreign_identity_on_primary';
  return undefined;
}

/** Redirects need a browser: OIDC protocols without `prompt=none`. */
export function isInteractive(protocol: string | undefined, prompts: readonly string[]): boolean {
  return protocol?.startsWith('oidc-') === true && !prompts.includes('none');
}

/** The consent page's answer: the `decision` claim of its return token. */
export type ConsentAnswer = 'link' | 'not-now' | 'never';

/** What the consent page's answer asks for, once its claims are checked. */
export type ContinueDecision =
  | { kind: 'reject'; reason: 'unexpected_claims' | 'browser_changed' }
  | { kind: 'not-now' }
  | { kind: 'never' }
  | { kind: 'link'; linkedUserId: unknown };

/**
 * The answer a validated return token carries, or why it is refused. `issuer` is the tenant host the Action saw;
 * `browser` is the binding of the browser now at `/continue` (core/link-request.ts): a proof whose binding differs
 * was answered in another browser than the login's (a forwarded consent URL), so it decides nothing.
 */
export function decideContinue(
  claims: Readonly<Record<string, unknown>>,
  expected: { readonly issuer: string; readonly browser: string },
): ContinueDecision {
  const decision = claims.decision;
  if (claims.purpose !== 'link-proof' || claims.iss !== expected.issuer) {
    return { kind: 'reject', reason: 'unexpected_claims' };
  }
  if (!isConsentAnswer(decision)) return { kind: 'reject', reason: 'unexpected_claims' };
  if (claims.browser !== expected.browser) return { kind: 'reject', reason: 'browser_changed' };
  return decision === 'link' ? { kind: 'link', linkedUserId: claims.linked_user_id } : { kind: decision };
}

function isConsentAnswer(value: unknown): value is ConsentAnswer {
  return value === 'link' || value === 'not-now' || value === 'never';
}

/** Whether the account the consent page proved may be linked now, and which way round. */
export type ProvenLinkDecision =
  | { kind: 'reject'; reason: 'candidate_not_linkable' }
  | { kind: 'skip'; reason: 'secondary_has_identities' }
  | { kind: 'link'; primary: ManagementUser; secondary: ManagementUser };

/**
 * The proof only says which account was proven; whether it may be linked is decided again from the candidates
 * searched now (rule 2): it must still be one, and the account that would become the secondary must hold no linked
 * identities of its own.
 */
export function decideProvenLink(
  user: ManagementUser,
  candidates: readonly ManagementUser[],
  linkedUserId: unknown,
  policy?: PrimaryPolicy,
): ProvenLinkDecision {
  const chosen = candidates.find((candidate) => candidate.user_id === linkedUserId);
  if (chosen === undefined) return { kind: 'reject', reason: 'candidate_not_linkable' };
  const { primary, secondary } = linkPair(user, chosen, policy);
  if (!canBeSecondary(secondary)) return { kind: 'skip', reason: 'secondary_has_identities' };
  return { kind: 'link', primary, secondary };
}
