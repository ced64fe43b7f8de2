import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { serve } from '@hono/node-server';
import { ConfigError } from '../core/errors.ts';
import { planMetadataMerge } from '../core/merge.ts';
import { createWebApp } from './app.ts';
import { parseWebConfig } from './config.ts';
import { createManagementClient } from './management.ts';
import { createOidcClient } from './oidc.ts';

export interface RunningWebServer {
  port: number;
  close(): Promise<void>;
}

/** Validates the environment (throwing `ConfigError` naming the variable), then serves the web app. */
export async function startWebServer(env: Record<string, string | undefined>): Promise<RunningWebServer> {
  const config = parseWebConfig(env);
  const app = createWebApp(config, {
    oidc: createOidcClient(config),
    management: createManagementClient(config),
    // The Action's own merge: primary wins, secondary-only user_metadata keys are copied, app_metadata never is.
    planMerge: (primary, secondary) => planMetadataMerge(primary, secondary, []),
  });
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const started = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: config.port }, () =>
      resolve(started),
    );
  });
  return {
    port: (server.address() as AddressInfo).port,
    // Browsers keep idle connections open; without closing them a stop would wait for their keep-alive timeout.
    close: () =>
      new Promise((done) => {
        server.close(() => done());
        if ('closeAllConnections' in server) server.closeAllConnections();
      }),
  };
}

async function main(): Promise<void> {
  try {
    const server = await startWebServer(process.env);
    const config = parseWebConfig(process.env);
    if (config.auth0Domain.startsWith('localhost') && !process.env.NODE_EXTRA_CA_CERTS) {
      console.warn(
        'web: AUTH0_DOMAIN is a local tenant; set NODE_EXTRA_CA_CERTS to its ca_file so HTTPS calls trust it',
      );
    }
    console.log(`web: listening on http://127.0.0.1:${server.port} (public URL ${config.webUrl})`);
    console.log(`web: account page ${config.webUrl}/account`);
    const stop = () => void server.close().then(() => process.exit(0));
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(`web: configuration error: ${error.message}`);
    process.exit(2);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
