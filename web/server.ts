import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { TokenProvider } from 'auth0';
import { createWebApp } from './app.ts';
import { parseWebConfig, type WebConfig, type WebConfigDefaults } from './config.ts';
import { createEmailCodeClient } from './email-code.ts';
import type { ReadinessCheck } from './health.ts';
import { createWebManagementClient } from './management.ts';
import { createOidcClient } from './oidc.ts';

export interface RunningWebServer {
  readonly host: string;
  readonly port: number;
  /** Stops accepting, lets requests under way finish (at most `DRAIN_TIMEOUT_MS`), then resolves. */
  close(): Promise<void>;
}

/** Longer than any request the app makes (each tenant call times out at 10 s), shorter than a platform's kill. */
export const DRAIN_TIMEOUT_MS = 15_000;

/** Validates the environment (throwing `ConfigError` naming the variable), then serves the web app. */
export async function startWebServer(
  env: Readonly<Record<string, string | undefined>>,
  defaults?: WebConfigDefaults,
): Promise<RunningWebServer> {
  const config = parseWebConfig(env, defaults);
  // One token cache for the Management calls and the readiness probe: probing never asks the tenant for a new token.
  const tokens = new TokenProvider({
    domain: config.auth0Domain,
    audience: `${config.tenantOrigin}/api/v2/`,
    clientId: config.webClient.clientId,
    clientSecret: config.webClient.clientSecret,
  });
  const management = createWebManagementClient(config, { token: () => tokens.getAccessToken() });
  const app = createWebApp(config, {
    oidc: createOidcClient(config),
    management,
    emailCode: createEmailCodeClient(config, management),
    readiness: [
      discoveryCheck(config),
      { name: 'management_token', run: () => tokens.getAccessToken().then() },
    ],
  });
  const server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
    const started = serve({ fetch: app.fetch, hostname: config.host, port: config.port }, () =>
      resolve(started),
    );
    started.once('error', reject);
  });
  return {
    host: config.host,
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise((done) => {
        const force = setTimeout(() => {
          if ('closeAllConnections' in server) server.closeAllConnections();
        }, DRAIN_TIMEOUT_MS);
        force.unref();
        server.close(() => {
          clearTimeout(force);
          done();
        });
        // Browsers keep idle connections open; without closing them a stop would wait for their keep-alive timeout.
        if ('closeIdleConnections' in server) server.closeIdleConnections();
      }),
  };
}

function discoveryCheck(config: WebConfig): ReadinessCheck {
  const url = `${config.tenantOrigin}/.well-known/openid-configuration`;
  return {
    name: 'discovery',
    async run(signal) {
      const response = await fetch(url, { signal });
      const document = response.ok ? ((await response.json()) as { issuer?: unknown }) : {};
      if (document.issuer !== `${config.tenantOrigin}/`)
        throw new Error(`${url} answered ${response.status}`);
    },
  };
}
