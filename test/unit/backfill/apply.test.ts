import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LinkRecord } from '../../../core/link-record.ts';
import { ACCOUNT_LINKING_KEY, filterLinkCandidates } from '../../../core/policy.ts';
import type { ManagementUser } from '../../../core/users.ts';
import { type ApplyOutcome, linkExisting, unlink } from '../../../scripts/backfill/commands.ts';
import { type BackfillConfig, parseBackfillEnv } from '../../../scripts/backfill/config.ts';
import { LinkRefusalsError } from '../../../scripts/backfill/errors.ts';
import type { JournalStep } from '../../../scripts/backfill/journal.ts';
import { createBackfillPort } from '../../../scripts/backfill/management.ts';
import { writePlan } from '../../../scripts/backfill/plan.ts';
import { planHeader } from '../../../scripts/backfill/plan-file.ts';
import { DuplicatePlanner } from '../../../scripts/backfill/planner.ts';
import { newRequestStats, type RequestStats } from '../../../scripts/backfill/rate.ts';
import { type Fault, InProcessTenant } from '../../support/in-process-tenant.ts';
import { rejectionBy } from '../../support/thrown.ts';
import { makeUser } from '../../support/users.ts';
import { BACKFILL_ENV as env, silentIo as io } from './support.ts';

const GROUPS = 3;

/** Group i: a password account (the primary) and a younger Google account with its own metadata. */
function pair(i: number): ManagementUser[] {
  const email = `user${i}@example.com`;
  return [
    makeUser(`auth0|p${i}`, { email, created_at: '2020-01-01T00:00:00.000Z' }),
    makeUser(`google-oauth2|s${i}`, {
      email,
      created_at: '2021-01-01T00:00:00.000Z',
      user_metadata: { lang: `l${i}` },
    }),
  ];
}

let dir: string;
let planFile: string;
let tenant: InProcessTenant;

/** `groups` pairs. */
const pairs = (groups: number) => Array.from({ length: groups }, (_, i) => pair(i)).flat();

/** A tenant of `users` and the plan for it. */
async function seed(users: ManagementUser[]): Promise<void> {
  tenant = new InProcessTenant({
    domain: env.AUTH0_DOMAIN,
    clientId: env.AUTH0_CLIENT_ID,
    clientSecret: env.AUTH0_CLIENT_SECRET,
  }).seed(...users);
  const planner = new DuplicatePlanner();
  for (const user of users) planner.add(user);
  await writePlan(planner, planHeader(env.AUTH0_DOMAIN, parseBackfillEnv(env), 'file', new Date()), planFile);
}

beforeEach(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'apply-'));
  planFile = path.join(dir, 'plan.jsonl');
  await seed(pairs(GROUPS));
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

async function apply(concurrency = 1): Promise<ApplyOutcome> {
  return (await linkExisting(['--apply', planFile, '--concurrency', String(concurrency)], env, io, {
    ...onTenant(),
  })) as ApplyOutcome;
}

function journalSteps(): JournalStep[] {
  return readFileSync(`${planFile}.journal`, 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => JSON.parse(line) as JournalStep);
}

const stepsOf = (secondary: string) =>
  journalSteps()
    .filter((s) => s.secondary === secondary)
    .map((s) => (s.reason ? `${s.step}:${s.reason}` : s.step));

const backfillRecords = (userId: string) =>
  tenant.users.get(userId)?.app_metadata.account_linking_links as LinkRecord[] | undefined;

/** The commands' Management port, unpaced, against the in-process tenant, retrying at once. */
const onTenant = () => ({
  createPort: (config: BackfillConfig, _maxRps: number, stats: RequestStats) =>
    createBackfillPort({
      domain: config.domain,
      clientId: config.clientId,
      clientSecret: config.clientSecret,
      maxRps: 100_000,
      stats,
      backoffMs: 1,
      fetch: tenant.fetch,
    }),
});

/** Every link into `primary` answers as `fault` says (for every retry too). */
const linkInto = (primary: string, fault: Fault) =>
  tenant.fail(`POST /api/v2/users/${primary}/identities`, { count: Infinity, ...fault });

/** The identities (`provider|id`) linked into `primary`. */
const linkedInto = (primary: string) =>
  (tenant.users.get(primary)?.identities ?? []).slice(1).map((i) => `${i.provider}|${i.user_id}`);

