import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, watch, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { LINK_RECORDS_KEY, type LinkRecord } from '../../../core/link-record.ts';
import { ManagementApiError } from '../../../core/management-client.ts';
import { ACCOUNT_LINKING_KEY } from '../../../core/policy.ts';
import { splitUserId } from '../../../core/users.ts';
import {
  type ApplyOutcome,
  type CommandIo,
  linkExisting,
  type PlanOutcome,
  unlink,
} from '../../../scripts/backfill/commands.ts';
import type { BackfillConfig } from '../../../scripts/backfill/config.ts';
import { FileLineError } from '../../../scripts/backfill/errors.ts';
import { type BackfillPort, createBackfillPort } from '../../../scripts/backfill/management.ts';
import type { PlanGroupLine } from '../../../scripts/backfill/plan-file.ts';
import type { RequestStats } from '../../../scripts/backfill/rate.ts';
import { type ControlUser, type SeedUser, startTestTenant, type TestTenant } from '../../support/tenant.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..', '..');
const TRUSTED = 'Username-Password-Authentication,google-oauth2,github,acme';
const CLUSTERS = 12;

/**
 * Injected faults draw from this seeded generator, reset before each test, so a failure can be replayed:
 * `BACKFILL_FAULT_SEED=<seed> npx vitest run --project integration test/integration/backfill`.
 */
const SEED = Number(process.env.BACKFILL_FAULT_SEED ?? Math.floor(Math.random() * 2 ** 32)) >>> 0;
const seedNote = `fault seed ${SEED} (replay with BACKFILL_FAULT_SEED=${SEED})`;
let prngState = SEED;
/** mulberry32: small, fast, and good enough to decide which requests fail. */
function seededRandom(): number {
  prngState = (prngState + 0x6d2b79f5) >>> 0;
  let t = prngState;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

let tenant: TestTenant;
let dir: string;
let env: Record<string, string>;

beforeAll(async () => {
  tenant = await startTestTenant({ random: seededRandom });
  // An enterprise SAML connection: its user ids hold a second bar (`samlp|acme|jdoe0`).
  tenant.context.store.createConnection({ name: 'acme', strategy: 'samlp' });
  env = {
    AUTH0_DOMAIN: tenant.domain,
    AUTH0_CLIENT_ID: tenant.clientId,
    AUTH0_CLIENT_SECRET: tenant.clientSecret,
    AUTO_LINK_CONNECTIONS: TRUSTED,
    MERGE_APP_METADATA_KEYS: 'plan',
  };
});

afterAll(async () => {
  await tenant.close();
});

beforeEach(async () => {
  prngState = SEED;
  await tenant.control.reset();
  dir = mkdtempSync(path.join(tmpdir(), 'backfill-'));
  return () => rmSync(dir, { recursive: true, force: true });
});

/** Output captured instead of printed. */
function quietIo(): CommandIo & { lines: string[] } {
  const lines: string[] = [];
  return { lines, out: (line) => lines.push(line), err: { write: () => true, isTTY: false } };
}

const fast = { pollMs: 20, backoffMs: 20 };

/**
 * Cluster i: a password account (oldest), a Google account with capitals in its email, a SAML account whose id
 * holds a bar; every third also has an unverified GitHub account, every fourth an account of the untrusted
 * `acme-oidc` connection. Each account carries its own metadata key, so a merge can be checked.
 */
function clusterSeeds(i: number): SeedUser[] {
  const email = `user${i}@example.com`;
  const seeds: SeedUser[] = [
    {
      connection: 'Username-Password-Authentication',
      email,
      email_verified: true,
      created_at: '2020-01-01T00:00:00.000Z',
      user_metadata: { [`db${i}`]: i },
    },
    {
      connection: 'google-oauth2',
      email: `User${i}@Example.com`,
      email_verified: true,
      created_at: '2021-01-01T00:00:00.000Z',
      user_metadata: { [`google${i}`]: i },
      app_metadata: { plan: 'pro', roles: ['admin'] },
    },
    {
      connection: 'acme',
      user_id: `jdoe${i}`,
      email,
      email_verified: true,
      created_at: '2022-01-01T00:00:00.000Z',
      user_metadata: { [`saml${i}`]: i },
    },
  ];
  if (i % 3 === 0)
    seeds.push({ connection: 'github', email, email_verified: false, user_metadata: { gh: i } });
  if (i % 4 === 0) seeds.push({ connection: 'acme-oidc', user_id: `oidc${i}`, email, email_verified: true });
  return seeds;
}

async function seedClusters(): Promise<ControlUser[]> {
  const seeds = Array.from({ length: CLUSTERS }, (_, i) => clusterSeeds(i)).flat();
  seeds.push({ connection: 'github', email: 'alone@example.com', email_verified: true });
  return tenant.control.seedUsers(seeds);
}

function planLines(file: string): PlanGroupLine[] {
  return readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => JSON.parse(line) as PlanGroupLine);
}

