import type { TestProject } from 'vitest/node';
import { DEFAULT_DATA_DIR } from '../../emulator/index.ts';
import { ensureProcessTrustsCa } from '../../emulator/trust.ts';
import { buildWeb, WEB_BUNDLE } from '../../scripts/build-web.ts';
import { deployAndServe } from '../../scripts/start/demo.ts';
import { freePort } from '../support/ports.ts';
import { startTestTenant } from '../support/tenant.ts';
import { startWebBundle } from '../support/web-bundle.ts';
import type { E2eStack } from './stack.ts';

const SESSION_TOKEN_SECRET = 'e2e-session-token-secret-0123456789abcdef';
const COOKIE_SECRET = 'e2e-cookie-secret-0123456789abcdefghijkl';

/**
 * One local tenant and one web app for every browser test, set up as `npm start` does: tenant.yaml deployed with
 * the real a0deploy (two imports, paid once instead of once per file). The tenant runs in this process, which
 * started before the CA existed, so the CA is added to this thread's default trust store: the Action the tenant runs
 * calls the tenant back over HTTPS. The web app is dist/web.js in a process of its own, trusting the CA by
 * NODE_EXTRA_CA_CERTS.
 */
export async function setup(project: TestProject): Promise<() => Promise<void>> {
  const { caFile } = await ensureProcessTrustsCa(DEFAULT_DATA_DIR);
  // What ships is what the browser tests click through: dist/web.js in its own process, not the sources.
  await buildWeb();
  // The outbox page is how a person (and the passwordless browser test) reads a code, as in npm start.
  const tenant = await startTestTenant({ outboxPage: true });
  const port = await freePort();
  const webUrl = `http://localhost:${port}`;
  const lines: string[] = [];
  const started = performance.now();
  let demo: Awaited<ReturnType<typeof deployAndServe>>;
  try {
    demo = await deployAndServe(tenant, {
      webUrl,
      port,
      sessionTokenSecret: SESSION_TOKEN_SECRET,
      cookieSecret: COOKIE_SECRET,
      log: (line) => lines.push(line),
      serveWeb: (env) =>
        startWebBundle(WEB_BUNDLE, { ...env, HOST: '127.0.0.1', NODE_EXTRA_CA_CERTS: caFile }),
    });
  } catch (error) {
    console.error(lines.join('\n'));
    await tenant.close();
    throw error;
  }
  console.log(
    `e2e: tenant.yaml deployed with ${demo.deployment.imports} a0deploy imports in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
  const stack: E2eStack = {
    webUrl,
    tenantUrl: tenant.url,
    controlKey: tenant.controlKey,
    reauthClientId: demo.deployment.clients.reauth.client_id,
    deployEnv: {
      AUTH0_DOMAIN: tenant.domain,
      AUTH0_CLIENT_ID: tenant.clientId,
      AUTH0_CLIENT_SECRET: tenant.clientSecret,
      WEB_URL: webUrl,
      SESSION_TOKEN_SECRET,
    },
    caFile,
  };
  project.provide('e2eStack', stack);
  return async () => {
    await demo.web.close();
    await tenant.close();
  };
}
