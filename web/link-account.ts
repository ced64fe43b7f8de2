import { ACCOUNT_LINKING_KEY, declinedUserIds, withDeclined } from '../core/policy.ts';
import { splitUserId } from '../core/users.ts';
import type { AccountNotice } from './account-views.ts';
import { ManagementPortError } from './errors.ts';
import type { ManagedUser, ManagementPort, MetadataPatch, UserIdentity } from './management.ts';

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

/**
 * Links `secondaryId` under `primaryId` in the order that never loses data: the secondary's
 * metadata is merged first, because Auth0 drops a secondary's metadata when it is linked.
 */
export async function linkAccount(
  management: ManagementPort,
  planMerge: PlanMetadataMerge,
  primaryId: string,
  secondaryId: string,
): Promise<void> {
  await guarded(async () => {
    if (primaryId === secondaryId) throw new AccountChangeError('already_linked');
    const primary = await management.getUser(primaryId);
    if (primary.identities.some((identity) => identityUserId(identity) === secondaryId)) {
      throw new AccountChangeError('already_linked');
    }
    const secondary = await management.getUser(secondaryId);
    if (secondary.identities.length !== 1) throw new AccountChangeError('linked_elsewhere');
    const patch = planMerge(primary, secondary);
    if (patch !== undefined) await management.updateUser(primaryId, patch);
    const identity = secondary.identities[0];
    await management.linkIdentity(
      primaryId,
      identity === undefined
        ? splitUserId(secondaryId)
        : { provider: identity.provider, user_id: identity.user_id },
    );
  });
}

/**
 * Unlinks one identity, never the primary's own nor the last one. The primary records the identity as declined
 * first: the Action excludes a pair when either side declined the other, so if that write fails nothing is
 * unlinked (an error, still linked) and once the unlink succeeds no later login can relink it silently.
 */
export async function unlinkAccount(
  management: ManagementPort,
  primaryId: string,
  target: { provider: string; user_id: string },
): Promise<string> {
  return guarded(async () => {
    const primary = await management.getUser(primaryId);
    const targetId = `${target.provider}|${target.user_id}`;
    if (!primary.identities.some((identity) => identityUserId(identity) === targetId)) {
      throw new AccountChangeError('not_found');
    }
    if (primary.identities.length <= 1) throw new AccountChangeError('unlink_last');
    const own = primary.identities[0];
    if (targetId === primaryId || (own !== undefined && identityUserId(own) === targetId)) {
      throw new AccountChangeError('unlink_primary');
    }
    await addDeclined(management, primary, targetId);
    await management.unlinkIdentity(primaryId, target.provider, target.user_id);
    return targetId;
  });
}

/**
 * After an unlink, the unlinked user records the primary as declined too (the primary already has), so the
 * post-login Action does not link them again (the decision lives in app_metadata, which users cannot edit).
 */
export async function recordDeclined(
  management: ManagementPort,
  userId: string,
  declinedId: string,
): Promise<void> {
  await addDeclined(management, await management.getUser(userId), declinedId);
}

async function addDeclined(management: ManagementPort, user: ManagedUser, declinedId: string): Promise<void> {
  if (declinedUserIds(user).includes(declinedId)) return;
  await management.updateUser(user.user_id, {
    app_metadata: { [ACCOUNT_LINKING_KEY]: withDeclined(user, [declinedId]) },
  });
}

function identityUserId(identity: UserIdentity): string {
  return `${identity.provider}|${identity.user_id}`;
}

async function guarded<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof AccountChangeError) throw error;
    throw new AccountChangeError(noticeFor(error), { cause: error });
  }
}

function noticeFor(error: unknown): AccountNotice {
  if (!(error instanceof ManagementPortError)) return 'tenant_unreachable';
  switch (error.code) {
    case 'management_not_found':
      return 'not_found';
    case 'management_rate_limited':
      return 'rate_limited';
    case 'management_conflict':
      return 'linked_elsewhere';
    case 'tenant_unreachable':
      return 'tenant_unreachable';
    default:
      return 'link_failed';
  }
}
