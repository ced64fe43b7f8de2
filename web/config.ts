import { isIP } from 'node:net';
import {
  type Config,
  MIN_SECRET_LENGTH,
  parseMergeAppMetadataKeys,
  parsePrimaryPolicy,
  sessionSecretWeakness,
} from '../core/config.ts';
import { ConfigError } from '../core/errors.ts';
import { isHostName, isHostWithOptionalPort, isHttpsOrLoopback } from '../core/hosts.ts';

/**
 * The web app's settings. `primaryPolicy` and `mergeAppMetadataKeys` are the Action's, set to the same values: the
 * account page's links keep the primary and merge as the Action's do.
 */
export interface WebConfig extends Pick<Config, 'primaryPolicy' | 'mergeAppMetadataKeys'> {
  readonly auth0Domain: string;
  readonly tenantOrigin: string;
  readonly continueUrl: string;
  readonly webUrl: string;
  readonly webOrigin: string;
  readonly webClient: ClientCredentials;
  readonly reauthClient: ClientCredentials;
  readonly sessionTokenSecret: string;
  readonly cookieSecret: string;
  readonly linkConnections: readonly string[];
  /** The address the server binds: loopback for `npm run web` and `npm start`, every interface in `dist/web.js`. */
  readonly host: string;
  readonly port: number;
  /** How many proxies in front of the app may set `X-Forwarded-*` (0: the headers are ignored). */
  readonly trustProxyHops: number;
}

export interface ClientCredentials {
  readonly clientId: string;
  readonly clientSecret: string;
}

export const WEB_DEFAULTS = {
  port: 3000,
  // `sms`: Auth0's passwordless SMS connection, offered as "Link a phone number".
  linkConnections: ['Username-Password-Authentication', 'google-oauth2', 'github', 'sms'],
  host: '127.0.0.1',
} as const;

/** What the entry point decides: the production bundle listens on every interface, a checkout on loopback. */
export interface WebConfigDefaults {
  readonly host: string;
}

type Env = Readonly<Record<string, string | undefined>>;

export function parseWebConfig(env: Env, defaults: WebConfigDefaults = WEB_DEFAULTS): WebConfig {
  const auth0Domain = parseDomain(required(env, 'AUTH0_DOMAIN'));
  const webUrl = parseWebUrl(required(env, 'WEB_URL'));
  const config: WebConfig = {
    auth0Domain,
    tenantOrigin: `https://${auth0Domain}`,
    continueUrl: `https://${auth0Domain}/continue`,
    webUrl: webUrl.href.replace(/\/$/, ''),
    webOrigin: webUrl.origin,
    webClient: {
      clientId: required(env, 'WEB_CLIENT_ID'),
      clientSecret: required(env, 'WEB_CLIENT_SECRET'),
    },
    reauthClient: {
      clientId: required(env, 'REAUTH_CLIENT_ID'),
      clientSecret: required(env, 'REAUTH_CLIENT_SECRET'),
    },
    sessionTokenSecret: required(env, 'SESSION_TOKEN_SECRET'),
    cookieSecret: longSecret(env, 'COOKIE_SECRET'),
    linkConnections: parseConnections(env.LINK_CONNECTIONS),
    primaryPolicy: parsePrimaryPolicy(env.PRIMARY_POLICY?.trim() || undefined),
    mergeAppMetadataKeys: parseMergeAppMetadataKeys(env.MERGE_APP_METADATA_KEYS),
    host: parseHost(env.HOST, defaults.host),
    port: parsePort(env.PORT),
    trustProxyHops: parseTrustProxy(env.TRUST_PROXY),
  };
  const { sessionTokenSecret, webClient, reauthClient } = config;
  const weakness = sessionSecretWeakness(sessionTokenSecret, {
    WEB_CLIENT_SECRET: webClient.clientSecret,
    REAUTH_CLIENT_SECRET: reauthClient.clientSecret,
  });
  if (weakness) throw invalid('SESSION_TOKEN_SECRET', `SESSION_TOKEN_SECRET ${weakness}`);
  if (config.webClient.clientId === config.reauthClient.clientId) {
    throw invalid(
      'REAUTH_CLIENT_ID',
      'REAUTH_CLIENT_ID must differ from WEB_CLIENT_ID (the Action skips the re-authentication client)',
    );
  }
  return Object.freeze({
    ...config,
    webClient: Object.freeze(config.webClient),
    reauthClient: Object.freeze(config.reauthClient),
    linkConnections: Object.freeze([...config.linkConnections]),
    mergeAppMetadataKeys: Object.freeze([...config.mergeAppMetadataKeys]),
  });
}

function required(env: Env, name: string): string {
  const value = env[name]?.trim();
  if (!value) throw new ConfigError('missing', name, `${name} is required`);
  return value;
}

function parseDomain(value: string): string {
  if (!isHostWithOptionalPort(value)) {
    throw invalid(
      'AUTH0_DOMAIN',
      'AUTH0_DOMAIN must be a host name with an optional port, without scheme or path (e.g. tenant.eu.auth0.com or localhost:8443)',
    );
  }
  return value.toLowerCase();
}

function parseWebUrl(value: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw invalid('WEB_URL', 'WEB_URL must be an absolute URL (e.g. https://link.example.com)');
  }
  if (!isHttpsOrLoopback(url)) {
    throw invalid('WEB_URL', 'WEB_URL must use https (plain http is allowed on localhost only)');
  }
  if (url.search || url.hash || url.username || url.password) {
    throw invalid('WEB_URL', 'WEB_URL must not carry credentials, a query or a fragment');
  }
  return url;
}

function longSecret(env: Env, name: string): string {
  const value = required(env, name);
  if (value.length < MIN_SECRET_LENGTH) {
    throw invalid(name, `${name} must be at least ${MIN_SECRET_LENGTH} characters`);
  }
  return value;
}

function parseConnections(value: string | undefined): string[] {
  if (value === undefined || value.trim() === '') return [...WEB_DEFAULTS.linkConnections];
  const names = value
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
  if (names.length === 0)
    throw invalid('LINK_CONNECTIONS', 'LINK_CONNECTIONS must name at least one connection');
  return names;
}

function parseHost(value: string | undefined, fallback: string): string {
  const host = value?.trim();
  if (host === undefined || host === '') return fallback;
  if (isIP(host) === 0 && !isHostName(host)) {
    throw invalid('HOST', 'HOST must be an IP address or a host name to listen on (e.g. 0.0.0.0 or ::)');
  }
  return host;
}

/** `false` (default), `true` (one proxy) or the number of proxies in front of the app, as Express counts hops. */
function parseTrustProxy(value: string | undefined): number {
  const setting = value?.trim().toLowerCase();
  if (setting === undefined || setting === '' || setting === 'false' || setting === '0') return 0;
  if (setting === 'true') return 1;
  const hops = Number(setting);
  if (!Number.isInteger(hops) || hops < 1 || hops > 10) {
    throw invalid(
      'TRUST_PROXY',
      'TRUST_PROXY must be false, true, or the number of proxies in front of the web app (1-10)',
    );
  }
  return hops;
}

function parsePort(value: string | undefined): number {
  if (value === undefined || value.trim() === '') return WEB_DEFAULTS.port;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw invalid('PORT', 'PORT must be an integer between 0 and 65535');
  }
  return port;
}

function invalid(variable: string, message: string): ConfigError {
  return new ConfigError('invalid', variable, message);
}
