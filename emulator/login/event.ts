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

/**
 * The post-login `event` for a user who just authenticated (or resumed at `/continue`), from this login's facts
 * only: what the local tenant does not know (geolocation of a loopback address, risk, MFA) is left empty, as
 * Auth0 leaves what it does not know. https://auth0.com/docs/customize/actions/explore-triggers/signup-and-login-triggers/login-trigger/post-login-event-object
 */
export function buildLoginEvent(
  tenant: TenantContext,
  transaction: AuthorizeTransaction,
  userId: string,
  connectionName: string,
  request: IncomingRequest,
  suspendedAs?: Pick<Event, 'user' | 'stats'>,
): Event {
  // Auth0 issues a new event.request on resume and says nothing of a new event.user (Actions limitations); a user
  // linked into another while the login waited at a redirect resumes as the login knew it, so the Action can still
  // validate its token (`sub`) and switch to the primary with setPrimaryUser.
  const record =
    tenant.store.users.get(userId) ??
    (suspendedAs && { ...suspendedAs.user, logins_count: suspendedAs.stats.logins_count });
  if (record === undefined) throw new Error(`user ${userId} disappeared during the login`);
  const connection = tenant.store.connectionByName(connectionName);
  const client = tenant.store.getClient(transaction.clientId);
  const strategy = connection?.strategy ?? connectionName;
  const { logins_count, ...profile } = record;
  return {
    user: structuredClone(profile) as User,
    connection: { id: connection?.id ?? '', name: connectionName, strategy, metadata: {} },
    client: { client_id: transaction.clientId, name: client?.name ?? '', metadata: {} },
    transaction: {
      id: transaction.id,
      acr_values: [],
      locale: 'en',
      protocol: 'oidc-basic-profile',
      redirect_uri: transaction.redirectUri,
      prompt: transaction.prompt,
      requested_scopes: transaction.scope.split(' ').filter(Boolean),
      ui_locales: [],
      ...(transaction.state === undefined ? {} : { state: transaction.state }),
      ...(transaction.loginHint === undefined ? {} : { login_hint: transaction.loginHint }),
    },
    request: {
      hostname: tenant.domain,
      ip: request.ip,
      method: request.method,
      query: request.query,
      body: request.body,
      geoip: {},
      ...(request.userAgent === undefined ? {} : { user_agent: request.userAgent }),
    },
    stats: { logins_count },
    authentication: {
      methods: [{ name: authenticationMethod(strategy), timestamp: new Date(tenant.now()).toISOString() }],
    },
    authorization: { roles: [] },
    tenant: { id: 'local' },
    secrets: {},
    configuration: {},
  };
}

/** `event.authentication.methods[].name`: `pwd` for a database, `email`/`sms` for a passwordless code, else `federated`. */
function authenticationMethod(strategy: string): string {
  if (strategy === 'auth0') return 'pwd';
  return strategy === 'email' || strategy === 'sms' ? strategy : 'federated';
}