async function plan(file = path.join(dir, 'plan.jsonl')): Promise<PlanOutcome> {
  return (await linkExisting(['--plan', '--out', file], env, quietIo(), fast)) as PlanOutcome;
}

async function apply(file: string, extra: string[] = []): Promise<ApplyOutcome> {
  return (await linkExisting(
    ['--apply', file, '--max-rps', '200', ...extra],
    env,
    quietIo(),
    fast,
  )) as ApplyOutcome;
}

/** Every cluster is one user holding its three trusted identities and every secondary's metadata. */
async function expectClustersLinked(): Promise<void> {
  const users = await tenant.control.users();
  for (let i = 0; i < CLUSTERS; i++) {
    const holders = users.filter((u) => u.email?.toLowerCase() === `user${i}@example.com`);
    const primary = holders.find((u) => u.identities[0]!.provider === 'auth0');
    expect(primary, `cluster ${i}`).toBeDefined();
    expect(primary!.identities.map((id) => `${id.provider}|${id.user_id}`).slice(1)).toEqual([
      expect.stringMatching(/^google-oauth2\|/),
      `samlp|acme|jdoe${i}`,
    ]);
    expect(primary!.user_metadata).toMatchObject({ [`db${i}`]: i, [`google${i}`]: i, [`saml${i}`]: i });
    expect(primary!.app_metadata).toMatchObject({ plan: 'pro' });
    expect(primary!.app_metadata).not.toHaveProperty('roles');
    // Left alone: the unverified GitHub account and the untrusted acme-oidc one.
    const others = holders.filter((u) => u !== primary).map((u) => u.identities[0]!.connection);
    expect(others.sort()).toEqual([
      ...(i % 4 === 0 ? ['acme-oidc'] : []),
      ...(i % 3 === 0 ? ['github'] : []),
    ]);
  }
}

