import { createHash } from 'node:crypto';
import type { Connection, Event, Identity, User } from '../../actions/types/post-login.ts';
import { splitUserId } from '../../core/users.ts';

/** Overrides for the event factory: objects merge deeply, arrays and other values replace. */
export type DeepPartial<T> = T extends readonly unknown[]
  ? T
  : T extends object
    ? { [K in keyof T]?: DeepPartial<T[K]> | undefined }
    : T;

export type PostLoginEventOverrides = DeepPartial<Event>;

export const DEFAULT_TENANT_HOSTNAME = 'acme.eu.auth0.com';
const DEFAULT_LOGIN_TIME = '2025-03-14T09:26:53.000Z';
const DEFAULT_SIGNUP_TIME = '2024-11-02T16:04:11.000Z';

// Known connections of this project, so a test naming one gets a coherent strategy and provider.
const STRATEGY_BY_CONNECTION: Readonly<Record<string, string>> = {
  'Username-Password-Authentication': 'auth0',
  'google-oauth2': 'google-oauth2',
  github: 'github',
  'acme-oidc': 'oidc',
};

const CONNECTION_BY_PROVIDER: Readonly<Record<string, string>> = {
  auth0: 'Username-Password-Authentication',
  oidc: 'acme-oidc',
};

const SOCIAL_PROVIDERS = new Set([
  'google-oauth2',
  'github',
  'facebook',
  'twitter',
  'apple',
  'windowslive',
  'linkedin',
  'bitbucket',
  'amazon',
]);

/** `splitUserId`, reading an id without a provider prefix as a database user's. */
function providerAndLocalId(userId: string): { provider: string; localId: string } {
  const { provider, user_id } = splitUserId(userId);
  return { provider: provider || 'auth0', localId: user_id };
}

export function makeConnection(overrides: DeepPartial<Connection> = {}): Connection {
  const name = overrides.name ?? 'Username-Password-Authentication';
  return {
    id: `con_${stableId(name, 16)}`,
    name,
    strategy: STRATEGY_BY_CONNECTION[name] ?? name,
    metadata: {},
    ...(overrides as Partial<Connection>),
  };
}

/** The identity Auth0 lists for `userId` (provider-local `user_id`, no `provider|` prefix). */
export function makeIdentity(userId: string, overrides: Partial<Identity> = {}): Identity {
  const { provider, localId } = providerAndLocalId(userId);
  return {
    connection: CONNECTION_BY_PROVIDER[provider] ?? provider,
    provider,
    user_id: localId,
    isSocial: SOCIAL_PROVIDERS.has(provider),
    ...overrides,
  };
}

/** A user whose first identity matches its `user_id`, unless `identities` is given. */
export function makeEventUser(overrides: DeepPartial<User> = {}, connection?: Connection): User {
  const provider = connection?.strategy ?? 'auth0';
  const userId = overrides.user_id ?? defaultUserId(provider);
  const email = 'email' in overrides ? overrides.email : 'jane.doe@example.com';
  const sameProvider = connection && providerAndLocalId(userId).provider === connection.strategy;
  const identity = makeIdentity(userId, sameProvider ? { connection: connection.name } : {});
  const base: User = {
    user_id: userId,
    ...(email === undefined ? {} : { email }),
    email_verified: true,
    name: 'Jane Doe',
    given_name: 'Jane',
    family_name: 'Doe',
    nickname: email?.split('@')[0] ?? 'jane.doe',
    picture: 'https://s.gravatar.com/avatar/0000000000000000?s=480&r=pg&d=identicon',
    created_at: DEFAULT_SIGNUP_TIME,
    updated_at: DEFAULT_LOGIN_TIME,
    app_metadata: {},
    user_metadata: {},
    identities: [identity],
    multifactor: [],
    enrolledFactors: [],
  };
  return deepMerge(base, overrides) as User;
}

/** A realistic post-login event (authorization-code login of a database user) with `overrides` merged in. */
export function makePostLoginEvent(overrides: PostLoginEventOverrides = {}): Event {
  const connection = makeConnection(overrides.connection ?? connectionOf(overrides.user?.user_id));
  const user = makeEventUser(overrides.user, connection);
  const clientId = overrides.client?.client_id ?? 'k3Jm9qP2xVw7Lr5sT1nB8cYd4ZfH6gAe';
  const redirectUri = overrides.transaction?.redirect_uri ?? 'https://app.example.com/callback';
  const hostname =
    overrides.request && 'hostname' in overrides.request ? overrides.request.hostname : undefined;
  const tenantHost = hostname ?? DEFAULT_TENANT_HOSTNAME;
  const base: Event = {
    user,
    connection,
    client: { client_id: clientId, name: 'Acme Web', metadata: {} },
    transaction: {
      id: stableId(`${user.user_id}:${clientId}`, 32),
      acr_values: [],
      locale: 'en',
      requested_scopes: ['openid', 'profile', 'email'],
      ui_locales: ['en'],
      protocol: 'oidc-basic-profile',
      redirect_uri: redirectUri,
      prompt: [],
      response_mode: 'query',
      response_type: ['code'],
      state: 'af0ifjsldkj',
    },
    request: {
      ip: '203.0.113.24',
      asn: 'AS64500',
      method: 'GET',
      query: {
        client_id: clientId,
        response_type: 'code',
        redirect_uri: redirectUri,
        scope: 'openid profile email',
        state: 'af0ifjsldkj',
        protocol: 'oauth2',
      },
      body: {},
      geoip: {
        cityName: 'Amsterdam',
        continentCode: 'EU',
        countryCode: 'NL',
        countryCode3: 'NLD',
        countryName: 'Netherlands',
        latitude: 52.374,
        longitude: 4.8897,
        timeZone: 'Europe/Amsterdam',
      },
      hostname: tenantHost,
      language: 'en',
      user_agent:
        'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36',
    },
    secrets: {},
    configuration: {},
    stats: { logins_count: 1 },
    authentication: {
      methods: [
        { name: connection.strategy === 'auth0' ? 'pwd' : 'federated', timestamp: DEFAULT_LOGIN_TIME },
      ],
    },
    authorization: { roles: [] },
    tenant: { id: tenantHost.split('.')[0] ?? 'acme' },
  };
  const { connection: _c, user: _u, ...rest } = overrides;
  return deepMerge(base, rest) as Event;
}

function connectionOf(userId: string | undefined): DeepPartial<Connection> {
  if (userId === undefined) return {};
  const { provider } = providerAndLocalId(userId);
  return { name: CONNECTION_BY_PROVIDER[provider] ?? provider };
}

function defaultUserId(provider: string): string {
  if (provider === 'auth0') return 'auth0|65f1c2a9e4b0d1a2b3c4d5e6';
  if (SOCIAL_PROVIDERS.has(provider)) return `${provider}|104857362519283746501`;
  return `${provider}|${stableId(provider, 12)}`;
}

function stableId(seed: string, length: number): string {
  return createHash('sha256').update(seed).digest('base64url').replace(/[-_]/g, 'x').slice(0, length);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Objects merge key by key; arrays and scalars replace; an explicit `undefined` removes the key. */
export function deepMerge(base: unknown, overrides: unknown): unknown {
  if (!isPlainObject(base) || !isPlainObject(overrides)) return overrides === undefined ? base : overrides;
  const merged: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(overrides)) {
    if (value === undefined) delete merged[key];
    else
      merged[key] =
        isPlainObject(merged[key]) && isPlainObject(value) ? deepMerge(merged[key], value) : value;
  }
  return merged;
}
