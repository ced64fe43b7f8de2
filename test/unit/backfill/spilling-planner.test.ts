import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CONFIG_DEFAULTS } from '../../../core/config.ts';
import { MAX_LINK_CANDIDATES } from '../../../core/policy.ts';
import { BackfillError } from '../../../scripts/backfill/errors.ts';
import { type GroupPlanner, writePlan } from '../../../scripts/backfill/plan.ts';
import { planHeader } from '../../../scripts/backfill/plan-file.ts';
import { DuplicatePlanner, type GroupPlan, type PlanPolicy } from '../../../scripts/backfill/planner.ts';
import { SpillingPlanner } from '../../../scripts/backfill/spilling-planner.ts';
import { GENERATED_CONNECTIONS, generatedUser } from '../../support/generated-export.ts';
import { makeUser } from '../../support/users.ts';

const policy: PlanPolicy = {
  autoLinkConnections: GENERATED_CONNECTIONS,
  mergeAppMetadataKeys: [],
  primaryPolicy: CONFIG_DEFAULTS.primaryPolicy,
};
const at = (n: number) => new Date(Date.UTC(2019, 0, 1) + n * 1000).toISOString();

/** What the generated export lacks: every other path of the policy, and emails JSON must escape. */
function edgeCases(): object[] {
  const user = (id: string, n: number, overrides: Parameters<typeof makeUser>[1]) =>
    makeUser(id, { created_at: at(n), ...overrides });
  return [
    { user_id: 'auth0|no-email', email_verified: true },
    user('auth0|empty-email', 1, { email: '' }),
    // Case variants none of which is the lower-cased form: each spelling its own group.
    user('google-oauth2|v1', 2, { email: 'Mixed@Example.com' }),
    user('github|v2', 3, { email: 'MIXED@example.com' }),
    user('google-oauth2|v3', 4, { email: 'Mixed@Example.com' }),
    user('github|v4', 5, { email: 'MIXED@example.com' }),
    // A variant neither login finds, beside the lower-cased form.
    user('google-oauth2|c1', 6, { email: 'Case@x.com' }),
    user('auth0|c2', 7, { email: 'case@x.com' }),
    user('github|c3', 8, { email: 'CASE@x.com' }),
    user('auth0|blocked', 9, { email: 'blocked@x.com', blocked: true }),
    user('google-oauth2|blocked2', 10, { email: 'blocked@x.com' }),
    user('auth0|decliner', 11, { email: 'declined@x.com' }),
    user('google-oauth2|declined', 12, {
      email: 'declined@x.com',
      app_metadata: { account_linking: { declined: ['auth0|decliner'] } },
    }),
    user('auth0|trojan', 13, {
      email: 'trojan@x.com',
      identities: [
        { provider: 'auth0', user_id: 'trojan', connection: 'Username-Password-Authentication' },
        { provider: 'github', user_id: '9', connection: 'github', profileData: { email: 'evil@x.com' } },
      ],
    }),
    user('google-oauth2|trojan2', 14, { email: 'trojan@x.com' }),
    user('auth0|ü', 15, { email: 'jürgen@x.com' }),
    user('google-oauth2|ü', 16, { email: 'jürgen@x.com' }),
    user('samlp|acme|untrusted', 17, { email: 'saml@x.com', connection: 'acme' }),
    user('auth0|saml-primary', 18, { email: 'saml@x.com' }),
    user('auth0|tab', 19, { email: 'tab\there@x.com' }),
    user('google-oauth2|tab', 20, { email: 'tab\there@x.com' }),
    user('auth0|newline', 21, { email: 'new\nline\u2028@x.com' }),
    user('google-oauth2|newline', 22, { email: 'new\nline\u2028@x.com' }),
    user('auth0|unverified', 23, { email: 'unverified@x.com', email_verified: false }),
    user('google-oauth2|unverified', 24, { email: 'unverified@x.com' }),
    ...Array.from({ length: MAX_LINK_CANDIDATES + 2 }, (_, i) =>
      user(`google-oauth2|crowd${i}`, 30 + i, { email: 'crowd@x.com' }),
    ),
  ];
}