describe('link-existing --plan', () => {
  it('plans from the bulk export job: one line per email group, decided by the Action policy', async () => {
    const seeded = await seedClusters();
    const outcome = await plan();
    const groups = planLines(outcome.file);
    expect(groups).toHaveLength(CLUSTERS);
    const byId = new Map(seeded.map((u) => [u.user_id, u]));
    for (const group of groups) {
      const primary = byId.get(group.primary)!;
      expect(primary.identities[0]!.connection).toBe('Username-Password-Authentication');
      expect(group.secondaries.map((id) => byId.get(id)!.identities[0]!.connection)).toEqual([
        'google-oauth2',
        'acme',
      ]);
      expect(group.secondaries[1]).toMatch(/^samlp\|acme\|jdoe\d+$/);
      expect(group.reason).toBe('silent_link');
    }
    expect(outcome.summary).toMatchObject({
      users: seeded.length,
      groups: CLUSTERS,
      linkGroups: CLUSTERS,
      secondaries: 2 * CLUSTERS,
      skipped: { email_not_verified: 4, connection_not_trusted: 3 },
    });
    const header = JSON.parse(readFileSync(outcome.file, 'utf8').split('\n')[0]!);
    expect(header).toMatchObject({ type: 'header', tenant: tenant.domain, source: 'export' });
  });

  it('writes nothing to the tenant', async () => {
    await seedClusters();
    const before = JSON.stringify(await tenant.control.users());
    await plan();
    expect(JSON.stringify(await tenant.control.users())).toBe(before);
  });

  it('falls back to paged listing when the tenant has no export job (404)', async () => {
    await seedClusters();
    const exporting = await plan(path.join(dir, 'export.jsonl'));
    await tenant.control.setFaults([{ route: 'POST /api/v2/jobs/users-exports', status: 404 }]);
    const listing = await plan(path.join(dir, 'listing.jsonl'));
    expect(JSON.parse(readFileSync(listing.file, 'utf8').split('\n')[0]!).source).toBe('listing');
    expect(planLines(listing.file)).toEqual(planLines(exporting.file));
  });

  it('stops, naming read:users, when the credential may not start an export job (403), without listing', async () => {
    await seedClusters();
    await tenant.control.setFaults([{ route: 'POST /api/v2/jobs/users-exports', status: 403 }]);
    const port = instrumentedPort();
    const out = path.join(dir, 'plan.jsonl');
    const error = await linkExisting(['--plan', '--out', out], env, quietIo(), {
      ...fast,
      createPort: port.createPort,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ManagementApiError);
    expect(error).toMatchObject({ status: 403, missingScope: 'read:users' });
    expect((error as Error).message).toContain('read:users');
    expect(port.calls.list).toBe(0);
    expect(existsSync(out)).toBe(false);
  });
});

describe('link-existing --apply', () => {
  it('links every cluster into its oldest account with 20% injected 429/5xx', async () => {
    await seedClusters();
    const { file } = await plan();
    await tenant.control.setFaults([
      { route: '* /api/v2/*', status: 429, rate: 0.1, retryAfter: 0 },
      { route: '* /api/v2/*', status: 503, rate: 0.11 },
    ]);
    const { report } = await apply(file);
    expect(report, seedNote).toMatchObject({
      planned: 2 * CLUSTERS,
      linked: 2 * CLUSTERS,
      remaining: 0,
      skipped: {},
    });
    expect(report.rateLimited + report.serverErrors, seedNote).toBeGreaterThan(0);
    await tenant.control.setFaults([]);
    await expectClustersLinked();
  });

  it('resumes after a SIGKILL mid-apply without repeating or losing a step', async () => {
    await seedClusters();
    const { file } = await plan();
    const journal = `${file}.journal`;
    await tenant.control.setFaults([
      { route: '* /api/v2/*', status: 429, rate: 0.1, retryAfter: 0 },
      { route: '* /api/v2/*', status: 503, rate: 0.11 },
    ]);
    const killedAfter = await killWhenJournalHas(
      spawn(process.execPath, ['scripts/link-existing.ts', '--apply', file, '--max-rps', '40'], {
        cwd: ROOT,
        env: { ...process.env, ...env },
        stdio: 'ignore',
      }),
      journal,
      9,
    );
    expect(killedAfter, seedNote).toBeGreaterThanOrEqual(9);
    const { report } = await apply(file);
    expect(report.resumed, seedNote).toBeGreaterThan(0);
    expect(report.resumed + report.linked + report.alreadyLinked, seedNote).toBe(2 * CLUSTERS);
    expect(report.remaining, seedNote).toBe(0);
    await tenant.control.setFaults([]);
    await expectClustersLinked();

    // Each secondary ends exactly once; a merge is never journalled twice.
    const steps = readFileSync(journal, 'utf8')
      .trim()
      .split('\n')
      .slice(1)
      .map((line) => JSON.parse(line) as { secondary: string; step: string });
    for (const secondary of new Set(steps.map((s) => s.secondary))) {
      const mine = steps.filter((s) => s.secondary === secondary).map((s) => s.step);
      expect(
        mine.filter((s) => s !== 'merged'),
        `${secondary}, ${seedNote}`,
      ).toHaveLength(1);
      expect(mine.filter((s) => s === 'merged').length, `${secondary}, ${seedNote}`).toBeLessThanOrEqual(1);
    }
    // A rerun finds everything done and sends nothing.
    const again = await apply(file);
    expect(again.report).toMatchObject({ resumed: 2 * CLUSTERS, requests: 0 });
  });

  it('re-checks each group: a login that linked meanwhile counts as done, a blocked account is skipped', async () => {
    await seedClusters();
    const { file } = await plan();
    const [first, second] = planLines(file);
    // Cluster of group 1: a login links the Google account first; group 2's SAML account gets blocked.
    const google = first!.secondaries[0]!;
    tenant.context.store.users.link(first!.primary, splitUserId(google));
    const blocked = second!.secondaries[1]!;
    tenant.context.store.users.update(blocked, { blocked: true });
    const { report } = await apply(file);
    expect(report).toMatchObject({
      alreadyLinked: 1,
      skipped: { now_blocked: 1 },
      linked: 2 * CLUSTERS - 2,
      remaining: 0,
    });
    // The blocked account still stands on its own, and its group's primary holds only the other secondary.
    const users = await tenant.control.users();
    expect(users.find((u) => u.user_id === blocked)).toMatchObject({ blocked: true });
    const primary = users.find((u) => u.user_id === second!.primary)!;
    expect(primary.identities.slice(1).map((id) => `${id.provider}|${id.user_id}`)).toEqual([
      second!.secondaries[0],
    ]);
  });

  it('skips a link the tenant refuses for good (409) and links the rest', async () => {
    await seedClusters();
    const { file } = await plan();
    await tenant.control.setFaults([{ route: 'POST /api/v2/users/*/identities', status: 409, count: 1 }]);
    const { report } = await apply(file);
    expect(report).toMatchObject({
      linked: 2 * CLUSTERS - 1,
      skipped: { link_refused_409: 1 },
      mergedNotLinked: 1,
      remaining: 0,
    });
    const refused = readFileSync(`${file}.journal`, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { step?: string; primary: string; secondary: string })
      .find((step) => step.step === 'skipped')!;
    const users = await tenant.control.users();
    expect(users.find((u) => u.user_id === refused.secondary)).toBeDefined();
    const primary = users.find((u) => u.user_id === refused.primary)!;
    expect(primary.identities.map((id) => `${id.provider}|${id.user_id}`)).not.toContain(refused.secondary);
    expect(
      (primary.app_metadata?.[LINK_RECORDS_KEY] as LinkRecord[] | undefined)?.map((r) => r.user_id),
    ).not.toContain(refused.secondary);
  });

  it('stops, naming update:users, when the credential may not link (403)', async () => {
    await seedClusters();
    const { file } = await plan();
    await tenant.control.setFaults([{ route: 'POST /api/v2/users/*/identities', status: 403 }]);
    const error = await apply(file).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'management_error', status: 403, missingScope: 'update:users' });
    expect((error as Error).message).toContain('update:users');
    expect(readFileSync(`${file}.journal`, 'utf8')).not.toContain('"step":"skipped"');
  });

  it('refuses a plan made for another tenant before any request', async () => {
    await seedClusters();
    const { file } = await plan();
    const text = readFileSync(file, 'utf8').replace(tenant.domain, 'other.eu.auth0.com');
    writeFileSync(file, text);
    let requests = 0;
    const error = await linkExisting(['--apply', file], env, quietIo(), {
      createPort: () => {
        requests += 1;
        throw new Error('no port should be built');
      },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FileLineError);
    expect(error).toMatchObject({ code: 'plan_tenant_mismatch', line: 1 });
    expect(requests).toBe(0);
  });
});

