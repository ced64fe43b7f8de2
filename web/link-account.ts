import { type PrimaryPolicy, primaryPolicyText } from '../core/config.ts';
import { UnlinkError } from '../core/errors.ts';
import {
  type LinkHow,
  type LinkPatchPort,
  type LinkVia,
  patchPrimaryBeforeLink,
} from '../core/link-record.ts';
import type { MetadataPatch } from '../core/merge.ts';
import { accountPagePair } from '../core/policy.ts';
import { type UnlinkPort, type UnlinkResult, unlinkAccount } from '../core/unlink.ts';
import { type ManagementUser, splitUserId } from '../core/users.ts';
import {
  type ManagedUser,
  type ManagementFailure,
  managementFailure,
  type UserIdentity,
  type WebManagementPort,
} from './management.ts';

/** What the account page tells the visitor after a change, or why it refused one. */
export type AccountNotice =
  | 'linked'
  | 'linked_to_older'
  | 'linked_to_main'
  | 'unlinked'
  | 'fresh'
  | 'already_linked'
  | 'linked_elsewhere'
  | 'not_found'
  | 'rate_limited'
  | 'tenant_unreachable'
  | 'tenant_error'
  | 'unlink_last'
  | 'unlink_primary'
  | 'reauth_failed'
  | 'reauth_not_fresh'
  | 'link_failed'
  | 'reauth_wrong_account'
  | 'not_suggested'
  | 'not_declined'
  | 'not_mine'
  | 'decline_taken_back'
  | 'snooze_cleared';

export class AccountChangeError extends Error {
  readonly code: AccountNotice;

  constructor(code: AccountNotice, options?: { cause?: unknown }) {
    super(`account change refused: ${code}`, options);
    this.name = 'AccountChangeError';
    this.code = code;
  }
}

/** The metadata changes linking `secondary` into `primary` needs, or undefined when none. */
export type PlanMetadataMerge = (primary: ManagedUser, secondary: ManagedUser) => MetadataPatch | undefined;

/** What a page that links accounts works with: the tenant's Management API, the Action's merge, a clock, the log. */
export interface LinkingDeps {
  readonly management: WebManagementPort;
  readonly planMerge: PlanMetadataMerge;
  readonly now: () => Date;
  /** One event with its fields, which never hold tokens, secrets or full emails. */
  readonly log: (event: string, fields: Record<string, string | number>) => void;
}

/** Links `secondaryId` under `primaryId`, which the caller chose (an emailed code's user joins the primary kept). */
export async function linkAccount(
  management: WebManagementPort,
  planMerge: PlanMetadataMerge,
  primaryId: string,
  secondaryId: string,
  at: Date,
  why: { readonly via: LinkVia; readonly reason: string },
): Promise<void> {
  await guarded(async () => {
    const [primary, secondary] = await readUnlinkedPair(management, primaryId, secondaryId);
    if (secondary.identities.length !== 1) throw new AccountChangeError('linked_elsewhere');
    await mergeAndLink(management, planMerge, primary, secondary, { at, ...why });
  });
}

/** The ids of a link made: the primary kept, and the secondary that became one of its identities. */
export interface LinkedPair {
  readonly primary: string;
  readonly secondary: string;
}

/**
 * Links the signed-in user (`ids.current`) and the account it just proved it owns (`ids.other`), the primary being
 * the one `PRIMARY_POLICY` picks (`accountPagePair`), as the Action would at sign-in. The record's reason is the
 * policy when the other account becomes the primary, `user_choice` when the signed-in user stays it. When the primary
 * is the other account, the signed-in user's own id no longer exists as a user.
 */
export async function linkFromAccountPage(
  management: WebManagementPort,
  planMerge: PlanMetadataMerge,
  ids: { readonly current: string; readonly other: string },
  at: Date,
  policy: PrimaryPolicy,
): Promise<LinkedPair> {
  return guarded(async () => {
    const [current, other] = await readUnlinkedPair(management, ids.current, ids.other);
    const pair = accountPagePair(asPolicyUser(current), asPolicyUser(other), policy);
    if (pair === undefined) throw new AccountChangeError('linked_elsewhere');
    const [primary, secondary] =
      pair.primary.user_id === current.user_id ? [current, other] : [other, current];
    const reason = primary === current ? 'user_choice' : primaryPolicyText(policy);
    await mergeAndLink(management, planMerge, primary, secondary, { at, via: 'account_page', reason });
    return { primary: primary.user_id, secondary: secondary.user_id };
  });
}

