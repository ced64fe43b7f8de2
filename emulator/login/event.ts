import { makePostLoginEvent } from '../../actions/runtime/event.ts';
import type { Event, User } from '../../actions/types/post-login.ts';
import type { TenantContext } from '../context.ts';
import type { AuthorizeTransaction } from './transactions.ts';

export interface IncomingRequest {
  method: string;
  query: Record<string, string>;
  body: Record<string, string>;
  ip: string;
  userAgent: string | undefined;
}

/** The post-login `event` for a user who just authenticated (or resumed at `/continue`). */
export function buildLoginEvent(
  tenant: TenantContext,
  transaction: AuthorizeTransaction,
  userId: string,
  connectionName: string,
  request: IncomingRequest,
): Event {
  const record = tenant.store.users.get(userId);
  if (record === undefined) throw new Error(`user ${userId} disappeared during the login`);
  const connection = tenant.store.connectionByName(connectionName);
  const client = tenant.store.getClient(transaction.clientId);
  const { logins_count, ...profile } = record;
  return makePostLoginEvent({
    user: structuredClone(profile) as User,
    connection: {
      id: connection?.id ?? '',
      name: connectionName,
      strategy: connection?.strategy ?? connectionName,
    },
    client: { client_id: transaction.clientId, name: client?.name ?? '', metadata: {} },
    transaction: {
      id: transaction.id,
      protocol: 'oidc-basic-profile',
      redirect_uri: transaction.redirectUri,
      prompt: transaction.prompt,
      requested_scopes: transaction.scope.split(' ').filter(Boolean),
      ...(transaction.state === undefined ? {} : { state: transaction.state }),
      ...(transaction.loginHint === undefined ? {} : { login_hint: transaction.loginHint }),
    },
    request: {
      hostname: tenant.domain,
      ip: request.ip,
      method: request.method,
      query: request.query,
      body: request.body,
      ...(request.userAgent === undefined ? {} : { user_agent: request.userAgent }),
    },
    stats: { logins_count },
    tenant: { id: 'local' },
    secrets: {},
  });
}
