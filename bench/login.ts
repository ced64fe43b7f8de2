import { readFile } from 'node:fs/promises';
import { DEFAULT_DATA_DIR, startTenant } from '../emulator/index.ts';
import { ensureProcessTrustsCa } from '../emulator/trust.ts';
import { ACTION_BUNDLE, buildAction } from '../scripts/build-action.ts';
import {
  bootstrapManagement,
  deployWithManagementClient,
  type LoginApp,
  LoginDriver,
  registerApp,
} from '../test/support/login-driver.ts';
import { percentile } from './percentile.ts';

const LOGINS = Number(process.env.BENCH_LOGINS ?? 150);
const CALLBACK = 'https://app.bench/callback';

/** Wall time of whole logins (authorize, login form, Actions, code exchange), one browser profile each. */
async function timeLogins(
  tenant: { url: string },
  app: LoginApp,
  emails: readonly string[],
): Promise<number[]> {
  const times: number[] = [];
  for (const email of emails) {
    const started = performance.now();
    const browser = new LoginDriver(tenant);
    const { location, verifier } = await browser.login(app, 'google-oauth2', email);
    await browser.exchange(app, location, verifier);
    times.push(performance.now() - started);
  }
  return times;
}

function report(name: string, times: number[]): void {
  console.log(`${name}_p50_ms: ${percentile(times, 50).toFixed(1)} ms`);
  console.log(`${name}_p99_ms: ${percentile(times, 99).toFixed(1)} ms`);
}

/** Full logins through the local tenant with the built Action bound, against the same logins with nothing bound. */
export async function run(): Promise<void> {
  await buildAction();
  const tenant = await startTenant({ port: 0, rateLimit: { rps: 1e6, burst: 1e6 }, actionBuildMs: 10 });
  try {
    const api = await bootstrapManagement(tenant);
    const app = await registerApp(api, CALLBACK);
    const people = (tag: string) => Array.from({ length: LOGINS }, (_, i) => `${tag}${i}@example.com`);

    await timeLogins(tenant, app, people('warmup').slice(0, 30));
    const baseline = await timeLogins(tenant, app, people('plain'));
    await deployWithManagementClient(tenant, api, await readFile(ACTION_BUNDLE, 'utf8'), {
      AUTO_LINK_CONNECTIONS: '*',
    });
    const noCandidate = await timeLogins(tenant, app, people('new'));
    const duplicates = people('dup');
    for (const email of duplicates) {
      await api('POST', '/users', {
        connection: 'Username-Password-Authentication',
        email,
        email_verified: true,
        password: 'bench-password-0123',
      });
    }
    const silentLink = await timeLogins(tenant, app, duplicates);
    const linked = tenant.context.store.users.list().filter((user) => user.identities.length === 2).length;
    if (linked !== LOGINS) throw new Error(`expected ${LOGINS} silent links, the tenant holds ${linked}`);
    report('baseline.emulator.login_no_action', baseline);
    report('emulator.login_action_no_candidate', noCandidate);
    report('emulator.login_action_silent_link', silentLink);
    console.log(
      `emulator.login_action_silent_link_p99_ratio: ${(percentile(silentLink, 99) / percentile(baseline, 99)).toFixed(2)} x`,
    );
  } finally {
    await tenant.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await ensureProcessTrustsCa(DEFAULT_DATA_DIR);
  await run();
}
