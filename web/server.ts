import { serve } from '@hono/node-server';
import { planMetadataMerge } from '../actions/account-linking/merge.ts';
import { createWebApp } from './app.ts';
import { parseWebConfig } from './config.ts';
import { ConfigError } from './errors.ts';
import { createManagementClient } from './management.ts';
import { createOidcClient } from './oidc.ts';

function main(): void {
  let config: ReturnType<typeof parseWebConfig>;
  try {
    config = parseWebConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`web: configuration error: ${error.message}`);
      process.exit(2);
    }
    throw error;
  }
  if (config.auth0Domain.startsWith('localhost') && !process.env.NODE_EXTRA_CA_CERTS) {
    console.warn(
      'web: AUTH0_DOMAIN is a local tenant; set NODE_EXTRA_CA_CERTS to its ca_file so HTTPS calls trust it',
    );
  }
  const app = createWebApp(config, {
    oidc: createOidcClient(config),
    management: createManagementClient(config),
    // The Action's own merge: primary wins, secondary-only user_metadata keys are copied, app_metadata never is.
    planMerge: (primary, secondary) => planMetadataMerge(primary, secondary, []),
  });
  const server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: config.port }, (info) => {
    console.log(`web: listening on http://127.0.0.1:${info.port} (public URL ${config.webUrl})`);
    console.log(`web: account page ${config.webUrl}/account`);
  });
  const stop = () => server.close(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main();
