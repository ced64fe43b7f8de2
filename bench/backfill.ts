import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { CONFIG_DEFAULTS } from '../core/config.ts';
import type { ApplyReport } from '../scripts/backfill/apply.ts';
import type { PlanPolicy } from '../scripts/backfill/planner.ts';
import { readExportFile } from '../scripts/backfill/user-source.ts';
import { GENERATED_CONNECTIONS, writeGeneratedExport } from '../test/support/generated-export.ts';
import { type LocalTenantLine, startTenantProcess } from './tenant-process.ts';

const ROOT = path.resolve(import.meta.dirname, '..');
const USERS = Number(process.env.BENCH_BACKFILL_USERS ?? 1_000_000);
/** The emulator's configured limit, and `--max-rps` at that limit. */
const APPLY_RPS = Number(process.env.BENCH_BACKFILL_RPS ?? 50);
/** Three-way clusters for the apply run: 2 secondaries × 4 requests each. */
const APPLY_CLUSTERS = Number(process.env.BENCH_BACKFILL_CLUSTERS ?? 60);
const POLICY: PlanPolicy = {
  autoLinkConnections: GENERATED_CONNECTIONS,
  mergeAppMetadataKeys: [],
  primaryPolicy: CONFIG_DEFAULTS.primaryPolicy,
};
/** `BENCH_BACKFILL_10M=1` also plans a 10M-user export (about 3 minutes more, 4 GB of disk). */
const PLAN_10M = process.env.BENCH_BACKFILL_10M === '1';
const TENANT = 'bench.example.com';

interface ChildRun {
  seconds: number;
  maxRssMb: number;
}

/** `args` run by a Node child as an operator runs them: its wall time and peak resident memory. */
async function measureChild(args: string[]): Promise<ChildRun> {
  const started = performance.now();
  const { stderr } = await promisify(execFile)(
    process.execPath,
    ['--import', path.join(ROOT, 'bench/max-rss.ts'), ...args],
    {
      cwd: ROOT,
      maxBuffer: 1 << 24,
      env: {
        ...process.env,
        AUTH0_DOMAIN: TENANT,
        AUTH0_CLIENT_ID: 'bench',
        AUTH0_CLIENT_SECRET: 'bench',
        AUTO_LINK_CONNECTIONS: POLICY.autoLinkConnections.toString(),
      },
    },
  );
  const seconds = (performance.now() - started) / 1000;
  const rss = /MAX_RSS_KB (\d+)/.exec(stderr);
  if (rss === null) throw new Error(`no MAX_RSS_KB line from ${args.join(' ')}`);
  return { seconds, maxRssMb: Number(rss[1]) / 1024 };
}

/** `link-existing --plan --from-export` in its own process. */
function planWithCli(exportFile: string, planFile: string): Promise<ChildRun> {
  return measureChild(['scripts/link-existing.ts', '--plan', '--from-export', exportFile, '--out', planFile]);
}

/** A plan's group lines without their number, sorted: equal for two plans that differ only in group order. */
function groupsOrderAside(planFile: string): string[] {
  return readFileSync(planFile, 'utf8')
    .split('\n')
    .slice(1)
    .filter((line) => line !== '')
    .map((line) => line.replace(/^\{"type":"group","group":\d+,/, '{'))
    .sort();
}

async function planBench(dir: string): Promise<void> {
  const exportFile = path.join(dir, 'users.json.gz');
  await writeGeneratedExport(exportFile, USERS);

  // Baseline: only reading and parsing the same file (gunzip + lines + JSON.parse), no planning.
  let parsed = 0;
  const started = performance.now();
  await readExportFile(exportFile, () => {
    parsed += 1;
  });
  const readSeconds = (performance.now() - started) / 1000;
  if (parsed !== USERS) throw new Error(`read ${parsed} of ${USERS} users`);

  const planFile = path.join(dir, 'plan.jsonl');
  const spilling = await planWithCli(exportFile, planFile);
  // The planner before spilling, on the same export: the same groups and decisions, order aside (issue 16).
  const inMemoryFile = path.join(dir, 'plan-in-memory.jsonl');
  const inMemory = await measureChild([
    'bench/plan-in-memory.ts',
    exportFile,
    inMemoryFile,
    POLICY.autoLinkConnections.toString(),
    TENANT,
  ]);
  const groups = groupsOrderAside(planFile);
  const expected = groupsOrderAside(inMemoryFile);
  if (groups.length !== expected.length || groups.some((line, i) => line !== expected[i]))
    throw new Error('the spilling planner and the in-memory planner disagree');
  const scale = USERS / 1_000_000;
  console.log(`backfill.plan_users_per_s: ${Math.round(USERS / spilling.seconds)} users/s`);
  console.log(`backfill.plan_1m_s: ${(spilling.seconds / scale).toFixed(1)} s`);
  console.log(`backfill.plan_1m_rss_mb: ${Math.round(spilling.maxRssMb)} MB`);
  console.log(`backfill.plan_groups: ${groups.length} groups`);
  console.log(`baseline.backfill.plan_in_memory_1m_s: ${(inMemory.seconds / scale).toFixed(1)} s`);
  console.log(`baseline.backfill.plan_in_memory_1m_rss_mb: ${Math.round(inMemory.maxRssMb)} MB`);
  console.log(`baseline.backfill.read_export_users_per_s: ${Math.round(USERS / readSeconds)} users/s`);
}

/** The issue-16 target: 10M users planned in at most 2 minutes and 1 GB; its plan read back by --apply. */
async function plan10mBench(dir: string): Promise<void> {
  const exportFile = path.join(dir, 'users-10m.json.gz');
  await writeGeneratedExport(exportFile, 10_000_000);
  const planFile = path.join(dir, 'plan-10m.jsonl');
  const run = await planWithCli(exportFile, planFile);
  rmSync(exportFile);
  console.log(`backfill.plan_10m_s: ${run.seconds.toFixed(1)} s`);
  console.log(`backfill.plan_10m_rss_mb: ${Math.round(run.maxRssMb)} MB`);
  // --apply on the 1.25M-group plan, up to its first request: the check and the groups read again.
  const read = await measureChild(['bench/read-plan.ts', planFile]);
  console.log(`backfill.apply_read_10m_plan_s: ${read.seconds.toFixed(1)} s`);
  console.log(`backfill.apply_read_10m_plan_rss_mb: ${Math.round(read.maxRssMb)} MB`);
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
      AUTO_LINK_CONNECTIONS: POLICY.autoLinkConnections.toString(),
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
      GENERATED_CONNECTIONS.map((connection, n) => ({
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
    if (PLAN_10M) await plan10mBench(dir);
    await applyBench(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