describe('link-existing --apply stopped by a failure', () => {
  it('journals every step the other workers completed before it closes the journal, and starts no new one', async () => {
    let failed!: () => void;
    const s0Failed = new Promise<void>((resolve) => {
      failed = resolve;
    });
    // A status no retry or skip fixes, answered at once.
    linkInto('auth0|p0', { status: 422 });
    tenant.before('link', async (path) => {
      if (path.includes('auth0|p0')) failed();
      // The other worker's link is answered only after the first one failed.
      if (path.includes('auth0|p1')) {
        await s0Failed;
        await new Promise((resolve) => setImmediate(resolve));
      }
    });

    const settled = await apply(2).then(
      () => ({ error: undefined, inFlight: tenant.inFlight }),
      (error: unknown) => ({ error, inFlight: tenant.inFlight }),
    );

    expect(settled.error).toMatchObject({ code: 'management_error', status: 422 });
    expect(settled.inFlight, 'no request may still run once the journal is closed').toBe(0);
    expect(linkedInto('auth0|p1')).toEqual(['google-oauth2|s1']);
    expect(stepsOf('google-oauth2|s1')).toEqual(['merged', 'linked']);
    expect(stepsOf('google-oauth2|s0')).toEqual(['merged']);
    // Group 3 was not started: its secondary is untouched and not journalled.
    expect(tenant.users.get('google-oauth2|s2')).toBeDefined();
    expect(backfillRecords('auth0|p2')).toBeUndefined();
    expect(stepsOf('google-oauth2|s2')).toEqual([]);
  });
});

describe('link-existing --apply, a link the tenant refuses', () => {
  it.each([400, 404, 409])(
    'journals a link refused with %i as skipped and goes on with the next account',
    async (status) => {
      linkInto('auth0|p1', { status });
      const { report } = await apply();
      expect(report).toMatchObject({
        linked: GROUPS - 1,
        skipped: { [`link_refused_${status}`]: 1 },
        mergedNotLinked: 1,
        remaining: 0,
      });
      expect(stepsOf('google-oauth2|s1')).toEqual(['merged', `skipped:link_refused_${status}`]);
      expect(tenant.users.get('google-oauth2|s1')).toBeDefined();
      expect(linkedInto('auth0|p2')).toEqual(['google-oauth2|s2']);
      // Merged, not linked: no link record is left for unlink to act on.
      expect(backfillRecords('auth0|p1')).toBeUndefined();
    },
  );

  it('stops, naming the status and the last message, once 5 links in a row are refused with the same status', async () => {
    await seed(pairs(8));
    tenant.fail('link', { status: 400, count: Infinity });
    const error = await rejectionBy(LinkRefusalsError, apply());
    expect(error).toMatchObject({ code: 'link_refusals', status: 400, refusals: 5 });
    expect(error.message).toContain('refused with 400');
    expect(error.message).toContain('Bad Request');
    // Four are skipped; the fifth stays merged (a rerun links it once the cause is fixed); the rest are untouched.
    const steps = (i: number) => stepsOf(`google-oauth2|s${i}`);
    expect([0, 1, 2, 3].map(steps)).toEqual(Array(4).fill(['merged', 'skipped:link_refused_400']));
    expect(steps(4)).toEqual(['merged']);
    expect([5, 6, 7].map(steps)).toEqual([[], [], []]);
    expect(backfillRecords('auth0|p4')?.map((r) => r.user_id)).toEqual(['google-oauth2|s4']);
  });

  it('goes on while refusals are broken by a link or change status', async () => {
    await seed(pairs(12));
    const refusedWith: Record<string, number> = { s0: 404, s1: 404, s2: 404, s3: 404, s5: 404, s6: 404 };
    for (const i of [7, 8, 9, 10, 11]) refusedWith[`s${i}`] = i % 2 === 0 ? 409 : 400;
    for (const [secondary, status] of Object.entries(refusedWith))
      linkInto(`auth0|p${secondary.slice(1)}`, { status });
    const { report } = await apply();
    expect(report).toMatchObject({
      linked: 1,
      skipped: { link_refused_404: 6, link_refused_409: 2, link_refused_400: 3 },
      remaining: 0,
    });
  });

  it.each([
    [401, 'credential'],
    [403, 'credential'],
    [422, 'request'],
    [429, 'rate limit'],
    [503, 'server'],
    [undefined, 'network'],
  ])('stops the run on %s (a %s problem that no skip would fix)', async (status, _kind) => {
    linkInto('auth0|p1', status === undefined ? { drop: true } : { status, retryAfter: 0 });
    const error = await apply().catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'management_error', status });
    expect(stepsOf('google-oauth2|s1')).toEqual(['merged']);
    expect(tenant.users.get('google-oauth2|s2')).toBeDefined();
    expect(stepsOf('google-oauth2|s2')).toEqual([]);
  });
});