/** Both users, read now, unless they are one user already (the same id, or `otherId` one of its identities). */
async function readUnlinkedPair(
  management: WebManagementPort,
  userId: string,
  otherId: string,
): Promise<[ManagedUser, ManagedUser]> {
  if (userId === otherId) throw new AccountChangeError('already_linked');
  const user = await management.getUser(userId);
  if (user.identities.some((identity) => identityUserId(identity) === otherId)) {
    throw new AccountChangeError('already_linked');
  }
  return [user, await management.getUser(otherId)];
}

/**
 * The order that never loses data: the secondary's metadata is merged first, with the link record an unlink restores
 * it from and the secondary's declines, because Auth0 drops a secondary's metadata when it is linked.
 */
async function mergeAndLink(
  management: WebManagementPort,
  planMerge: PlanMetadataMerge,
  primary: ManagedUser,
  secondary: ManagedUser,
  how: LinkHow,
): Promise<void> {
  const port: LinkPatchPort<ManagedUser> = {
    getUser: (userId) => management.getUser(userId),
    patchUser: (userId, patch) => management.updateUser(userId, patch),
  };
  await patchPrimaryBeforeLink(port, primary, secondary, how, (current) => planMerge(current, secondary));
  const identity = secondary.identities[0];
  await management.linkIdentity(
    primary.user_id,
    identity === undefined
      ? splitUserId(secondary.user_id)
      : { provider: identity.provider, user_id: identity.user_id },
  );
}

/**
 * Unlinks one identity with the shared unlink (`npm run unlink` runs the same): declined on both sides, the
 * secondary's metadata given back from its link record, the record dropped. Never the primary's own identity nor
 * the last one.
 */
export async function unlinkFromAccountPage(
  management: WebManagementPort,
  primaryId: string,
  target: { provider: string; user_id: string },
): Promise<{ secondaryId: string; result: UnlinkResult }> {
  const secondaryId = `${target.provider}|${target.user_id}`;
  return guarded(async () => ({
    secondaryId,
    result: await unlinkAccount(unlinkPort(management), primaryId, secondaryId),
  }));
}

/** The account page's Management client as the shared unlink reads it. */
function unlinkPort(management: WebManagementPort): UnlinkPort {
  return {
    async getUser(userId) {
      try {
        return (await management.getUser(userId)) as ManagementUser;
      } catch (error) {
        if (managementFailure(error) === 'not_found') return undefined;
        throw error;
      }
    },
    patchUser: (userId, patch) => management.updateUser(userId, patch),
    unlink: (primaryId, secondaryId) => {
      const { provider, user_id } = splitUserId(secondaryId);
      return management.unlinkIdentity(primaryId, provider, user_id);
    },
  };
}

function identityUserId(identity: UserIdentity): string {
  return `${identity.provider}|${identity.user_id}`;
}

/** The web port's user as core's policy reads it (the same Management API shape, read-only there). */
export function asPolicyUser(user: ManagedUser): ManagementUser {
  return user as unknown as ManagementUser;
}

/** Runs an account change, turning any failure into the AccountChangeError whose notice the page shows. */
export async function guarded<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof AccountChangeError) throw error;
    if (error instanceof UnlinkError)
      throw new AccountChangeError(error.code === 'not_linked' ? 'not_found' : error.code, { cause: error });
    throw new AccountChangeError(noticeFor(error), { cause: error });
  }
}

const NOTICE_OF_FAILURE: Record<ManagementFailure, AccountNotice> = {
  not_found: 'not_found',
  conflict: 'linked_elsewhere',
  rate_limited: 'rate_limited',
  server_error: 'tenant_error',
  refused: 'link_failed',
  unreachable: 'tenant_unreachable',
};

function noticeFor(error: unknown): AccountNotice {
  return NOTICE_OF_FAILURE[managementFailure(error)];
}