/** The generated export with the edge cases spread through it. */
function* users(count: number): Generator<object> {
  const extra = edgeCases();
  const every = Math.floor(count / extra.length);
  for (let i = 0; i < count; i++) {
    yield generatedUser(i);
    if (i % every === 0 && extra.length > 0) yield extra.shift() as object;
  }
  yield* extra;
}

async function groupsOf(planner: GroupPlanner): Promise<GroupPlan[]> {
  const groups: GroupPlan[] = [];
  for await (const group of planner.plan(policy)) groups.push(group);
  return groups;
}

/** Each group as its JSON text, sorted: equal for two plans that differ only in group order. */
const orderAside = (groups: GroupPlan[]) => groups.map((group) => JSON.stringify(group)).sort();

let dir: string;
let opened: SpillingPlanner[];
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'spill-'));
  opened = [];
});
afterEach(() => {
  for (const planner of opened) planner.close();
  rmSync(dir, { recursive: true, force: true });
});

function spilling(options: ConstructorParameters<typeof SpillingPlanner>[1] = {}): SpillingPlanner {
  const planner = new SpillingPlanner(path.join(dir, 'plan.jsonl'), options);
  opened.push(planner);
  return planner;
}

describe('SpillingPlanner', () => {
  // Issue 16: the 1M-user comparison runs in `npm run bench` (bench/backfill.ts); this one is small enough for CI.
  it.each([
    ['partitions planned as they are', 32 << 20],
    ['partitions split again and again (a 4 KB limit)', 4096],
  ])(
    'plans the same groups and decisions as one in-memory DuplicatePlanner, order aside: %s',
    async (_, max) => {
      const inMemory = new DuplicatePlanner();
      const spill = spilling({ maxPartitionSize: max });
      for (const user of users(20_000)) {
        inMemory.add(user);
        spill.add(user);
      }
      const expected = await groupsOf(inMemory);
      const groups = await groupsOf(spill);
      expect(spill.counts).toEqual(inMemory.counts);
      expect(groups.length).toBeGreaterThan(2000);
      expect(orderAside(groups)).toEqual(orderAside(expected));
    },
    // 20,000 users planned by both planners: room for a machine shared by several test runs.
    30_000,
  );

  it('plans a single email bigger than the partition limit whole', async () => {
    const spill = spilling({ maxPartitionSize: 1024 });
    for (let i = 0; i < 200; i++) spill.add(makeUser(`google-oauth2|${i}`, { created_at: at(i) }));
    const [group, ...rest] = await groupsOf(spill);
    expect(rest).toEqual([]);
    expect(group).toMatchObject({ primary: 'google-oauth2|0', reason: 'too_many_candidates' });
    expect(group?.skipped).toHaveLength(199);
  });

  it('keeps a small tenant off the disk and removes its directory on close', async () => {
    const spill = spilling();
    spill.add(makeUser('auth0|a', { created_at: at(1) }));
    spill.add(makeUser('google-oauth2|b', { created_at: at(2) }));
    const [spillDir] = readdirSync(dir);
    expect(readdirSync(path.join(dir, spillDir ?? ''))).toEqual([]);
    expect(await groupsOf(spill)).toHaveLength(1);
    spill.close();
    expect(readdirSync(dir)).toEqual([]);
  });

  it('stops between two partitions on Ctrl-C: no plan, no staging file, no spill files once closed', async () => {
    const stop = new AbortController();
    const spill = spilling({ signal: stop.signal, progress: () => stop.abort() });
    for (const user of users(20_000)) spill.add(user);
    expect(readdirSync(dir)).toHaveLength(1);
    const out = path.join(dir, 'plan.jsonl');
    const error = await writePlan(spill, planHeader('t.example.com', policy, 'file', new Date()), out).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(BackfillError);
    expect(error).toMatchObject({ code: 'interrupted' });
    spill.close();
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(dir)).toEqual([]);
  });
});