/** The real port, with calls counted and a crash (an exception, as a kill would stop the run) where asked. */
function instrumentedPort(crash: { afterPatchOf?: string; afterLinkOf?: string } = {}) {
  const calls = { patch: [] as string[], link: [] as string[], list: 0 };
  const createPort = (config: BackfillConfig, maxRps: number, stats: RequestStats): BackfillPort => {
    const real = createBackfillPort({ ...config, maxRps, stats, backoffMs: 20 });
    return {
      ...real,
      async listUsers(page, perPage, fields) {
        calls.list += 1;
        return real.listUsers(page, perPage, fields);
      },
      async patchUser(userId, patch) {
        calls.patch.push(userId);
        await real.patchUser(userId, patch);
      },
      async link(primaryId, secondaryId) {
        if (secondaryId === crash.afterPatchOf) throw new Error('killed after the merge');
        calls.link.push(secondaryId);
        const result = await real.link(primaryId, secondaryId);
        if (secondaryId === crash.afterLinkOf) throw new Error('killed before the journal line');
        return result;
      },
    };
  };
  return { calls, createPort };
}

describe('link-existing --apply, stopped between two steps', () => {
  it('after a journalled merge, the rerun only links', async () => {
    await seedClusters();
    const { file } = await plan();
    const [first] = planLines(file);
    const google = first!.secondaries[0]!;
    const crashing = instrumentedPort({ afterPatchOf: google });
    await expect(
      linkExisting(['--apply', file, '--max-rps', '200', '--concurrency', '1'], env, quietIo(), {
        createPort: crashing.createPort,
      }),
    ).rejects.toThrow('killed after the merge');
    expect(readFileSync(`${file}.journal`, 'utf8')).toContain(`"secondary":"${google}","step":"merged"`);

    const rerun = instrumentedPort();
    const { report } = (await linkExisting(['--apply', file, '--max-rps', '200'], env, quietIo(), {
      createPort: rerun.createPort,
    })) as ApplyOutcome;
    expect(rerun.calls.link).toContain(google);
    // The merge of that account is not sent again: the primary's first PATCH is for the next secondary.
    expect(rerun.calls.patch.filter((id) => id === first!.primary)).toHaveLength(1);
    expect(report).toMatchObject({ linked: 2 * CLUSTERS, remaining: 0 });
    await expectClustersLinked();
  });

  it('after a link the journal missed, the rerun finds it already linked and sends no second link', async () => {
    await seedClusters();
    const { file } = await plan();
    const [first] = planLines(file);
    const google = first!.secondaries[0]!;
    await expect(
      linkExisting(['--apply', file, '--max-rps', '200', '--concurrency', '1'], env, quietIo(), {
        createPort: instrumentedPort({ afterLinkOf: google }).createPort,
      }),
    ).rejects.toThrow('killed before the journal line');

    const rerun = instrumentedPort();
    const { report } = (await linkExisting(['--apply', file, '--max-rps', '200'], env, quietIo(), {
      createPort: rerun.createPort,
    })) as ApplyOutcome;
    expect(rerun.calls.link).not.toContain(google);
    expect(report).toMatchObject({ alreadyLinked: 1, linked: 2 * CLUSTERS - 1, remaining: 0 });
    await expectClustersLinked();
  });

  it('refuses a journal written for another plan, before any request', async () => {
    await seedClusters();
    const { file } = await plan();
    await apply(file);
    const other = path.join(dir, 'other.jsonl');
    writeFileSync(other, readFileSync(file, 'utf8').replace('"group":1,', '"group":1,"note":"edited",'));
    let ports = 0;
    const error = await linkExisting(['--apply', other, '--journal', `${file}.journal`], env, quietIo(), {
      createPort: () => {
        ports += 1;
        throw new Error('no port should be built');
      },
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'journal_mismatch', line: 1 });
    expect(ports).toBe(0);
  });
});

