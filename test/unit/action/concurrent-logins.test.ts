import { describe, expect, it } from 'vitest';
import { LOGIN_IN_FLIGHT_MS } from '../../../core/policy.ts';
import { InProcessTenant } from '../../support/in-process-tenant.ts';
import { makeUser } from '../../support/users.ts';
import { continueWith, linkProof, login, NEW, OLD, secrets } from './harness.ts';

const older = { user_id: 'auth0|old', email: 'alice@example.com', email_verified: true, created_at: OLD };
const newer = {
  user_id: 'google-oauth2|1001',
  email: 'alice@example.com',
  email_verified: true,
  created_at: NEW,
};
const secondsAgo = (seconds: number) => new Date(Date.now() - seconds * 1000).toISOString();

/** The older password account and a newer Google account that last logged in at `lastLogin`. */
function tenant(lastLogin: string | undefined) {
  return new InProcessTenant().seed(
    makeUser('auth0|old', { created_at: OLD }),
    makeUser('google-oauth2|1001', {
      created_at: NEW,
      user_metadata: { plan: 'pro' },
      ...(lastLogin === undefined ? {} : { last_login: lastLogin }),
    }),
  );
}

/** The older account logs in: its Action would link the newer account, which is not the one logging in. */
const olderLogsIn = (fake: InProcessTenant) => login(fake, { user: older, secrets: secrets(fake) });

function googleStartsLogin(fake: InProcessTenant): void {
  const google = fake.users.get('google-oauth2|1001');
  if (google !== undefined) google.last_login = new Date().toISOString();
}

function googleLinkedInto(fake: InProcessTenant): void {
  fake.users.delete('google-oauth2|1001');
  fake.users.get('auth0|old')?.identities?.push({
    provider: 'google-oauth2',
    user_id: '1001',
    connection: 'google-oauth2',
    isSocial: true,
    profileData: { email: 'alice@example.com' },
  });
}

/** The older account's login skips the link (after `links` link requests): the newer account's own login started. */
async function expectLinkCalledOff(fake: InProcessTenant, links: number): Promise<void> {
  const { decisions } = await olderLogsIn(fake);
  expect(fake.callsTo('link')).toBe(links);
  expect(fake.users.get('google-oauth2|1001')).toBeDefined();
  expect(decisions.at(-1)).toMatchObject({ decision: 'skip', reason: 'secondary_login_in_flight' });
}

describe('an account whose own login may be under way is never linked into another login', () => {
  it('defers linking an account that logged in within the last minute, writing nothing', async () => {
    const fake = tenant(secondsAgo(5));
    const { outcome, decisions } = await olderLogsIn(fake);
    expect(fake.users.get('google-oauth2|1001')).toBeDefined();
    expect(fake.callsTo('patch-user') + fake.callsTo('link')).toBe(0);
    expect(outcome.primaryUserId).toBeUndefined();
    expect(decisions.at(-1)).toMatchObject({ decision: 'skip', reason: 'secondary_login_in_flight' });
  });

  it('links an account whose last login is older than the in-flight window', async () => {
    const fake = tenant(secondsAgo(LOGIN_IN_FLIGHT_MS / 1000 + 5));
    const { decisions } = await olderLogsIn(fake);
    expect(fake.users.get('auth0|old')?.identities).toHaveLength(2);
    expect(decisions.at(-1)).toMatchObject({ decision: 'linked' });
  });

  it('calls the link off when the account starts a login while this one merges metadata', async () => {
    const fake = tenant(undefined);
    fake.afterNext('patch-user', () => googleStartsLogin(fake));
    await expectLinkCalledOff(fake, 0);
  });

  it('reads the account again before a retried link, seeing a login that started during the wait', async () => {
    const fake = tenant(undefined);
    fake.fail('link', { status: 429, retryAfter: 0 });
    fake.afterNext('link', () => googleStartsLogin(fake));
    await expectLinkCalledOff(fake, 1);
  });

  it('still links the account a consent round trip just proven, though that proof was a login', async () => {
    const fake = tenant(secondsAgo(1));
    const proof = linkProof({ sub: older.user_id, decision: 'link', linked_user_id: 'google-oauth2|1001' });
    const { decisions } = await continueWith(fake, proof, {
      user: older,
      settings: { AUTO_LINK_CONNECTIONS: '' },
    });
    expect(fake.users.get('auth0|old')?.identities).toHaveLength(2);
    expect(decisions.at(-1)).toMatchObject({ decision: 'linked', via: 'consent' });
  });
});

describe('a login that fails never points at a user a concurrent login linked away', () => {
  const newerLogsIn = (fake: InProcessTenant) => login(fake, { user: newer, secrets: secrets(fake) });

  it('switches to the primary when the Management API fails after a concurrent login linked this user', async () => {
    const fake = tenant(undefined);
    googleLinkedInto(fake);
    fake.fail('users-by-email', { status: 503 }, { status: 503 }, { status: 503 });
    const { outcome, decisions } = await newerLogsIn(fake);
    expect(outcome.primaryUserId).toBe('auth0|old');
    expect(decisions.at(-1)).toMatchObject({ decision: 'already-linked', via: 'resolved' });
  });

  it('switches to the primary when its own link was applied but the answer was lost', async () => {
    const fake = tenant(undefined);
    fake.afterNext('link', () => googleLinkedInto(fake));
    fake.fail('link', { status: 503 }, { status: 503 }, { status: 503 });
    const { outcome } = await newerLogsIn(fake);
    expect(outcome.primaryUserId).toBe('auth0|old');
  });

  it('logs in unlinked as itself when the failed login finds its user still a user', async () => {
    const fake = tenant(undefined);
    fake.fail('users-by-email', { status: 503 }, { status: 503 }, { status: 503 });
    const { outcome, decisions } = await newerLogsIn(fake);
    expect(outcome.primaryUserId).toBeUndefined();
    expect(decisions.at(-1)).toMatchObject({ decision: 'unlinked', reason: 'management_error' });
    expect(decisions.at(-1)).not.toHaveProperty('still_a_user');
  });

  it('logs in unlinked, saying so, when it cannot tell whether it was linked away', async () => {
    const fake = tenant(undefined);
    googleLinkedInto(fake);
    fake.fail('users-by-email', { status: 503 }, { status: 503 }, { status: 503 });
    fake.fail('get-user', { status: 503 }, { status: 503 }, { status: 503 });
    const { outcome, decisions } = await newerLogsIn(fake);
    expect(outcome.primaryUserId).toBeUndefined();
    expect(outcome.denied).toBeUndefined();
    expect(decisions.at(-1)).toMatchObject({ decision: 'unlinked', still_a_user: 'unknown' });
  });
});
