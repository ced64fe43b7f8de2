import { DEFAULT_DATA_DIR } from '../emulator/index.ts';
import { ensureProcessTrustsCa } from '../emulator/trust.ts';
import { ISSUE_15_LOAD, runLoad } from '../test/support/login-load.ts';
import { startTestTenant } from '../test/support/tenant.ts';
import { percentile } from './percentile.ts';

/** Auth0 stops a post-login Action after 20 s. */
const AUTH0_ACTION_LIMIT_MS = 20_000;

/**
 * Issue 15's load: 20 duplicate clusters logging in at once, twice, with 20% of Management API answers 429/503
 * under a tight rate limit. Fails, naming what broke, unless every login completed and the tenant ended right.
 */
export async function run(): Promise<void> {
  const tenant = await startTestTenant();
  try {
    const { rps, burst } = ISSUE_15_LOAD.rateLimit;
    const result = await runLoad(tenant);
    if (result.violations.length > 0)
      throw new Error(`concurrent logins broke:\n${result.violations.join('\n')}`);
    const [first, second] = result.waves;
    if (first === undefined || second === undefined) throw new Error('the load ran no waves');
    const logins = [...first.logins, ...second.logins];
    const completed = logins.filter((login) => login.error === undefined).length;
    const longest = Math.max(...result.actionRunsMs);
    console.log(`concurrency.rate_limit_rps: ${rps} req/s`);
    console.log(`concurrency.rate_limit_burst: ${burst} requests`);
    console.log(`concurrency.logins: ${logins.length} logins`);
    console.log(`concurrency.logins_completed: ${completed} logins`);
    console.log(`concurrency.faults_injected: ${result.faultsInjected} responses`);
    console.log(`concurrency.wave1_left_unlinked: ${first.unlinked} logins`);
    console.log(`concurrency.wave2_left_unlinked: ${second.unlinked} logins`);
    console.log(
      `concurrency.wave1_login_p99_ms: ${percentile(
        first.logins.map((l) => l.ms),
        99,
      ).toFixed(0)} ms`,
    );
    console.log(
      `concurrency.wave2_login_p99_ms: ${percentile(
        second.logins.map((l) => l.ms),
        99,
      ).toFixed(0)} ms`,
    );
    console.log(`concurrency.action_longest_run_ms: ${longest} ms`);
    console.log(
      `concurrency.action_longest_run_of_limit: ${(longest / AUTH0_ACTION_LIMIT_MS).toFixed(2)} ratio`,
    );
  } finally {
    await tenant.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await ensureProcessTrustsCa(DEFAULT_DATA_DIR);
  await run();
}
