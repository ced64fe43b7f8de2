import { describe, expect, it } from 'vitest';
import { runLoad } from '../../support/login-load.ts';
import { type TestTenant, useTestTenant } from '../../support/tenant.ts';

let tenant: TestTenant;

useTestTenant((started) => {
  tenant = started;
});

// Issue 15: figures (unlinked share, p99, the Actions' longest run) are printed by `npm run bench`, not asserted.
describe('20 duplicate clusters logging in at once with 20% of Management answers 429/503 under a tight rate limit, then again', () => {
  it('completes every login, ends with one primary per cluster holding every verified identity, and touches no unverified or blocked user', async () => {
    const result = await runLoad(tenant);
    expect(result.violations).toEqual([]);
    for (const wave of result.waves) expect(wave.logins.length).toBeGreaterThanOrEqual(100);
    expect(result.faultsInjected).toBeGreaterThan(0);
  }, 240_000);
});
