import type { TenantContext } from '../context.ts';
import type { PipelineChanges } from './run-trigger.ts';

/** One identity of a user, as `provider` and provider-local `user_id`. */
export interface IdentityRef {
  provider: string;
  user_id: string;
}

/**
 * The user the flow ends as: `userId`, or the primary an Action named with `setPrimaryUser`, which must now hold
 * `identity` (the one the user authenticated with). Undefined when the named primary does not: Auth0 refuses it
 * (https://auth0.com/docs/customize/actions/explore-triggers/signup-and-login-triggers/login-trigger/post-login-api-object).
 */
export function endingUser(
  tenant: TenantContext,
  userId: string,
  identity: IdentityRef,
  changes: PipelineChanges,
): string | undefined {
  if (changes.primaryUserId === undefined) return userId;
  const primary = tenant.store.users.get(changes.primaryUserId);
  const holds = primary?.identities.some(
    (held) => held.provider === identity.provider && held.user_id === identity.user_id,
  );
  return holds === true ? changes.primaryUserId : undefined;
}

/** Deferred metadata lands once, at the end of the flow, on the user the Actions saw (or the primary it joined). */
export function saveMetadataChanges(
  tenant: TenantContext,
  seenUserId: string,
  endingUserId: string,
  changes: PipelineChanges,
): void {
  const target = tenant.store.users.get(seenUserId) !== undefined ? seenUserId : endingUserId;
  const patch = {
    ...(Object.keys(changes.appMetadata).length > 0 ? { app_metadata: changes.appMetadata } : {}),
    ...(Object.keys(changes.userMetadata).length > 0 ? { user_metadata: changes.userMetadata } : {}),
  };
  if (Object.keys(patch).length > 0) tenant.store.users.update(target, patch);
}
