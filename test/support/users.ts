import type { ManagementUser } from '../../core/users.ts';
import { makeIdentity } from './post-login-event.ts';

/**
 * A Management API user with one identity derived from its `provider|id` user id (as the event's user): what a test
 * seeds into the in-process tenant or hands to pure code. Every field is overridable.
 */
export function makeUser(
  userId: string,
  overrides: Partial<ManagementUser> & { connection?: string; name?: string } = {},
): ManagementUser {
  const { connection, ...rest } = overrides;
  return {
    user_id: userId,
    email: 'alice@example.com',
    email_verified: true,
    created_at: '2024-01-01T00:00:00.000Z',
    identities: [makeIdentity(userId, connection === undefined ? {} : { connection })],
    user_metadata: {},
    app_metadata: {},
    ...rest,
  };
}

/** `user` also holding a linked identity whose profile carries `email` (a possible "trojan" identity). */
export function withLinkedIdentity(
  user: ManagementUser,
  identity: { provider: string; user_id: string; connection: string },
  email: string,
): ManagementUser {
  return { ...user, identities: [...(user.identities ?? []), { ...identity, profileData: { email } }] };
}
