import { parseArgs } from 'node:util';
import { ConfigError } from '../core/errors.ts';
import type { WebConfigDefaults } from './config.ts';
import { startWebServer } from './server.ts';

const USAGE = `Usage: node dist/web.js            (or, from a checkout: npm run web)

Serves the consent page and the account page. Configuration comes from the environment only:
  AUTH0_DOMAIN, WEB_URL, WEB_CLIENT_ID, WEB_CLIENT_SECRET, REAUTH_CLIENT_ID, REAUTH_CLIENT_SECRET,
  SESSION_TOKEN_SECRET, COOKIE_SECRET (required); HOST, PORT, TRUST_PROXY, LINK_CONNECTIONS,
  PRIMARY_POLICY, MERGE_APP_METADATA_KEYS (optional).
See docs/hosting.md. A missing or malformed variable exits 2, naming it. SIGTERM drains requests, then exits 0.`;

/** The web app's command line: no flags but --help, everything else from the environment. */
export async function runWebCli(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  defaults: WebConfigDefaults,
): Promise<void> {
  let help: boolean | undefined;
  try {
    ({
      values: { help },
    } = parseArgs({ args: [...argv], options: { help: { type: 'boolean', short: 'h' } } }));
  } catch (error) {
    console.error(`web: ${(error as Error).message}\n\n${USAGE}`);
    process.exit(2);
  }
  if (help) {
    console.log(USAGE);
    return;
  }
  try {
    const server = await startWebServer(env, defaults);
    const { AUTH0_DOMAIN = '', WEB_URL = '' } = env;
    if (AUTH0_DOMAIN.startsWith('localhost') && !env.NODE_EXTRA_CA_CERTS) {
      console.warn(
        'web: AUTH0_DOMAIN is a local tenant; set NODE_EXTRA_CA_CERTS to its ca_file so HTTPS calls trust it',
      );
    }
    const shown = server.host.includes(':') ? `[${server.host}]` : server.host;
    console.log(
      `web: listening on http://${shown}:${server.port} (public URL ${WEB_URL.replace(/\/$/, '')})`,
    );
    console.log(`web: account page ${WEB_URL.replace(/\/$/, '')}/account`);
    const stop = (signal: string) => {
      console.log(`web: ${signal}: finishing requests under way, then exiting`);
      void server.close().then(() => process.exit(0));
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(`web: configuration error: ${error.message}`);
    process.exit(2);
  }
}
