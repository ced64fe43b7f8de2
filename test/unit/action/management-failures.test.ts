import { describe, expect, it } from 'vitest';
import type { InProcessTenant } from '../../support/in-process-tenant.ts';
import { googleUser, login, secrets, tenantWithPasswordUser } from './harness.ts';

// A file of its own: the time-outs wait out the Action's real 4 s attempt timeout, and here they do it beside the
// other Action tests instead of after them.
describe('Management API failures never break a login', () => {
  const STEPS = ['token', 'users-by-email', 'patch-user', 'link'] as const;
  const loginWithPlan = (fake: InProcessTenant) =>
    login(fake, { user: { ...googleUser, user_metadata: { plan: 'pro' } }, secrets: secrets(fake) });

  it.each(STEPS)('waits for Retry-After when %s answers 429 and then links', async (route) => {
    const fake = tenantWithPasswordUser({ plan: 'pro' });
    fake.fail(route, { status: 429, retryAfter: 0.05 });
    const { outcome } = await loginWithPlan(fake);
    expect(outcome.primaryUserId).toBe('auth0|old');
    expect(fake.callsTo(route)).toBe(2);
  });

  it.each(STEPS)('logs in unlinked with a consistent state when %s keeps failing with 503', async (route) => {
    const fake = tenantWithPasswordUser({ plan: 'pro' });
    fake.fail(route, { status: 503 }, { status: 503 }, { status: 503 });
    const { outcome, decisions } = await loginWithPlan(fake);
    expect(outcome.denied).toBeUndefined();
    expect(outcome.primaryUserId).toBeUndefined();
    expect(fake.users.get('google-oauth2|1001')).toBeDefined();
    expect(decisions.at(-1)).toMatchObject({ decision: 'unlinked', reason: 'management_error' });
    const repaired = await loginWithPlan(fake);
    expect(repaired.outcome.primaryUserId).toBe('auth0|old');
    expect(fake.users.get('auth0|old')?.user_metadata).toMatchObject({ plan: 'pro' });
  });

  it.each(STEPS)('logs in unlinked when %s answers malformed JSON', async (route) => {
    const fake = tenantWithPasswordUser({ plan: 'pro' });
    fake.fail(route, { malformed: true });
    const { outcome } = await loginWithPlan(fake);
    expect(outcome.denied).toBeUndefined();
    expect(outcome.primaryUserId).toBeUndefined();
  });

  it.each(STEPS)(
    'retries when %s times out and then links',
    async (route) => {
      const fake = tenantWithPasswordUser({ plan: 'pro' });
      fake.fail(route, { latencyMs: 60_000 });
      const { outcome } = await loginWithPlan(fake);
      expect(outcome.primaryUserId).toBe('auth0|old');
      expect(fake.users.get('auth0|old')?.user_metadata).toMatchObject({ plan: 'pro' });
    },
    15_000,
  );
});
