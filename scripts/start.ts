import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { tailActionLogs } from '../emulator/events.ts';
import { type RunningTenant, startTenant, writeLocalTenantFile } from '../emulator/index.ts';
import { ensureProcessTrustsCa } from '../emulator/trust.ts';
import type { RunningWebServer } from '../web/server.ts';
import { DeployConfigError, DeployError } from './deploy.ts';
import { deployAndServe } from './start/demo.ts';

const DATA_DIR = path.resolve('.local-tenant');
const STATE_FILE = path.join(DATA_DIR, 'state.json');
const TENANT_FILE = path.join(DATA_DIR, 'local-tenant.json');
const TENANT_PORT = Number(process.env.TENANT_PORT ?? 8443);
const WEB_PORT = Number(process.env.PORT ?? 3000);
const WEB_URL = `http://localhost:${WEB_PORT}`;
/** Action settings a developer may pass through `npm start` (the demo default: always ask, never silent). */
const ACTION_SETTINGS = [
  'AUTO_LINK_CONNECTIONS',
  'CHECK_ON',
  'MERGE_APP_METADATA_KEYS',
  'DRY_RUN',
  'PRIMARY_POLICY',
  'NOT_NOW_DAYS',
  'LINK_NOTICE',
] as const;

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

const seconds = (since: number) => `${((performance.now() - since) / 1000).toFixed(1)} s`;
await ensureProcessTrustsCa(DATA_DIR);

let tenant: RunningTenant | undefined;
let web: RunningWebServer | undefined;
let stopping = false;
async function stop(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  await web?.close();
  // Closing the tenant writes its last state to the snapshot, so users survive the restart.
  await tenant?.close();
  process.exit(code);
}
// a0deploy runs as a child in the same process group: Ctrl-C reaches it directly, and the deploy then rejects.
process.on('SIGINT', () => void stop(0));
process.on('SIGTERM', () => void stop(0));

const fresh = !existsSync(STATE_FILE);
tenant = await startTenant({
  port: TENANT_PORT,
  dataDir: DATA_DIR,
  snapshotFile: STATE_FILE,
  outboxPage: true,
});
console.log(`start: local tenant on ${tenant.url} (state ${path.relative(process.cwd(), STATE_FILE)})`);
console.log(writeLocalTenantFile(tenant, TENANT_FILE));
console.log(
  fresh
    ? 'start: deploying tenant.yaml with a0deploy (first start: two imports)'
    : 'start: checking the tenant against tenant.yaml (a0deploy runs only if something changed)',
);
const secrets = demoSecrets();
const deployStarted = performance.now();
// a0deploy is quiet between its lines (longer on a busy machine): show that the deploy is still working.
const progress = setInterval(() => console.log(`start: still deploying (${seconds(deployStarted)})`), 10_000);
try {
  const demo = await deployAndServe(tenant, {
    webUrl: WEB_URL,
    port: WEB_PORT,
    sessionTokenSecret: secrets.sessionTokenSecret,
    cookieSecret: secrets.cookieSecret,
    actionSettings: Object.fromEntries(ACTION_SETTINGS.map((name) => [name, process.env[name]])),
    log: (line) => console.log(`start: deploy: ${line}`),
  });
  clearInterval(progress);
  web = demo.web;
  console.log(
    `start: tenant.yaml deployed (${demo.deployment.imports} a0deploy import(s), ${seconds(deployStarted)})`,
  );
} catch (error) {
  clearInterval(progress);
  if (stopping) await new Promise(() => {});
  if (error instanceof DeployConfigError || error instanceof DeployError) {
    console.error(`start: the deploy failed: ${error.message}`);
    await stop(1);
  }
  throw error;
}
console.log(`start: the codes the email and sms connections would have sent: ${tenant.url}/__outbox`);
// performance.now() counts from the process start, module loading included.
console.log(`start: web app on ${WEB_URL}; ready in ${seconds(0)}`);
console.log(
  `\nOpen ${WEB_URL}/account (your browser will warn once about the local tenant's certificate on ${tenant.url};`,
);
console.log(`trust ${tenant.caFile} or accept the warning). Ctrl-C stops everything.`);
console.log("Actions' console lines follow, prefixed with the Action's name:");
tailActionLogs(tenant.context.events, (line) => console.log(line));
