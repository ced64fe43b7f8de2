import { type ManagementUser, splitUserId } from '../../core/users.ts';

/**
 * A Management API user with one identity derived from its `provider|id` user id: what a test seeds into the
 * in-process tenant or hands to pure code. Every field is overridable.
 */
export function makeUser(
  userId: string,
  overrides: Partial<ManagementUser> & { connection?: string; name?: string } = {},
): ManagementUser {
  const { provider, user_id } = splitUserId(userId);
  const { connection, ...rest } = overrides;
  return {
    user_id: userId,
    email: 'alice@example.com',
    email_verified: true,
    created_at: '2024-01-01T00:00:00.000Z',
    identities: [
      {
        provider,
        user_id,
        connection: connection ?? (provider === 'auth0' ? 'Username-Password-Authentication' : provider),
        isSocial: provider !== 'auth0',
      },
    ],
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
