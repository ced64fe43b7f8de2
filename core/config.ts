import { ConfigError } from './errors.ts';
import { isHostWithOptionalPort, isHttpsOrLoopback } from './hosts.ts';

/** The Action's `event.secrets`, or the same names read from the environment. */
type Secrets = Readonly<Record<string, string | undefined>>;

export type CheckOn = 'every-login' | 'first-login';

export interface Config {
  readonly domain: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly consentUrl: string | undefined;
  readonly sessionTokenSecret: string | undefined;
  /** `'*'` trusts every connection. */
  readonly autoLinkConnections: readonly string[] | '*';
  readonly skipClientIds: readonly string[];
  readonly checkOn: CheckOn;
  readonly mergeAppMetadataKeys: readonly string[];
  readonly dryRun: boolean;
}

/** The shortest HMAC or HKDF key accepted anywhere (session token, cookie): 256 bits of text. */
export const MIN_SECRET_LENGTH = 32;

export function parseConfig(secrets: Secrets): Config {
  const consentUrl = optional(secrets, 'CONSENT_URL');
  if (consentUrl !== undefined && !isSafeUrl(consentUrl)) {
    throw new ConfigError(
      'invalid',
      'CONSENT_URL',
      'CONSENT_URL must be an absolute https:// URL (http:// only on localhost)',
    );
  }
  const sessionTokenSecret = optional(secrets, 'SESSION_TOKEN_SECRET');
  if (consentUrl !== undefined && sessionTokenSecret === undefined) {
    throw new ConfigError(
      'missing',
      'SESSION_TOKEN_SECRET',
      'SESSION_TOKEN_SECRET is required with CONSENT_URL',
    );
  }
  const weakness =
    sessionTokenSecret &&
    sessionSecretWeakness(sessionTokenSecret, { AUTH0_CLIENT_SECRET: secrets.AUTH0_CLIENT_SECRET?.trim() });
  if (weakness) throw new ConfigError('invalid', 'SESSION_TOKEN_SECRET', `SESSION_TOKEN_SECRET ${weakness}`);
  const domain = required(secrets, 'AUTH0_DOMAIN');
  if (!isHostWithOptionalPort(domain)) {
    throw new ConfigError(
      'invalid',
      'AUTH0_DOMAIN',
      'AUTH0_DOMAIN must be a host name (with an optional port), without https://',
    );
  }
  const autoLink = list(optional(secrets, 'AUTO_LINK_CONNECTIONS'));
  return Object.freeze({
    domain,
    clientId: required(secrets, 'AUTH0_CLIENT_ID'),
    clientSecret: required(secrets, 'AUTH0_CLIENT_SECRET'),
    consentUrl,
    sessionTokenSecret,
    autoLinkConnections: autoLink.includes('*') ? '*' : autoLink,
    skipClientIds: list(optional(secrets, 'SKIP_CLIENT_IDS')),
    checkOn: parseCheckOn(optional(secrets, 'CHECK_ON')),
    mergeAppMetadataKeys: list(optional(secrets, 'MERGE_APP_METADATA_KEYS')),
    dryRun: parseBoolean(optional(secrets, 'DRY_RUN'), 'DRY_RUN'),
  });
}

/**
 * Why an HS256 key is unfit, or undefined: tokens can be brute-forced offline from one sample, so a short key, one
 * with no entropy or one equal to a client secret (`others`, by setting name) is refused. Shared by the Action, the deploy
 * script and the web app, which each know different client secrets.
 */
export function sessionSecretWeakness(
  secret: string,
  others: Readonly<Record<string, string | undefined>>,
): string | undefined {
  if (secret.length < MIN_SECRET_LENGTH) return `must be at least ${MIN_SECRET_LENGTH} characters`;
  if (new Set(secret).size === 1) return 'must not be one repeated character';
  const shared = Object.entries(others).find(([, other]) => other === secret);
  return shared === undefined ? undefined : `must differ from ${shared[0]}`;
}

function required(secrets: Secrets, name: string): string {
  const value = optional(secrets, name);
  if (value === undefined) throw new ConfigError('missing', name, `${name} is required`);
  return value;
}

function optional(secrets: Secrets, name: string): string | undefined {
  const value = secrets[name]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

function list(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

function parseCheckOn(value: string | undefined): CheckOn {
  if (value === undefined || value === 'every-login' || value === 'first-login')
    return value ?? 'every-login';
  throw new ConfigError('invalid', 'CHECK_ON', 'CHECK_ON must be "every-login" or "first-login"');
}

function parseBoolean(value: string | undefined, name: string): boolean {
  if (value === undefined || value === 'false') return false;
  if (value === 'true') return true;
  throw new ConfigError('invalid', name, `${name} must be "true" or "false"`);
}

function isSafeUrl(value: string): boolean {
  try {
    return isHttpsOrLoopback(new URL(value));
  } catch {
    return false;
  }
}