describe('unlink', () => {
  it('unlinks, restores the metadata recorded at link time, and records the decline', async () => {
    await seedClusters();
    const { file } = await plan();
    await apply(file);
    const group = planLines(file)[0]!;
    const google = group.secondaries[0]!;
    const linkedPrimary = (await tenant.control.users()).find((u) => u.user_id === group.primary)!;
    const i = Number(/\d+/.exec(linkedPrimary.email!)![0]);

    await unlink([group.primary, google], env, quietIo());

    const users = await tenant.control.users();
    const restored = users.find((u) => u.user_id === google)!;
    expect(restored.user_metadata).toEqual({ [`google${i}`]: i });
    // Its own metadata back, and the primary on its own decline list: neither login relinks the pair.
    expect(restored.app_metadata).toEqual({
      plan: 'pro',
      roles: ['admin'],
      [ACCOUNT_LINKING_KEY]: { declined: [group.primary] },
    });
    const primary = users.find((u) => u.user_id === group.primary)!;
    expect(primary.identities.map((id) => `${id.provider}|${id.user_id}`)).not.toContain(google);
    // `account_linking` holds the decline alone; the link records sit under their own key.
    expect(primary.app_metadata?.[ACCOUNT_LINKING_KEY]).toEqual({ declined: [google] });
    expect(
      (primary.app_metadata?.[LINK_RECORDS_KEY] as LinkRecord[] | undefined)?.map((r) => r.user_id),
    ).toEqual([group.secondaries[1]]);

    // A new plan leaves the pair alone, as the Action would.
    const replanned = planLines((await plan(path.join(dir, 'again.jsonl'))).file);
    const again = replanned.find((g) => g.primary === group.primary)!;
    expect(again.secondaries).toEqual([]);
    expect(again.skipped).toContainEqual({ user_id: google, reason: 'declined' });
  });
});