describe('link-existing --apply, an account skipped after its merge', () => {
  it('drops the link record, reports it merged but not linked, and unlink later refuses it', async () => {
    tenant.fail('link', { drop: true, count: Infinity });
    await expect(apply()).rejects.toMatchObject({ code: 'management_error', status: undefined });
    expect(stepsOf('google-oauth2|s0')).toEqual(['merged']);

    tenant.context.faults.set([]);
    tenant.users.get('google-oauth2|s0')!.blocked = true;
    tenant.users.get('google-oauth2|s0')!.user_metadata = { lang: 'changed since' };
    const { report } = await apply();

    expect(report).toMatchObject({ skipped: { now_blocked: 1 }, mergedNotLinked: 1, linked: GROUPS - 1 });
    expect(stepsOf('google-oauth2|s0')).toEqual(['merged', 'skipped:now_blocked']);
    expect(backfillRecords('auth0|p0')).toBeUndefined();
    // The merged metadata stays on the primary (the report says so); the secondary keeps its own.
    expect(tenant.users.get('auth0|p0')?.user_metadata).toEqual({ lang: 'l0' });

    const error = await unlink(['auth0|p0', 'google-oauth2|s0'], env, io, {
      ...onTenant(),
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'not_linked' });
    expect(tenant.users.get('google-oauth2|s0')?.user_metadata).toEqual({ lang: 'changed since' });
    expect(tenant.users.get('auth0|p0')?.app_metadata?.[ACCOUNT_LINKING_KEY]).toBeUndefined();
  });
});

describe('link-existing --apply beside the Action and the web app', () => {
  it('does not erase a decline written to the primary after the backfill read it', async () => {
    tenant.after('get-user', (path) => {
      if (!path.endsWith('auth0|p0')) return;
      tenant.users.get('auth0|p0')!.app_metadata = { [ACCOUNT_LINKING_KEY]: { declined: ['github|7'] } };
      tenant.after('get-user', undefined);
    });
    await apply();
    const primary = tenant.users.get('auth0|p0')!;
    expect(primary.app_metadata?.[ACCOUNT_LINKING_KEY]).toEqual({ declined: ['github|7'] });
    expect(backfillRecords('auth0|p0')?.map((r) => r.user_id)).toEqual(['google-oauth2|s0']);
  });
});

describe("link-existing --apply carries the secondary's declines to the primary", () => {
  it('keeps a decline the secondary made, so a planned account the person declined is skipped, not linked', async () => {
    const [primary, secondary] = pair(0);
    const email = 'user0@example.com';
    const declined = makeUser('google-oauth2|x0', { email, created_at: '2022-01-01T00:00:00.000Z' });
    await seed([
      primary!,
      { ...secondary!, app_metadata: { [ACCOUNT_LINKING_KEY]: { declined: [declined.user_id] } } },
      declined,
    ]);
    const { report } = await apply();
    expect(report).toMatchObject({ linked: 1, skipped: { now_declined: 1 } });
    expect(linkedInto('auth0|p0')).toEqual(['google-oauth2|s0']);
    const held = tenant.users.get('auth0|p0')!;
    expect(held.app_metadata[ACCOUNT_LINKING_KEY]).toEqual({ declined: ['google-oauth2|x0'] });
    // The primary's next login (or its account page) does not find it either.
    expect(filterLinkCandidates(held as ManagementUser, [tenant.users.get('google-oauth2|x0')!])).toEqual([]);
  });
});

