import { beforeEach, describe, expect, it, vi } from 'vitest';
import { LoginDriver, useLoginTenant } from '../../support/login-driver.ts';
import type { ControlUser } from '../../support/tenant.ts';

const CALLBACK = 'https://app.test/callback';
const PASSWORD = 'correct-horse-battery';

let primary: ControlUser;
let secondary: ControlUser;

const site = useLoginTenant({ app: { callback: CALLBACK } });

beforeEach(async () => {
  [primary, secondary] = (await site.tenant.control.seedUsers([
    {
      connection: 'google-oauth2',
      email: 'alice@example.com',
      email_verified: true,
      created_at: '2020-01-01T00:00:00.000Z',
    },
    {
      connection: 'Username-Password-Authentication',
      email: 'alice@example.com',
      email_verified: true,
      password: PASSWORD,
    },
  ])) as [ControlUser, ControlUser];
});

function linkSecondaryIntoPrimary() {
  const [identity] = secondary.identities;
  return site.api('POST', `/users/${encodeURIComponent(primary.user_id)}/identities`, {
    provider: identity?.provider,
    user_id: identity?.user_id,
  });
}

describe('a login whose user is linked into another user mid-login', () => {
  it('logs a password login in as the primary when its identity was linked during the password check', async () => {
    const users = site.tenant.context.store.users;
    const passwordHash = users.passwordHash.bind(users);
    // The hash is read just before the asynchronous scrypt check: the link lands while it runs.
    vi.spyOn(users, 'passwordHash').mockImplementationOnce((identity) => {
      const hash = passwordHash(identity);
      const [own] = secondary.identities;
      users.link(primary.user_id, { provider: own?.provider ?? '', user_id: own?.user_id ?? '' });
      return hash;
    });
    const browser = new LoginDriver(site.tenant);
    const { location, verifier } = await browser.loginWithPassword(site.app, 'alice@example.com', PASSWORD);
    expect(location.searchParams.get('error')).toBeNull();
    const { claims } = await browser.exchange(site.app, location, verifier);
    expect(claims.sub).toBe(primary.user_id);
  });

  it('refuses the code of a user linked into another before the exchange, as Auth0 does without setPrimaryUser', async () => {
    const browser = new LoginDriver(site.tenant);
    const { location, verifier } = await browser.loginWithPassword(site.app, 'alice@example.com', PASSWORD);
    expect((await linkSecondaryIntoPrimary()).status).toBe(201);
    await expect(browser.exchange(site.app, location, verifier)).rejects.toThrow(/invalid_grant/);
  });

  it('logs the linked identity in as its primary at its next login', async () => {
    expect((await linkSecondaryIntoPrimary()).status).toBe(201);
    const browser = new LoginDriver(site.tenant);
    const { location, verifier } = await browser.loginWithPassword(site.app, 'alice@example.com', PASSWORD);
    const { claims } = await browser.exchange(site.app, location, verifier);
    expect(claims.sub).toBe(primary.user_id);
  });
});
