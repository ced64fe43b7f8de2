import type { RunningTenant } from '../../emulator/index.ts';
import { type RunningWebServer, startWebServer } from '../../web/server.ts';
import { type DeployResult, deploy } from '../deploy.ts';

export interface DemoOptions {
  /** The web app's public origin (`http://localhost:3000`); tenant.yaml builds the callback URLs from it. */
  webUrl: string;
  /** Where the web app listens; 0 picks a free port (then `webUrl` must already name it). */
  port: number;
  sessionTokenSecret: string;
  cookieSecret: string;
  /** Optional Action settings passed through to the deploy (`AUTO_LINK_CONNECTIONS`, `CHECK_ON`, …). */
  actionSettings?: Readonly<Record<string, string | undefined>>;
  /** Where the deploy's (masked) lines go. */
  log: (line: string) => void;
  /** Starts the web app from its environment; default: in this process from the sources, on loopback. */
  serveWeb?: (env: Readonly<Record<string, string>>) => Promise<RunningWebServer>;
}

export interface RunningDemo {
  web: RunningWebServer;
  deployment: DeployResult;
}

/**
 * Deploys tenant.yaml into a local tenant with the real deploy path (validation, build, `a0deploy import` of what
 * differs), then serves the web app with the clients that deploy created. Run again on the same tenant, the deploy
 * is a no-op, so a restart keeps users, clients and the Action version.
 */
export async function deployAndServe(tenant: RunningTenant, options: DemoOptions): Promise<RunningDemo> {
  const deployment = await deploy(
    {
      ...options.actionSettings,
      AUTH0_DOMAIN: tenant.domain,
      AUTH0_CLIENT_ID: tenant.clientId,
      AUTH0_CLIENT_SECRET: tenant.clientSecret,
      WEB_URL: options.webUrl,
      SESSION_TOKEN_SECRET: options.sessionTokenSecret,
    },
    { caFile: tenant.caFile, log: options.log },
  );
  const serveWeb = options.serveWeb ?? ((env) => startWebServer(env));
  const server = await serveWeb(webAppEnv(tenant.domain, deployment.clients, options));
  return { web: server, deployment };
}

/** The Action's settings the web app reads too: the account page picks the primary and merges as the Action does. */
const WEB_SHARED_SETTINGS: readonly string[] = ['PRIMARY_POLICY', 'MERGE_APP_METADATA_KEYS'];

/** The web app's environment: the clients the deploy created, the demo's secrets, and the Action's shared settings. */
export function webAppEnv(
  tenantDomain: string,
  clients: Pick<DeployResult['clients'], 'web' | 'reauth'>,
  options: Pick<DemoOptions, 'webUrl' | 'port' | 'sessionTokenSecret' | 'cookieSecret' | 'actionSettings'>,
): Record<string, string> {
  const shared = Object.entries(options.actionSettings ?? {}).filter(
    (entry): entry is [string, string] => WEB_SHARED_SETTINGS.includes(entry[0]) && entry[1] !== undefined,
  );
  return {
    AUTH0_DOMAIN: tenantDomain,
    WEB_URL: options.webUrl,
    WEB_CLIENT_ID: clients.web.client_id,
    WEB_CLIENT_SECRET: clients.web.client_secret,
    REAUTH_CLIENT_ID: clients.reauth.client_id,
    REAUTH_CLIENT_SECRET: clients.reauth.client_secret,
    SESSION_TOKEN_SECRET: options.sessionTokenSecret,
    COOKIE_SECRET: options.cookieSecret,
    PORT: String(options.port),
    ...Object.fromEntries(shared),
  };
}
