import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { DEFAULT_DATA_DIR, startTenant } from '../emulator/index.ts';
import { ensureProcessTrustsCa } from '../emulator/trust.ts';
import { a0deployImporter, type RunImport, runA0deployImport } from '../scripts/deploy/a0deploy.ts';
import { deploy } from '../scripts/deploy.ts';
import { freePort } from '../test/support/ports.ts';

const ROOT = path.resolve(import.meta.dirname, '..');
const SESSION_TOKEN_SECRET = 'bench-session-token-secret-0123456789abcdef';

interface Demo {
  child: ChildProcess;
  /** The JSON `npm start` writes to the file its `LOCAL_TENANT_FILE` line names. */
  tenant: { domain: string; ca_file: string; client_id: string; client_secret: string };
  seconds: number;
}

const since = (started: number) => (performance.now() - started) / 1000;

/** `npm start` as a person runs it, in `cwd` (its `.local-tenant/`), timed until the web app's URL answers. */
async function startDemo(cwd: string, tenantPort: number, webPort: number): Promise<Demo> {
  const started = performance.now();
  const child = spawn(process.execPath, [path.join(ROOT, 'scripts', 'start.ts')], {
    cwd,
    env: { PATH: process.env.PATH ?? '', TENANT_PORT: String(tenantPort), PORT: String(webPort) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = once(child, 'exit');
  let tenantFile: string | undefined;
  createInterface({ input: child.stdout! }).on('line', (line) => {
    if (line.startsWith('LOCAL_TENANT_FILE ')) tenantFile = line.slice('LOCAL_TENANT_FILE '.length);
  });
  for (;;) {
    if (child.exitCode !== null) throw new Error(`npm start exited with ${child.exitCode}`);
    const answered = await fetch(`http://localhost:${webPort}/`).then(
      () => true,
      () => false,
    );
    if (answered && tenantFile) {
      const seconds = since(started);
      return { child, tenant: JSON.parse(readFileSync(tenantFile, 'utf8')), seconds };
    }
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 50))]);
  }
}

async function stopDemo(demo: Demo): Promise<void> {
  const exited = once(demo.child, 'exit');
  demo.child.kill('SIGINT');
  await exited;
}

/** `npm run deploy` in its own process against the demo's tenant, timed to its exit. */
function timeDeployCommand(demo: Demo, webPort: number, sessionTokenSecret: string): number {
  const started = performance.now();
  execFileSync(process.execPath, [path.join(ROOT, 'scripts', 'deploy.ts')], {
    cwd: ROOT,
    stdio: 'ignore',
    env: {
      PATH: process.env.PATH ?? '',
      NODE_EXTRA_CA_CERTS: demo.tenant.ca_file,
      AUTH0_DOMAIN: demo.tenant.domain,
      AUTH0_CLIENT_ID: demo.tenant.client_id,
      AUTH0_CLIENT_SECRET: demo.tenant.client_secret,
      WEB_URL: `http://localhost:${webPort}`,
      SESSION_TOKEN_SECRET: sessionTokenSecret,
    },
  });
  return since(started);
}

/**
 * A copy of the installed auth0-deploy-cli with this repository's patches taken back out: a0deploy as upstream
 * ships it, for the baseline. It sits under node_modules so its own dependencies resolve as the original's do.
 */
function unpatchedA0deploy(): string {
  const copy = path.join(ROOT, 'node_modules', '.cache', 'bench-unpatched', 'auth0-deploy-cli');
  rmSync(copy, { recursive: true, force: true });
  cpSync(path.join(ROOT, 'node_modules', 'auth0-deploy-cli'), copy, { recursive: true });
  const patches = path.join(ROOT, 'patches');
  for (const patch of readdirSync(patches).filter((name) => name.startsWith('auth0-deploy-cli+'))) {
    // The patch names files as a/node_modules/auth0-deploy-cli/…: strip three levels to land in the copy.
    execFileSync('patch', ['-R', '-s', '-p3', '-d', copy], {
      input: readFileSync(path.join(patches, patch)),
    });
  }
  return path.join(copy, 'lib', 'index.js');
}

/** The deploy code `npm start` runs, in this process, on a fresh tenant and then with a changed secret. */
async function timeDeploys(runImport: RunImport): Promise<{ fresh: number; changed: number }> {
  const tenant = await startTenant({ port: 0, dataDir: DEFAULT_DATA_DIR });
  try {
    const deployOnce = async (sessionTokenSecret: string) => {
      const started = performance.now();
      await deploy(
        {
          AUTH0_DOMAIN: tenant.domain,
          AUTH0_CLIENT_ID: tenant.clientId,
          AUTH0_CLIENT_SECRET: tenant.clientSecret,
          WEB_URL: 'http://localhost:3000',
          SESSION_TOKEN_SECRET: sessionTokenSecret,
        },
        { caFile: tenant.caFile, log: () => {}, runImport },
      );
      return since(started);
    };
    return {
      fresh: await deployOnce(SESSION_TOKEN_SECRET),
      changed: await deployOnce(`${SESSION_TOKEN_SECRET}-changed`),
    };
  } finally {
    await tenant.close();
  }
}

/**
 * Issue 14's figures: a newcomer's first `npm start` until the URL answers, a restart, `npm run deploy` of a
 * changed secret and of unchanged input; then the same deploy code with a0deploy patched and as upstream ships it.
 */
export async function run(): Promise<void> {
  console.log(`start.machine_loadavg_1m: ${loadavg()[0]?.toFixed(2)} load`);
  const cwd = mkdtempSync(path.join(tmpdir(), 'bench-start-'));
  const [tenantPort, webPort] = [await freePort(), await freePort()];
  try {
    const fresh = await startDemo(cwd, tenantPort, webPort);
    console.log(`start.fresh_s: ${fresh.seconds.toFixed(1)} s`);
    await stopDemo(fresh);
    // Before any other deploy: a restart re-imports when the tenant no longer holds npm start's own secret.
    const demo = await startDemo(cwd, tenantPort, webPort);
    console.log(`start.restart_s: ${demo.seconds.toFixed(1)} s`);
    const changed = timeDeployCommand(demo, webPort, `${SESSION_TOKEN_SECRET}-2`);
    console.log(`deploy.changed_secret_s: ${changed.toFixed(1)} s`);
    const unchanged = timeDeployCommand(demo, webPort, `${SESSION_TOKEN_SECRET}-2`);
    console.log(`deploy.unchanged_s: ${unchanged.toFixed(2)} s`);
    await stopDemo(demo);
  } finally {
    rmSync(cwd, { recursive: true, force: true });
  }
  const patched = await timeDeploys(runA0deployImport);
  const upstream = await timeDeploys(a0deployImporter(unpatchedA0deploy()));
  console.log(`deploy.fresh_in_process_s: ${patched.fresh.toFixed(1)} s`);
  console.log(`baseline.deploy.fresh_unpatched_a0deploy_s: ${upstream.fresh.toFixed(1)} s`);
  console.log(`deploy.changed_in_process_s: ${patched.changed.toFixed(1)} s`);
  console.log(`baseline.deploy.changed_unpatched_a0deploy_s: ${upstream.changed.toFixed(1)} s`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await ensureProcessTrustsCa(DEFAULT_DATA_DIR);
  await run();
}
