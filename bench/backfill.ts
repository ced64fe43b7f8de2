import { execFile } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { createGzip, constants as zlib } from 'node:zlib';
import type { ApplyReport } from '../scripts/backfill/apply.ts';
import { writePlan } from '../scripts/backfill/plan.ts';
import { planHeader } from '../scripts/backfill/plan-file.ts';
import { DuplicatePlanner, type PlanPolicy } from '../scripts/backfill/planner.ts';
import { readExportFile } from '../scripts/backfill/user-source.ts';
import { type LocalTenantLine, startTenantProcess } from './tenant-process.ts';

const ROOT = path.resolve(import.meta.dirname, '..');
const USERS = Number(process.env.BENCH_BACKFILL_USERS ?? 1_000_000);
/** The emulator's configured limit, and `--max-rps` at that limit. */
const APPLY_RPS = Number(process.env.BENCH_BACKFILL_RPS ?? 50);
/** Three-way clusters for the apply run: 2 secondaries × 4 requests each. */
const APPLY_CLUSTERS = Number(process.env.BENCH_BACKFILL_CLUSTERS ?? 60);
const POLICY: PlanPolicy = {
  autoLinkConnections: ['Username-Password-Authentication', 'google-oauth2', 'github'],
  mergeAppMetadataKeys: [],
};
const CONNECTIONS = [
  ['auth0', 'Username-Password-Authentication'],
  ['google-oauth2', 'google-oauth2'],
  ['github', 'github'],
] as const;

/**
 * A gzipped NDJSON export as Auth0 writes it (`format: json`, the fields the backfill asks for): about 1 user in
 * 8 shares its email with another, some in three-way clusters, some with capitals, some unverified.
 */
async function generateExport(file: string, users: number): Promise<void> {
  function* lines(): Generator<string> {
    let batch = '';
    for (let i = 0; i < users; i++) {
      const cluster = i % 8 === 0 ? i + 1 : i % 24 === 2 ? i - 1 : i; // pairs, plus a third member every 24
      const email = `user${cluster}@example.com`;
      const [provider, connection] = CONNECTIONS[i % 3]!;
      const id = provider === 'auth0' ? i.toString(16).padStart(24, '0') : String(100_000_000_000 + i);
      const user = {
        user_id: `${provider}|${id}`,
        email: i % 5 === 0 ? email.toUpperCase() : email,
        email_verified: i % 17 !== 0,
        created_at: new Date(Date.UTC(2020, 0, 1) + i * 1000).toISOString(),
        identities: [{ connection, provider, user_id: id, isSocial: provider !== 'auth0' }],
        ...(i % 50 === 0 ? { app_metadata: { plan: 'pro' } } : {}),
      };
      batch += `${JSON.stringify(user)}\n`;
      if (batch.length > 1 << 16) {
        yield batch;
        batch = '';
      }
    }
    yield batch;
  }
  await pipeline(lines, createGzip({ level: zlib.Z_BEST_SPEED }), createWriteStream(file));
}

async function planBench(dir: string): Promise<void> {
  const exportFile = path.join(dir, 'users.json.gz');
  await generateExport(exportFile, USERS);

  // Baseline: only reading and parsing the same file (gunzip + lines + JSON.parse), no planning.
  let parsed = 0;
  let started = performance.now();
  await readExportFile(exportFile, () => {
    parsed += 1;
  });
  const readSeconds = (performance.now() - started) / 1000;

  started = performance.now();
  const planner = new DuplicatePlanner();
  await readExportFile(exportFile, (user) => planner.add(user));
  const summary = writePlan(
    planner,
    planHeader('bench.example.com', POLICY, 'file', new Date()),
    path.join(dir, 'plan.jsonl'),
  );
  const seconds = (performance.now() - started) / 1000;
  if (summary.users !== USERS || parsed !== USERS) throw new Error('the planner did not read every user');
  const scale = USERS / 1_000_000;
  console.log(`backfill.plan_users_per_s: ${Math.round(USERS / seconds)} users/s`);
  console.log(`backfill.plan_1m_s: ${(seconds / scale).toFixed(1)} s`);
  console.log(`backfill.plan_groups: ${summary.groups} groups`);
  console.log(`baseline.backfill.read_export_users_per_s: ${Math.round(USERS / readSeconds)} users/s`);
}

function control(tenant: LocalTenantLine, method: string, route: string, body: unknown): Promise<void> {
  const [host, port] = tenant.domain.split(':');
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host,
        port: Number(port),
        method,
        path: `/__control${route}`,
        agent: new Agent({ ca: readFileSync(tenant.ca_file) }),
        headers: { 'x-control-key': tenant.control_key, 'content-type': 'application/json' },
      },
      (res) => {
        res.resume();
        res.on('end', () =>
          (res.statusCode ?? 500) < 300 ? resolve() : reject(new Error(`${route}: ${res.statusCode}`)),
        );
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

/** The backfill CLI as an operator runs it, in its own process (the tenant runs in another). */
async function linkExisting(tenant: LocalTenantLine, args: string[]): Promise<void> {
  await promisify(execFile)(process.execPath, ['scripts/link-existing.ts', ...args], {
    cwd: ROOT,
    env: {
      ...process.env,
      NODE_EXTRA_CA_CERTS: tenant.ca_file,
      AUTH0_DOMAIN: tenant.domain,
      AUTH0_CLIENT_ID: tenant.client_id,
      AUTH0_CLIENT_SECRET: tenant.client_secret,
      AUTO_LINK_CONNECTIONS: (POLICY.autoLinkConnections as string[]).join(','),
    },
  });
}

async function applyBench(dir: string): Promise<void> {
  const { child, tenant } = await startTenantProcess([
    '--rps',
    String(APPLY_RPS),
    '--burst',
    String(APPLY_RPS),
  ]);
  try {
    const users = Array.from({ length: APPLY_CLUSTERS }, (_, i) =>
      CONNECTIONS.map(([, connection], n) => ({
        connection,
        email: `user${i}@example.com`,
        email_verified: true,
        created_at: new Date(Date.UTC(2020 + n, 0, 1)).toISOString(),
        user_metadata: { [connection]: i },
      })),
    ).flat();
    await control(tenant, 'POST', '/users', { users });
    const plan = path.join(dir, 'apply-plan.jsonl');
    const report = path.join(dir, 'apply-report.json');
    await linkExisting(tenant, ['--plan', '--out', plan]);
    // Refill the tenant's bucket so the apply starts from the same state as a fresh tenant.
    await control(tenant, 'PUT', '/rate-limit', { rps: APPLY_RPS, burst: APPLY_RPS });
    await linkExisting(tenant, ['--apply', plan, '--max-rps', String(APPLY_RPS), '--report', report]);
    const result = JSON.parse(readFileSync(report, 'utf8')) as ApplyReport;
    if (result.linked !== 2 * APPLY_CLUSTERS) throw new Error(`apply linked ${result.linked} accounts`);
    console.log(`backfill.apply_rps: ${result.requestsPerSecond.toFixed(1)} req/s`);
    console.log(`backfill.apply_rate_ratio: ${(result.requestsPerSecond / APPLY_RPS).toFixed(3)} ratio`);
    console.log(`backfill.apply_429: ${result.rateLimited} responses`);
  } finally {
    child.kill('SIGTERM');
  }
}

export async function run(): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'bench-backfill-'));
  try {
    await planBench(dir);
    await applyBench(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
