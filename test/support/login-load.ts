import { readFile } from 'node:fs/promises';
import { ACTION_BUNDLE, buildAction } from '../../scripts/build-action.ts';
import {
  bootstrapManagement,
  deployWithManagementClient,
  type LoginApp,
  LoginDriver,
  registerApp,
} from './login-driver.ts';
import type { ControlUser, FaultRule, RateLimitConfig, SeedUser, TestTenant } from './tenant.ts';

/**
 * A busy tenant's worst moment (issue 15): duplicate clusters whose every account logs in at once, twice, while
 * the Management API fails and rate-limits. The integration test asserts the outcome; `npm run bench` prints it.
 */
export interface LoadOptions {
  clusters: number;
  rateLimit: RateLimitConfig;
  /** Share of Management API requests answered 429 (`Retry-After: 1`) or 503, half each. */
  faultRate: number;
}

export const ISSUE_15_LOAD: LoadOptions = {
  clusters: 20,
  rateLimit: { rps: 20, burst: 40 },
  faultRate: 0.2,
};

const CALLBACK = 'https://app.load/callback';
const PASSWORD = 'load-password-0123';
const DATABASE = 'Username-Password-Authentication';
/** Verified accounts of a cluster, one connection each; odd clusters have the fifth. */
const VERIFIED_CONNECTIONS = [DATABASE, 'google-oauth2', 'github', 'acme-oidc', 'linkedin'];
const UNVERIFIED_CONNECTION = 'apple';
const BLOCKED_CONNECTION = 'twitter';
const EXTRA_SOCIAL_CONNECTIONS = ['linkedin', 'apple', 'twitter'];

interface Account {
  cluster: number;
  connection: string;
  email: string;
  kind: 'verified' | 'unverified' | 'blocked';
  seeded: ControlUser;
}

export interface Cluster {
  email: string;
  accounts: Account[];
  /** The oldest verified, unblocked account. */
  primary: Account;
}

export interface LoginResult {
  account: Account;
  ms: number;
  sub?: string;
  error?: string;
}

export interface WaveResult {
  logins: LoginResult[];
  /** Logins of verified accounts whose tokens do not name their cluster's primary. */
  unlinked: number;
}

export interface LoadResult {
  waves: WaveResult[];
  /** Every broken rule of the end state, one sentence each; empty when the tenant ended right. */
  violations: string[];
  actionRunsMs: number[];
  faultsInjected: number;
}

function isoYear(year: number, day: number): string {
  return new Date(Date.UTC(year, 0, 1 + day)).toISOString();
}

function clusterSeeds(index: number): Array<SeedUser & { kind: Account['kind'] }> {
  const email = `member${index}@example.com`;
  const verified = VERIFIED_CONNECTIONS.slice(0, index % 2 === 0 ? 4 : 5);
  // Rotate the ages so each connection is the primary of some clusters; the blocked and the unverified accounts
  // are older still, and must never become the primary.
  const rotated = verified.map((_, k) => verified[(k + index) % verified.length] ?? DATABASE);
  const seeds: Array<SeedUser & { kind: Account['kind'] }> = [
    { kind: 'blocked', connection: BLOCKED_CONNECTION, email, email_verified: true, blocked: true },
    { kind: 'unverified', connection: UNVERIFIED_CONNECTION, email, email_verified: false },
    ...rotated.map((connection) => ({ kind: 'verified' as const, connection, email, email_verified: true })),
  ];
  return seeds.map((seed, age) => ({
    ...seed,
    created_at: isoYear(2015 + age, index),
    user_metadata: { [`from_${seed.connection.replace(/\W/g, '_')}`]: true, shared: seed.connection },
    ...(seed.connection === DATABASE ? { password: PASSWORD } : {}),
  }));
}

/** A fresh tenant state: the built Action bound and trusting every connection, the clusters seeded. */
export async function prepareLoad(
  tenant: TestTenant,
  options: LoadOptions,
): Promise<{ app: LoginApp; clusters: Cluster[] }> {
  await tenant.control.reset({ all: true });
  await buildAction();
  const api = await bootstrapManagement(tenant);
  for (const name of EXTRA_SOCIAL_CONNECTIONS) {
    const created = await api('POST', '/connections', { name, strategy: name });
    if (created.status !== 201) throw new Error(`connection ${name}: ${JSON.stringify(created.body)}`);
  }
  const app = await registerApp(api, CALLBACK);
  await deployWithManagementClient(tenant, api, await readFile(ACTION_BUNDLE, 'utf8'), {
    AUTO_LINK_CONNECTIONS: '*',
  });
  const clusters: Cluster[] = [];
  for (let index = 0; index < options.clusters; index++) {
    const seeds = clusterSeeds(index);
    const users = await tenant.control.seedUsers(seeds.map(({ kind: _, ...seed }) => seed));
    const accounts = seeds.map((seed, k) => ({
      cluster: index,
      connection: seed.connection,
      email: seed.email ?? '',
      kind: seed.kind,
      seeded: users[k] as ControlUser,
    }));
    const primary = accounts.find((account) => account.kind === 'verified');
    if (primary === undefined) throw new Error('a cluster without a verified account');
    clusters.push({ email: seeds[0]?.email ?? '', accounts, primary });
  }
  await tenant.control.setRateLimit(options.rateLimit);
  const share = options.faultRate / 2;
  const faults: FaultRule[] = [
    { route: '* /api/v2/*', status: 429, rate: share, retryAfter: 1 },
    { route: '* /api/v2/*', status: 503, rate: share / (1 - share) },
  ];
  await tenant.control.setFaults(faults);
  return { app, clusters };
}

