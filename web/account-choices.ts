import {
  ACCOUNT_LINKING_KEY,
  declinedUserIds,
  findUsersByEmail,
  isVerifiedEmailUser,
  linkSuggestions,
  snoozedUntil,
  withDeclined,
  withoutDeclined,
  withoutSnooze,
} from '../core/policy.ts';
import { AccountChangeError, asPolicyUser, guarded } from './link-account.ts';
import { type ManagedUser, managementFailure, type WebManagementPort } from './management.ts';
import { maskEmail } from './mask.ts';

/** Another account, as the account page names it: never its full email. */
export interface OtherAccount {
  readonly userId: string;
  /** Its own sign-in method; undefined when it was not read (past `DECLINED_LOOKUPS`) or no longer exists. */
  readonly connection?: string;
  readonly maskedEmail?: string;
  /** The account no longer exists (linked into another, or deleted). */
  readonly gone?: true;
}

export interface DeclinedAccount extends OtherAccount {
  /** That account declined this one too (an unlink records both sides): only its own page can take that back. */
  readonly declinesYou: boolean;
}

/** What the account page offers about linking, beyond the sign-in methods already linked. */
export interface LinkingChoices {
  /** Accounts the user chose never to link (at sign-in, or by unlinking), each with a take-back. */
  readonly declined: readonly DeclinedAccount[];
  /** Other accounts with this verified email that the Action would ask about, each with Link and Not mine. */
  readonly suggestions: readonly OtherAccount[];
  /** Until when a "Not now" keeps the sign-in from asking. */
  readonly snoozedUntil?: Date;
}

/** Declined accounts looked up one by one past the email search: a bound on the page's Management calls. */
const DECLINED_LOOKUPS = 10;

/**
 * The linking choices of `user`: one email search (two for an email with capitals), then a lookup of each declined
 * account the search did not return (an account linked from the account page may hold another email).
 */
export async function loadLinkingChoices(
  management: WebManagementPort,
  user: ManagedUser,
  now: Date,
): Promise<LinkingChoices> {
  const found = await sameEmailUsers(management, user);
  const byId = new Map(found.map((other) => [other.user_id, other]));
  const declinedIds = declinedUserIds(user);
  const looked = await Promise.all(
    declinedIds
      .filter((id) => !byId.has(id))
      .slice(0, DECLINED_LOOKUPS)
      .map((id) => management.getUser(id).then((other) => [id, other] as const, lookupMiss(id))),
  );
  const gone = new Set<string>();
  for (const [id, other] of looked) {
    if (other === undefined) gone.add(id);
    else byId.set(id, other);
  }
  const until = snoozedUntil(user, now);
  return {
    declined: declinedIds.map((id) => {
      const other = byId.get(id);
      return {
        ...(gone.has(id) ? { userId: id, gone: true as const } : otherAccount(id, other)),
        declinesYou: other !== undefined && declinedUserIds(other).includes(user.user_id),
      };
    }),
    suggestions: linkSuggestions(asPolicyUser(user), found.map(asPolicyUser)).map((other) =>
      otherAccount(other.user_id, byId.get(other.user_id)),
    ),
    ...(until === undefined ? {} : { snoozedUntil: until }),
  };
}

/** The suggestion `targetId` of `user`, searched now, or why it is not one (a stale page or a forged id). */
export async function requireSuggestion(
  management: WebManagementPort,
  user: ManagedUser,
  targetId: string,
): Promise<ManagedUser> {
  return guarded(async () => {
    const found = await sameEmailUsers(management, user);
    const suggested = linkSuggestions(asPolicyUser(user), found.map(asPolicyUser));
    const target = found.find((other) => other.user_id === targetId);
    if (target === undefined || !suggested.some((other) => other.user_id === targetId)) {
      throw new AccountChangeError('not_suggested');
    }
    return target;
  });
}

/** "Not mine": `targetId`, one of the user's suggestions now, joins the user's own decline list. */
export async function declineSuggestion(
  management: WebManagementPort,
  user: ManagedUser,
  targetId: string,
): Promise<void> {
  await requireSuggestion(management, user, targetId);
  await writeAccountLinking(management, user, withDeclined(user, [targetId]));
}

/** Takes `targetId` off the user's own decline list, so a sign-in may ask about it again. */
export async function takeBackDecline(
  management: WebManagementPort,
  user: ManagedUser,
  targetId: string,
): Promise<void> {
  if (!declinedUserIds(user).includes(targetId)) throw new AccountChangeError('not_declined');
  await writeAccountLinking(management, user, withoutDeclined(user, [targetId]));
}

/** Ends a "Not now" early: the next sign-in may ask again. */
export async function clearSnooze(
  management: WebManagementPort,
  user: ManagedUser,
  now: Date,
): Promise<void> {
  if (snoozedUntil(user, now) === undefined) return;
  await writeAccountLinking(management, user, withoutSnooze(user));
}

/**
 * Only ever the signed-in user's own record. The PATCH replaces `account_linking` whole, so `user` must have been
 * read in this request.
 */
function writeAccountLinking(
  management: WebManagementPort,
  user: ManagedUser,
  record: Record<string, unknown>,
): Promise<void> {
  return guarded(() =>
    management.updateUser(user.user_id, { app_metadata: { [ACCOUNT_LINKING_KEY]: record } }),
  );
}

function sameEmailUsers(management: WebManagementPort, user: ManagedUser): Promise<ManagedUser[]> {
  // An unverified email finds nothing to suggest (security case 1), and its search is not made.
  if (!isVerifiedEmailUser(asPolicyUser(user)) || user.email === undefined) return Promise.resolve([]);
  return findUsersByEmail((email) => management.usersByEmail(email), user.email);
}

function otherAccount(userId: string, other: ManagedUser | undefined): OtherAccount {
  if (other === undefined) return { userId };
  const connection = other.identities[0]?.connection;
  return {
    userId,
    ...(connection === undefined ? {} : { connection }),
    ...(other.email === undefined ? {} : { maskedEmail: maskEmail(other.email) }),
  };
}

/** A declined account that is gone (linked elsewhere or deleted) is listed without details, and can be taken back. */
function lookupMiss(id: string) {
  return (error: unknown): readonly [string, undefined] => {
    if (managementFailure(error) === 'not_found') return [id, undefined];
    throw error;
  };
}
