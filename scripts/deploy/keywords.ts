import { isLoopbackHost } from '../../core/hosts.ts';
import { clientCallbackUrls } from '../../web/routes.ts';
import type { DeployConfig } from './config.ts';

/** One entry of `triggers.post-login` in tenant.yaml, as a0deploy reads it. */
export interface BindingEntry {
  action_name: string;
  display_name: string;
}

export type KeywordValue = string | string[] | BindingEntry[];
export type KeywordMappings = Readonly<Record<string, KeywordValue>>;

/** What the deploy learned from the tenant and feeds into the Action's secrets and bindings. */
export interface TenantFacts {
  readonly actionClient: { readonly client_id: string; readonly client_secret: string };
  readonly reauthClientId: string;
  readonly postLoginBindings: readonly BindingEntry[];
}

export const ACTION_NAME = 'account-linking';

/** The keywords tenant.yaml uses, every one defined: a0deploy would send an unresolved one literally. */
export function keywordMappings(config: DeployConfig, facts: TenantFacts): KeywordMappings {
  return Object.freeze({
    AUTH0_DOMAIN: config.domain,
    WEB_URL: config.webUrl,
    WEB_ORIGIN: config.webOrigin,
    BACKCHANNEL_LOGOUT_URLS: backchannelLogoutUrls(config),
    CONSENT_URL: `${config.webUrl}/consent`,
    SESSION_TOKEN_SECRET: config.sessionTokenSecret,
    AUTO_LINK_CONNECTIONS: config.autoLinkConnections,
    CHECK_ON: config.checkOn,
    MERGE_APP_METADATA_KEYS: config.mergeAppMetadataKeys,
    DRY_RUN: String(config.dryRun),
    PRIMARY_POLICY: config.primaryPolicy,
    NOT_NOW_DAYS: String(config.notNowDays),
    LINK_NOTICE: config.linkNotice,
    ACTION_CLIENT_ID: facts.actionClient.client_id,
    ACTION_CLIENT_SECRET: facts.actionClient.client_secret,
    REAUTH_CLIENT_ID: facts.reauthClientId,
    POST_LOGIN_BINDINGS: [...facts.postLoginBindings],
  });
}

/**
 * The web app's back-channel logout URL, unless the tenant could never call it: Auth0 refuses plain http and
 * loopback addresses there (the local tenant, itself on loopback, accepts them).
 */
function backchannelLogoutUrls(config: DeployConfig): string[] {
  const reachable =
    config.webUrl.startsWith('https:') || isLoopbackHost(new URL(`https://${config.domain}`).hostname);
  return reachable ? clientCallbackUrls(config.webUrl).backchannelLogout : [];
}

/**
 * a0deploy replaces the tenant's whole post-login binding list with the file's: keep the other Actions in their
 * order, this one where it already is, or last when it is new.
 */
export function postLoginBindings(current: readonly BindingEntry[]): BindingEntry[] {
  const entries = current.map((b) => ({ action_name: b.action_name, display_name: b.display_name }));
  if (!entries.some((b) => b.action_name === ACTION_NAME)) {
    entries.push({ action_name: ACTION_NAME, display_name: ACTION_NAME });
  }
  return entries;
}

/**
 * The text replacement a0deploy 8 applies to tenant.yaml and to Action code before parsing: `@@KEY@@` (and its
 * quoted forms) becomes the JSON of the value, then `##KEY##` the value as text.
 */
export function replaceKeywords(input: string, mappings: KeywordMappings): string {
  let out = input;
  for (const [key, value] of Object.entries(mappings)) {
    out = out.replace(new RegExp(`'@@${key}@@'|"@@${key}@@"|@@${key}@@`, 'g'), () => JSON.stringify(value));
  }
  for (const [key, value] of Object.entries(mappings)) {
    out = out.replace(new RegExp(`##${key}##`, 'g'), () =>
      typeof value === 'string' ? value : String(value),
    );
  }
  return out;
}

/** Markers left after replacement: each one would reach the tenant as literal text. */
export function unresolvedKeywords(text: string): string[] {
  return [...new Set([...text.matchAll(/(?:##|@@)([A-Z0-9_]+)(?:##|@@)/g)].map((m) => m[1] as string))];
}

export const INCLUDED_TYPES = Object.freeze({
  all: ['actions', 'triggers', 'clients', 'clientGrants', 'connections'],
  clientsOnly: ['clients', 'clientGrants'],
});

/**
 * The whole environment of the a0deploy child. a0deploy treats every environment variable as a keyword (and
 * lets it win over the mappings), so nothing is inherited beyond what it needs to run.
 */
export function a0deployEnvironment(
  config: DeployConfig,
  mappings: KeywordMappings,
  options: { includedTypes: readonly string[]; path?: string; caFile?: string; maxRetries?: number },
): Record<string, string> {
  return {
    ...(options.path ? { PATH: options.path } : {}),
    ...(options.caFile ? { NODE_EXTRA_CA_CERTS: options.caFile } : {}),
    ...(options.maxRetries !== undefined ? { AUTH0_API_MAX_RETRIES: String(options.maxRetries) } : {}),
    AUTH0_DOMAIN: config.domain,
    AUTH0_CLIENT_ID: config.clientId,
    AUTH0_CLIENT_SECRET: config.clientSecret,
    AUTH0_ALLOW_DELETE: 'false',
    AUTH0_INCLUDED_ONLY: JSON.stringify(options.includedTypes),
    AUTH0_KEYWORD_REPLACE_MAPPINGS: JSON.stringify(mappings),
  };
}