async function loginOnce(tenant: TestTenant, app: LoginApp, account: Account): Promise<LoginResult> {
  const started = performance.now();
  const browser = new LoginDriver(tenant);
  try {
    const { location, verifier } =
      account.connection === DATABASE
        ? await browser.loginWithPassword(app, account.email, PASSWORD)
        : await browser.login(app, account.connection, account.email, {}, account.kind === 'verified');
    const { claims } = await browser.exchange(app, location, verifier);
    return { account, ms: performance.now() - started, sub: String(claims.sub) };
  } catch (error) {
    return { account, ms: performance.now() - started, error: (error as Error).message };
  }
}

/**
 * Every account that can log in (all but the blocked) logs in, each in its own browser: all at the same moment, or
 * one every `spacingMs`.
 */
export async function runWave(
  tenant: TestTenant,
  app: LoginApp,
  clusters: Cluster[],
  spacingMs = 0,
): Promise<WaveResult> {
  const accounts = clusters.flatMap((cluster) =>
    cluster.accounts.filter((account) => account.kind !== 'blocked'),
  );
  const logins = await Promise.all(
    accounts.map(async (account, index) => {
      if (spacingMs > 0) await new Promise((resolve) => setTimeout(resolve, index * spacingMs));
      return loginOnce(tenant, app, account);
    }),
  );
  const unlinked = logins.filter((login) => {
    const cluster = clusters[login.account.cluster];
    return login.account.kind === 'verified' && login.sub !== cluster?.primary.seeded.user_id;
  }).length;
  return { logins, unlinked };
}

const identityKey = (identity: { provider: string; user_id: string }) =>
  `${identity.provider}|${identity.user_id}`;

/** What must hold at the end, whatever failed on the way. */
export function endStateViolations(clusters: Cluster[], users: ControlUser[]): string[] {
  const violations: string[] = [];
  const holders = new Map<string, string[]>();
  for (const user of users) {
    for (const identity of user.identities) {
      holders.set(identityKey(identity), [...(holders.get(identityKey(identity)) ?? []), user.user_id]);
    }
  }
  for (const [identity, owners] of holders) {
    if (owners.length > 1) violations.push(`identity ${identity} is held by ${owners.join(' and ')}`);
  }
  const byId = new Map(users.map((user) => [user.user_id, user]));
  for (const cluster of clusters) {
    const primary = byId.get(cluster.primary.seeded.user_id);
    if (primary === undefined) {
      violations.push(`${cluster.email}: the primary ${cluster.primary.seeded.user_id} is no longer a user`);
      continue;
    }
    const held = new Set(primary.identities.map(identityKey));
    for (const account of cluster.accounts) {
      const own = account.seeded.identities[0];
      if (own === undefined) continue;
      if (account.kind === 'verified' && !held.has(identityKey(own)))
        violations.push(`${cluster.email}: the primary does not hold ${identityKey(own)}`);
      if (account.kind !== 'verified') {
        const user = byId.get(account.seeded.user_id);
        if (user === undefined || user.identities.length !== 1 || held.has(identityKey(own)))
          violations.push(`${cluster.email}: the ${account.kind} account ${identityKey(own)} was linked`);
        else if (JSON.stringify(user.user_metadata) !== JSON.stringify(account.seeded.user_metadata))
          violations.push(`${cluster.email}: the ${account.kind} account's metadata changed`);
      }
    }
    const verified = cluster.accounts.filter((account) => account.kind === 'verified');
    const expectedKeys = verified.map((account) => Object.keys(account.seeded.user_metadata ?? {})[0]);
    const metadata = primary.user_metadata ?? {};
    if (expectedKeys.some((key) => key === undefined || metadata[key] !== true))
      violations.push(`${cluster.email}: the primary lacks a secondary's user_metadata`);
    if (metadata.shared !== cluster.primary.connection)
      violations.push(`${cluster.email}: a secondary's user_metadata overwrote the primary's`);
  }
  return violations;
}

/**
 * Wave 1: every account at once, under faults and the tight rate limit; a login may end unlinked (allowed). Wave 2:
 * every account again, without injected faults, at the pace the rate limit carries (three Management calls a
 * login), so that every account left unlinked must be linked by its own login: the end state can then be asserted.
 */
export async function runLoad(tenant: TestTenant, options: LoadOptions = ISSUE_15_LOAD): Promise<LoadResult> {
  const { app, clusters } = await prepareLoad(tenant, options);
  const first = await runWave(tenant, app, clusters);
  await tenant.control.setFaults([]);
  const waves = [first, await runWave(tenant, app, clusters, (3 * 1000) / options.rateLimit.rps)];
  const events = await tenant.control.events();
  const violations = endStateViolations(clusters, await tenant.control.users());
  for (const [index, wave] of waves.entries()) {
    for (const login of wave.logins) {
      if (login.error !== undefined)
        violations.push(`wave ${index + 1}: a login of ${login.account.connection} failed: ${login.error}`);
    }
  }
  return {
    waves,
    violations,
    actionRunsMs: events.flatMap((event) =>
      event.type === 'action' && event.duration_ms !== undefined ? [event.duration_ms] : [],
    ),
    faultsInjected: events.filter((event) => event.type === 'fault').length,
  };
}
