import type { Context } from 'hono';
import type { Event, User } from '../../actions/types/post-login.ts';
import type { TenantContext, TenantEnv } from '../context.ts';
import type { LoginGrant } from '../oauth/login-grant.ts';
import { type AuthorizeTransaction, opaque } from './transactions.ts';

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
  return eventOf(tenant, record, connectionName, transaction.clientId, request, {
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
    authenticatedAt: tenant.now(),
  });
}

/**
 * The post-login `event` of a login or exchange at `/oauth/token`, where Auth0 runs the post-login Actions too
 * (https://auth0.com/docs/customize/actions/explore-triggers/signup-and-login-triggers/login-trigger): a refresh-token
 * exchange (`oauth2-refresh-token`, with the login's `authentication`, which nobody repeated) or the passwordless OTP
 * grant (`oauth2-password`). `request` is the `/oauth/token` call. Undefined when the user no longer exists.
 */
export function buildTokenEndpointEvent(
  tenant: TenantContext,
  grant: LoginGrant,
  request: IncomingRequest,
  protocol: TokenEndpointProtocol,
): Event | undefined {
  const record = tenant.store.users.get(grant.userId);
  if (record === undefined) return undefined;
  return eventOf(tenant, record, grant.connection, grant.clientId, request, {
    transaction: {
      id: opaque(),
      acr_values: [],
      locale: 'en',
      protocol,
      requested_scopes: grant.scope.split(' ').filter(Boolean),
      ui_locales: [],
    },
    authenticatedAt: grant.authTime * 1000,
  });
}

export type TokenEndpointProtocol = 'oauth2-refresh-token' | 'oauth2-password';

function eventOf(
  tenant: TenantContext,
  record: { logins_count?: number },
  connectionName: string,
  clientId: string,
  request: IncomingRequest,
  flow: { transaction: NonNullable<Event['transaction']>; authenticatedAt: number },
): Event {
  const connection = tenant.store.connectionByName(connectionName);
  const client = tenant.store.getClient(clientId);
  const strategy = connection?.strategy ?? connectionName;
  const { logins_count = 0, ...profile } = record;
  return {
    user: structuredClone(profile) as User,
    connection: { id: connection?.id ?? '', name: connectionName, strategy, metadata: {} },
    client: { client_id: clientId, name: client?.name ?? '', metadata: {} },
    transaction: flow.transaction,
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
      methods: [
        { name: authenticationMethod(strategy), timestamp: new Date(flow.authenticatedAt).toISOString() },
      ],
    },
    authorization: { roles: [] },
    tenant: { id: 'local' },
    secrets: {},
    configuration: {},
  };
}

/** The request as the post-login event shows it: method, query, the form `body` given, the client's address. */
export function incomingRequest(c: Context<TenantEnv>, body: Record<string, string>): IncomingRequest {
  return {
    method: c.req.method,
    query: c.req.query(),
    body,
    ip: clientIp(c),
    userAgent: c.req.header('user-agent'),
  };
}

export function clientIp(c: Context<TenantEnv>): string {
  return c.env?.incoming?.socket.remoteAddress ?? '127.0.0.1';
}

/** `event.authentication.methods[].name`: `pwd` for a database, `email`/`sms` for a passwordless code, else `federated`. */
function authenticationMethod(strategy: string): string {
  if (strategy === 'auth0') return 'pwd';
  return strategy === 'email' || strategy === 'sms' ? strategy : 'federated';
}