describe('unlink', () => {
  const unlinkS0 = () => unlink(['auth0|p0', 'google-oauth2|s0'], env, io, onTenant());

  it('refuses an account that was merged but never linked, and leaves its metadata alone', async () => {
    tenant.fail('link', { drop: true, count: Infinity });
    await expect(apply()).rejects.toMatchObject({ code: 'management_error', status: undefined });
    tenant.context.faults.set([]);
    tenant.users.get('google-oauth2|s0')!.user_metadata = { lang: 'changed since' };

    expect(await unlinkS0().catch((e: unknown) => e)).toMatchObject({ code: 'not_linked' });
    expect(tenant.users.get('google-oauth2|s0')?.user_metadata).toEqual({ lang: 'changed since' });
    expect(tenant.users.get('auth0|p0')?.app_metadata?.[ACCOUNT_LINKING_KEY]).toBeUndefined();
  });

  it('records the decline and marks the record in one write, so a rerun after the unlink restores', async () => {
    await apply();
    // The connection drops on every try to restore the unlinked account, as when the command is killed there.
    tenant.fail('PATCH /api/v2/users/google-oauth2|s0', { drop: true, count: Infinity });
    await expect(unlinkS0()).rejects.toMatchObject({ code: 'management_error', status: undefined });
    const primary = tenant.users.get('auth0|p0')!;
    expect(linkedInto('auth0|p0')).toEqual([]);
    expect(primary.app_metadata?.[ACCOUNT_LINKING_KEY]).toEqual({ declined: ['google-oauth2|s0'] });
    expect(backfillRecords('auth0|p0')).toEqual([
      expect.objectContaining({ user_id: 'google-oauth2|s0', unlinking: true }),
    ]);

    tenant.context.faults.set([]);
    const result = await unlinkS0();
    expect(result).toMatchObject({ unlinked: false, restored: ['user_metadata'] });
    expect(tenant.users.get('google-oauth2|s0')?.user_metadata).toEqual({ lang: 'l0' });
    expect(backfillRecords('auth0|p0')).toBeUndefined();
  });

  it('takes back the keys the link copied onto the primary, but not one the user changed since', async () => {
    tenant.users.get('google-oauth2|s0')!.user_metadata = { lang: 'l0', theme: 'dark' };
    await apply();
    const primary = tenant.users.get('auth0|p0')!;
    expect(primary.user_metadata).toEqual({ lang: 'l0', theme: 'dark' });
    primary.user_metadata = { ...primary.user_metadata, theme: 'light', own: 1 };

    const result = await unlinkS0();
    expect(result.withdrawn).toEqual({ user_metadata: ['lang'] });
    expect(tenant.users.get('auth0|p0')?.user_metadata).toEqual({ theme: 'light', own: 1 });
    expect(tenant.users.get('google-oauth2|s0')?.user_metadata).toEqual({ lang: 'l0', theme: 'dark' });
  });

  it('takes nothing off the primary when the record was too large to keep the copied values', async () => {
    tenant.users.get('google-oauth2|s0')!.user_metadata = { lang: 'l0', blob: 'x'.repeat(5000) };
    await apply();
    expect(backfillRecords('auth0|p0')).toEqual([expect.objectContaining({ too_large: true })]);

    const result = await unlinkS0();
    expect(result).toMatchObject({ notRestored: 'record_too_large', withdrawn: {} });
    expect(tenant.users.get('auth0|p0')?.user_metadata).toEqual({ lang: 'l0', blob: 'x'.repeat(5000) });
  });

  it('keeps a decline written to the primary between its first read and its own write', async () => {
    await apply();
    let reads = 0;
    tenant.after('get-user', (path) => {
      if (!path.endsWith('auth0|p0') || ++reads > 1) return;
      const primary = tenant.users.get('auth0|p0')!;
      primary.app_metadata = { ...primary.app_metadata, [ACCOUNT_LINKING_KEY]: { declined: ['github|7'] } };
    });
    await unlinkS0();
    expect(tenant.users.get('auth0|p0')?.app_metadata?.[ACCOUNT_LINKING_KEY]).toEqual({
      declined: ['github|7', 'google-oauth2|s0'],
    });
  });

  it('gives back no empty user_metadata a record holds, so the account keeps what it has', async () => {
    await apply();
    const primary = tenant.users.get('auth0|p0')!;
    primary.app_metadata = {
      ...primary.app_metadata,
      account_linking_links: [
        {
          user_id: 'google-oauth2|s0',
          at: '2026-01-01T00:00:00.000Z',
          user_metadata: {},
          app_metadata: { plan: 'pro' },
        },
      ],
    };
    tenant.before('patch-user', (path) => {
      // A login of the unlinked account writes its metadata before the restore.
      if (path.endsWith('google-oauth2|s0'))
        tenant.users.get('google-oauth2|s0')!.user_metadata = { lang: 'fresh' };
    });
    const result = await unlinkS0();
    expect(result.restored).toEqual(['app_metadata']);
    expect(tenant.users.get('google-oauth2|s0')).toMatchObject({
      user_metadata: { lang: 'fresh' },
      app_metadata: { plan: 'pro' },
    });
  });
});

describe("the backfill's Management port", () => {
  const port = () => onTenant().createPort(parseBackfillEnv(env), 1, newRequestStats());

  it('clears metadata patched with an empty object, as Auth0 does', async () => {
    await port().patchUser('google-oauth2|s0', { user_metadata: {} });
    expect(tenant.users.get('google-oauth2|s0')?.user_metadata).toEqual({});
  });

  it('refuses a metadata field name holding a dot with 400, as Auth0 does', async () => {
    const error = await port()
      .patchUser('auth0|p0', { app_metadata: { records: { 'waad|j.doe@contoso.com': 1 } } })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'management_error', status: 400 });
    expect(tenant.users.get('auth0|p0')?.app_metadata).not.toHaveProperty('records');
  });
});
