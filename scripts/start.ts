import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { startTenant } from '../emulator/index.ts';
import { ensureProcessTrustsCa } from '../emulator/trust.ts';
import { startWebServer } from '../web/server.ts';
import { ACTION_BUNDLE, buildAction } from './build-action.ts';
import { provisionDemo } from './start/provision.ts';

const DATA_DIR = path.resolve('.local-tenant');
const TENANT_PORT = Number(process.env.TENANT_PORT ?? 8443);
const WEB_PORT = Number(process.env.PORT ?? 3000);
const WEB_URL = `http://localhost:${WEB_PORT}`;

/** Secrets of the demo, made once and kept beside the tenant's state so a restart keeps sessions valid. */
function demoSecrets(): { sessionTokenSecret: string; cookieSecret: string } {
  const file = path.join(DATA_DIR, 'demo-secrets.json');
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8'));
  const secrets = {
    sessionTokenSecret: randomBytes(32).toString('base64url'),
    cookieSecret: randomBytes(32).toString('base64url'),
  };
  writeFileSync(file, JSON.stringify(secrets), { mode: 0o600 });
  return secrets;
}

await ensureProcessTrustsCa(DATA_DIR);
const bytes = await buildAction();
console.log(`start: built the Action (${bytes} bytes)`);
const tenant = await startTenant({
  port: TENANT_PORT,
  dataDir: DATA_DIR,
  snapshotFile: path.join(DATA_DIR, 'state.json'),
});
console.log(`start: local tenant on ${tenant.url} (CA ${tenant.caFile})`);
const secrets = demoSecrets();
const clients = await provisionDemo(tenant, {
  webUrl: WEB_URL,
  actionCode: await readFile(ACTION_BUNDLE, 'utf8'),
  sessionTokenSecret: secrets.sessionTokenSecret,
});
console.log('start: clients, grants and the account-linking Action are deployed and bound to post-login');
const web = await startWebServer({
  AUTH0_DOMAIN: tenant.domain,
  WEB_URL,
  WEB_CLIENT_ID: clients.web.client_id,
  WEB_CLIENT_SECRET: clients.web.client_secret,
  REAUTH_CLIENT_ID: clients.reauth.client_id,
  REAUTH_CLIENT_SECRET: clients.reauth.client_secret,
  SESSION_TOKEN_SECRET: secrets.sessionTokenSecret,
  COOKIE_SECRET: secrets.cookieSecret,
  PORT: String(WEB_PORT),
});
console.log(`start: web app on ${WEB_URL}`);
console.log(
  `\nOpen ${WEB_URL}/account (your browser will warn once about the local tenant's certificate on ${tenant.url};`,
);
console.log(`trust ${tenant.caFile} or accept the warning). Ctrl-C stops everything.`);

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await web.close();
  await tenant.close();
  process.exit(0);
};
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
