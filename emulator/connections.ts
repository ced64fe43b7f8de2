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
      };
    default:
      return {
        provider: connection.strategy,
        isSocial: true,
        lowercasesEmail: false,
        userIdPrefix: '',
        isDatabase: false,
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
