import { ConfigError } from './errors.ts';
import { isHostWithOptionalPort, isHttpsOrLoopback } from './hosts.ts';

/** The Action's `event.secrets`, or the same names read from the environment. */
type Secrets = Readonly<Record<string, string | undefined>>;

export type CheckOn = 'every-login' | 'first-login';

/** Which account of a linked pair is the primary; ties (and `oldest`) go to the oldest account. */
export type PrimaryPolicy =
  | { readonly kind: 'oldest' }
  | { readonly kind: 'database-first' }
  | { readonly kind: 'connections'; readonly order: readonly string[] };

/** How the user hears of a silent link: the ID token claim only, or the claim and a one-time notice page. */
export type LinkNotice = 'claim' | 'page';

export const CONFIG_DEFAULTS = Object.freeze({
  primaryPolicy: Object.freeze({ kind: 'oldest' }) as PrimaryPolicy,
  notNowDays: 7,
  maxNotNowDays: 365,
  linkNotice: 'claim' as LinkNotice,
});

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
  readonly primaryPolicy: PrimaryPolicy;
  /** Days a "Not now" is remembered; 0 asks at every login. */
  readonly notNowDays: number;
  readonly linkNotice: LinkNotice;
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
  const linkNotice = parseLinkNotice(optional(secrets, 'LINK_NOTICE'));
  if (linkNotice === 'page' && consentUrl === undefined) {
    throw new ConfigError(
      'missing',
      'LINK_NOTICE',
      'LINK_NOTICE=page needs CONSENT_URL: the notice page is served by the web app beside the consent page',
    );
  }
  return Object.freeze({
    domain,
    clientId: required(secrets, 'AUTH0_CLIENT_ID'),
    clientSecret: required(secrets, 'AUTH0_CLIENT_SECRET'),
    consentUrl,
    sessionTokenSecret,
    autoLinkConnections: autoLink.includes('*') ? '*' : autoLink,
    skipClientIds: list(optional(secrets, 'SKIP_CLIENT_IDS')),
    checkOn: parseCheckOn(optional(secrets, 'CHECK_ON')),
    mergeAppMetadataKeys: parseMergeAppMetadataKeys(optional(secrets, 'MERGE_APP_METADATA_KEYS')),
    dryRun: parseBoolean(optional(secrets, 'DRY_RUN'), 'DRY_RUN'),
    primaryPolicy: parsePrimaryPolicy(optional(secrets, 'PRIMARY_POLICY')),
    notNowDays: parseNotNowDays(optional(secrets, 'NOT_NOW_DAYS')),
    linkNotice,
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

/** `MERGE_APP_METADATA_KEYS`: the `app_metadata` keys a link copies from the secondary (none by default). */
export function parseMergeAppMetadataKeys(value: string | undefined): string[] {
  return list(value);
}

/** `oldest` (default), `database-first`, or `connections:<a>,<b>,…` (priority order). */
export function parsePrimaryPolicy(value: string | undefined): PrimaryPolicy {
  if (value === undefined) return CONFIG_DEFAULTS.primaryPolicy;
  if (value === 'oldest' || value === 'database-first') return Object.freeze({ kind: value });
  const order = value.startsWith('connections:') ? list(value.slice('connections:'.length)) : [];
  if (order.length === 0 || order.some((name) => /\s/.test(name))) {
    throw new ConfigError(
      'invalid',
      'PRIMARY_POLICY',
      'PRIMARY_POLICY must be "oldest", "database-first" or "connections:<a>,<b>" (connection names, in priority order)',
    );
  }
  return Object.freeze({ kind: 'connections', order: Object.freeze(order) });
}

/** The policy as `PRIMARY_POLICY` spells it: what link records and backfill plans keep. */
export function primaryPolicyText(policy: PrimaryPolicy): string {
  return policy.kind === 'connections' ? `connections:${policy.order.join(',')}` : policy.kind;
}

export function parseNotNowDays(value: string | undefined): number {
  if (value === undefined) return CONFIG_DEFAULTS.notNowDays;
  const days = Number(value);
  if (!/^\d+$/.test(value) || days > CONFIG_DEFAULTS.maxNotNowDays) {
    throw new ConfigError(
      'invalid',
      'NOT_NOW_DAYS',
      `NOT_NOW_DAYS must be a whole number of days from 0 to ${CONFIG_DEFAULTS.maxNotNowDays} (0 asks at every login)`,
    );
  }
  return days;
}

export function parseLinkNotice(value: string | undefined): LinkNotice {
  if (value === undefined) return CONFIG_DEFAULTS.linkNotice;
  if (value === 'claim' || value === 'page') return value;
  throw new ConfigError(
    'invalid',
    'LINK_NOTICE',
    'LINK_NOTICE must be "claim" (an ID token claim after a silent link) or "page" (also a one-time notice page)',
  );
}

/** The notice page: `notice` beside the consent page on the web app (`WEB_URL/consent` -> `WEB_URL/notice`). */
export function noticeUrlOf(consentUrl: string): string {
  return new URL('notice', consentUrl).href;
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