describe('an enterprise account whose id holds dots (samlp|acme|jane.doe@corp.com)', () => {
  it('is planned, linked and unlinked: the tenant refuses dotted metadata field names, so no record is keyed by id', async () => {
    const email = 'jane.doe@corp.com';
    const [primary, saml] = await tenant.control.seedUsers([
      {
        connection: 'Username-Password-Authentication',
        email,
        email_verified: true,
        created_at: '2020-01-01T00:00:00.000Z',
      },
      {
        connection: 'acme',
        user_id: email,
        email,
        email_verified: true,
        created_at: '2021-01-01T00:00:00.000Z',
        user_metadata: { team: 'blue' },
      },
    ]);
    const secondary = saml!.user_id;
    expect(secondary).toBe('samlp|acme|jane.doe@corp.com');

    const { file } = await plan();
    expect(planLines(file)).toEqual([
      expect.objectContaining({ primary: primary!.user_id, secondaries: [secondary] }),
    ]);
    const { report } = await apply(file);
    expect(report).toMatchObject({ linked: 1, skipped: {}, remaining: 0 });
    const linked = (await tenant.control.users()).find((u) => u.user_id === primary!.user_id)!;
    expect(linked.identities.map((id) => `${id.provider}|${id.user_id}`)).toContain(secondary);
    expect(linked.app_metadata?.[LINK_RECORDS_KEY]).toEqual([
      expect.objectContaining({ user_id: secondary, user_metadata: { team: 'blue' } }),
    ]);

    const result = await unlink([primary!.user_id, secondary], env, quietIo());
    expect(result).toMatchObject({ unlinked: true, restored: ['user_metadata'] });
    const users = await tenant.control.users();
    expect(users.find((u) => u.user_id === secondary)?.user_metadata).toEqual({ team: 'blue' });
    const unlinked = users.find((u) => u.user_id === primary!.user_id)!;
    expect(unlinked.app_metadata?.[ACCOUNT_LINKING_KEY]).toEqual({ declined: [secondary] });
    expect(unlinked.app_metadata).not.toHaveProperty(LINK_RECORDS_KEY);
  });
});

/** Kills `child` with SIGKILL once `journal` holds `steps` step lines; resolves how many it held then. */
function killWhenJournalHas(child: ChildProcess, journal: string, steps: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const count = () => {
      try {
        return readFileSync(journal, 'utf8').split('\n').length - 2;
      } catch {
        return 0;
      }
    };
    const watcher = watch(path.dirname(journal), () => {
      const n = count();
      if (n < steps) return;
      child.kill('SIGKILL');
      watcher.close();
      resolve(n);
    });
    child.once('exit', (code, signal) => {
      watcher.close();
      if (signal !== 'SIGKILL')
        reject(new Error(`link-existing exited (${code}) before it could be killed; ${seedNote}`));
    });
  });
}
