/** A connection as the Management API answers it. */
export interface ConnectionRecord {
  id: string;
  name: string;
  strategy: string;
  display_name?: string;
  options: Record<string, unknown>;
  enabled_clients: string[];
  is_domain_connection: boolean;
  realms: string[];
}

/** How a connection's identities look and behave; the login side and the user directory share it. */
export interface ConnectionProfile {
  provider: string;
  isSocial: boolean;
  /** Auth0's own database connections store emails lower-cased; other providers keep the case they send. */
  lowercasesEmail: boolean;
  /** Identity `user_id`s of enterprise connections carry the connection name: `oidc|<connection>|<sub>`. */
  userIdPrefix: string;
  isDatabase: boolean;
  /** Database and passwordless users get 24-hex ids (`auth0|…`, `email|…`, `sms|…`); social ones digits. */
  hexUserIds: boolean;
}

/** Auth0's passwordless strategies; their connections are named after them (`email`, `sms`). */
export type PasswordlessStrategy = 'email' | 'sms';

export function isPasswordless(connection: Pick<ConnectionRecord, 'strategy'>): boolean {
  return connection.strategy === 'email' || connection.strategy === 'sms';
}

export function connectionProfile(
  connection: Pick<ConnectionRecord, 'name' | 'strategy'>,
): ConnectionProfile {
  switch (connection.strategy) {
    case 'auth0':
      return {
        provider: 'auth0',
        isSocial: false,
        lowercasesEmail: true,
        userIdPrefix: '',
        isDatabase: true,
        hexUserIds: true,
      };
    case 'email':
    case 'sms':
      // Passwordless email users are looked up by the address as typed in lower case (inferred: Auth0 documents
      // no case rule for the `email` connection), so `Ann@x` and `ann@x` are one user, as on a database connection.
      return {
        provider: connection.strategy,
        isSocial: false,
        lowercasesEmail: connection.strategy === 'email',
        userIdPrefix: '',
        isDatabase: false,
        hexUserIds: true,
      };
    case 'oidc':
    case 'samlp':
    case 'waad':
    case 'adfs':
    case 'okta':
      return {
        provider: connection.strategy,
        isSocial: false,
        lowercasesEmail: false,
        userIdPrefix: `${connection.name}|`,
        isDatabase: false,
        hexUserIds: false,
      };
    default:
      return {
        provider: connection.strategy,
        isSocial: true,
        lowercasesEmail: false,
        userIdPrefix: '',
        isDatabase: false,
        hexUserIds: false,
      };
  }
}

export const SEEDED_CONNECTIONS: ReadonlyArray<Omit<ConnectionRecord, 'id' | 'enabled_clients'>> = [
  {
    name: 'Username-Password-Authentication',
    strategy: 'auth0',
    display_name: 'Email and password',
    options: { requires_username: false, brute_force_protection: true, passwordPolicy: 'good' },
    is_domain_connection: false,
    realms: ['Username-Password-Authentication'],
  },
  {
    name: 'google-oauth2',
    strategy: 'google-oauth2',
    display_name: 'Google (simulated)',
    options: { email: true, profile: true, scope: ['email', 'profile'] },
    is_domain_connection: false,
    realms: ['google-oauth2'],
  },
  {
    name: 'github',
    strategy: 'github',
    display_name: 'GitHub (simulated)',
    options: { email: true, scope: ['user:email'] },
    is_domain_connection: false,
    realms: ['github'],
  },
  {
    name: 'acme-oidc',
    strategy: 'oidc',
    display_name: 'ACME workforce (simulated OIDC; does not verify emails)',
    options: { type: 'back_channel', issuer: 'https://idp.acme.invalid/', scope: 'openid profile email' },
    is_domain_connection: false,
    realms: ['acme-oidc'],
  },
];
