import {
  type CheckOn,
  CONFIG_DEFAULTS,
  type LinkNotice,
  parseLinkNotice,
  parseNotNowDays,
  parsePrimaryPolicy,
  primaryPolicyText,
  sessionSecretWeakness,
} from '../../core/config.ts';
import { ConfigError } from '../../core/errors.ts';
import { isHostWithOptionalPort, isHttpsOrLoopback } from '../../core/hosts.ts';
import { type ConfigProblem, DeployConfigError } from './errors.ts';

/** What `npm run deploy` reads from the environment, validated and normalised. */
export interface DeployConfig {
  /** host[:port], lower-cased, no scheme. */
  readonly domain: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** The web app's public URL without a trailing slash. */
  readonly webUrl: string;
  readonly webOrigin: string;
  readonly sessionTokenSecret: string;
  readonly autoLinkConnections: string;
  readonly checkOn: CheckOn;
  readonly mergeAppMetadataKeys: string;
  readonly dryRun: boolean;
  /** As `PRIMARY_POLICY` spells it (`oldest` when unset). */
  readonly primaryPolicy: string;
  readonly notNowDays: number;
  readonly linkNotice: LinkNotice;
}

export type DeployEnv = Readonly<Record<string, string | undefined>>;

export const DEPLOY_DEFAULTS = Object.freeze({
  checkOn: 'every-login' as CheckOn,
  dryRun: false,
});

// Keywords are replaced as raw text inside quoted YAML strings: keep URLs to characters that need no escaping.
const URL_SAFE_TEXT = /^[A-Za-z0-9:/._~%-]+$/;
const LIST_ITEM = /^[^,\s]+$/;

/** Validates every deploy variable before anything touches a tenant; throws one error naming each bad variable. */
export function parseDeployEnv(env: DeployEnv): DeployConfig {
  const problems: ConfigProblem[] = [];
  const missing = (variable: string) =>
    problems.push({ variable, reason: 'missing', message: `${variable} is required` });
  const invalid = (variable: string, message: string) =>
    problems.push({ variable, reason: 'invalid', message });

  const required = (variable: string): string => {
    const value = env[variable]?.trim() ?? '';
    if (value === '') missing(variable);
    return value;
  };
  const optional = (variable: string): string | undefined => {
    const value = env[variable]?.trim();
    return value === undefined || value === '' ? undefined : value;
  };

  const domain = required('AUTH0_DOMAIN');
  if (domain !== '' && !isHostWithOptionalPort(domain)) {
    invalid(
      'AUTH0_DOMAIN',
      'AUTH0_DOMAIN must be a host name with an optional port, without https:// or a path (e.g. tenant.eu.auth0.com or localhost:8443)',
    );
  }
  const clientId = required('AUTH0_CLIENT_ID');
  const clientSecret = required('AUTH0_CLIENT_SECRET');

  const webUrlText = required('WEB_URL');
  const webUrl = webUrlText === '' ? undefined : parseWebUrl(webUrlText, invalid);

  const sessionTokenSecret = env.SESSION_TOKEN_SECRET ?? '';
  if (sessionTokenSecret.trim() === '') missing('SESSION_TOKEN_SECRET');
  else {
    const weakness = sessionSecretWeakness(sessionTokenSecret, { AUTH0_CLIENT_SECRET: clientSecret });
    if (weakness) invalid('SESSION_TOKEN_SECRET', `SESSION_TOKEN_SECRET ${weakness}`);
  }

  const checkOn = optional('CHECK_ON') ?? DEPLOY_DEFAULTS.checkOn;
  if (checkOn !== 'every-login' && checkOn !== 'first-login') {
    invalid('CHECK_ON', 'CHECK_ON must be "every-login" or "first-login"');
  }
  const dryRunText = optional('DRY_RUN');
  if (dryRunText !== undefined && dryRunText !== 'true' && dryRunText !== 'false') {
    invalid('DRY_RUN', 'DRY_RUN must be "true" or "false"');
  }
  const autoLinkConnections = parseList('AUTO_LINK_CONNECTIONS', optional('AUTO_LINK_CONNECTIONS'), invalid);
  const mergeAppMetadataKeys = parseList(
    'MERGE_APP_METADATA_KEYS',
    optional('MERGE_APP_METADATA_KEYS'),
    invalid,
  );

  // The Action's own parsers: a value the Action would refuse is refused here first, with the Action's message.
  const actionSetting = <T>(variable: string, parse: (value: string | undefined) => T, fallback: T): T => {
    try {
      return parse(optional(variable));
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      invalid(error.variable, error.message);
      return fallback;
    }
  };
  const primaryPolicy = actionSetting('PRIMARY_POLICY', parsePrimaryPolicy, CONFIG_DEFAULTS.primaryPolicy);
  const notNowDays = actionSetting('NOT_NOW_DAYS', parseNotNowDays, CONFIG_DEFAULTS.notNowDays);
  const linkNotice = actionSetting('LINK_NOTICE', parseLinkNotice, CONFIG_DEFAULTS.linkNotice);

  if (problems.length > 0 || !webUrl) throw new DeployConfigError(problems);
  return Object.freeze({
    domain: domain.toLowerCase(),
    clientId,
    clientSecret,
    webUrl: webUrl.href.replace(/\/$/, ''),
    webOrigin: webUrl.origin,
    sessionTokenSecret,
    autoLinkConnections,
    checkOn: checkOn as CheckOn,
    mergeAppMetadataKeys,
    dryRun: dryRunText === 'true',
    primaryPolicy: primaryPolicyText(primaryPolicy),
    notNowDays,
    linkNotice,
  });
}

function parseWebUrl(value: string, invalid: (variable: string, message: string) => void): URL | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    invalid('WEB_URL', 'WEB_URL must be an absolute URL (e.g. https://link.example.com)');
    return undefined;
  }
  if (!isHttpsOrLoopback(url)) {
    invalid('WEB_URL', 'WEB_URL must use https (plain http is allowed on localhost only)');
    return undefined;
  }
  if (url.search || url.hash || url.username || url.password || !URL_SAFE_TEXT.test(url.href)) {
    invalid(
      'WEB_URL',
      'WEB_URL must be a plain origin or path, without credentials, query, fragment or quotes',
    );
    return undefined;
  }
  return url;
}

/** A comma-separated list, normalised to `a,b`; `*` is a valid item for AUTO_LINK_CONNECTIONS. */
function parseList(
  variable: string,
  value: string | undefined,
  invalid: (variable: string, message: string) => void,
): string {
  if (value === undefined) return '';
  const items = value.split(',').map((item) => item.trim());
  if (items.some((item) => !LIST_ITEM.test(item))) {
    invalid(variable, `${variable} must be a comma-separated list of names without spaces or empty items`);
    return '';
  }
  return items.join(',');
}
