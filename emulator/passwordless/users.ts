import type { Identity } from '../../actions/types/post-login.ts';
import type { ConnectionRecord } from '../connections.ts';
import type { TenantContext } from '../context.ts';
import type { UserRecord } from '../user-directory.ts';

/**
 * The user a correct code logs in: the identity holding the address (its own user, or the primary it was linked
 * into), else a new `email|…` / `sms|…` user. The code proves the address, so it is verified from now on
 * (https://auth0.com/docs/authenticate/passwordless: a first login creates the user on the connection).
 */
export function passwordlessUser(
  tenant: TenantContext,
  connection: ConnectionRecord,
  recipient: string,
): { user: UserRecord; identity: Identity } {
  const users = tenant.store.users;
  const email = connection.strategy === 'email';
  const found = email
    ? users.findByConnectionEmail(connection.name, recipient)
    : users.findByPhone(connection.name, recipient);
  if (found === undefined) {
    const user = users.create(
      email
        ? { connection: connection.name, email: recipient, email_verified: true }
        : { connection: connection.name, phone_number: recipient, phone_verified: true },
    );
    const identity = user.identities[0];
    if (identity === undefined) throw new Error('a created user has no identity');
    return { user, identity };
  }
  if (found.user.identities[0] === found.identity) {
    if (email && !found.user.email_verified) users.update(found.user.user_id, { email_verified: true });
    if (!email && found.user.phone_verified !== true)
      users.update(found.user.user_id, { phone_verified: true });
  }
  return found;
}
