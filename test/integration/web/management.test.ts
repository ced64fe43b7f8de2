import { describe, expect, it } from 'vitest';
import { ManagementApiError } from '../../../core/management-client.ts';
import { parseWebConfig } from '../../../web/config.ts';
import {
  createWebManagementClient,
  managementFailure,
  type WebManagementPort,
} from '../../../web/management.ts';
import { type TestTenant, useTestTenant } from '../../support/tenant.ts';
import { rejectionBy } from '../../support/thrown.ts';

let tenant: TestTenant;
let management: WebManagementPort;

useTestTenant((started) => {
  tenant = started;
  const config = parseWebConfig({
    AUTH0_DOMAIN: tenant.domain,
    WEB_URL: 'http://localhost:3000',
    WEB_CLIENT_ID: tenant.clientId,
    WEB_CLIENT_SECRET: tenant.clientSecret,
    REAUTH_CLIENT_ID: 'reauth-client',
    REAUTH_CLIENT_SECRET: 'reauth-secret',
    SESSION_TOKEN_SECRET: 'session-token-secret-0123456789-abcdef',
    COOKIE_SECRET: 'cookie-secret-0123456789-abcdefghijklmnop',
  });
  management = createWebManagementClient(config);
});

async function seedPair() {
  const [primary, secondary] = await tenant.control.seedUsers([
    {
      connection: 'Username-Password-Authentication',
      email: 'pat@example.com',
      email_verified: true,
      user_metadata: { lang: 'en' },
    },
    { connection: 'github', email: 'pat@example.com', email_verified: true },
  ]);
  return { primary: primary!, secondary: secondary! };
}

describe('the web app Management adapter against the local tenant', () => {
  it('reads a user with identities and metadata', async () => {
    const { primary } = await seedPair();
    const user = await management.getUser(primary.user_id);
    expect(user.user_id).toBe(primary.user_id);
    expect(user.user_metadata).toEqual({ lang: 'en' });
    expect(user.identities[0]?.connection).toBe('Username-Password-Authentication');
  });

  it('links and unlinks an identity by provider and provider-local id', async () => {
    const { primary, secondary } = await seedPair();
    const identity = secondary.identities[0]!;
    await management.linkIdentity(primary.user_id, {
      provider: identity.provider,
      user_id: identity.user_id,
    });
    expect((await management.getUser(primary.user_id)).identities).toHaveLength(2);
    await management.unlinkIdentity(primary.user_id, identity.provider, identity.user_id);
    expect((await management.getUser(primary.user_id)).identities).toHaveLength(1);
    expect((await management.getUser(secondary.user_id)).user_id).toBe(secondary.user_id);
  });

  it('finds users by their exact email, with their identities', async () => {
    const { primary, secondary } = await seedPair();
    const found = await management.usersByEmail('pat@example.com');
    expect(found.map((user) => user.user_id).sort()).toEqual([primary.user_id, secondary.user_id].sort());
    expect(found.find((user) => user.user_id === secondary.user_id)?.identities[0]?.connection).toBe(
      'github',
    );
    expect(await management.usersByEmail('Pat@example.com')).toEqual([]);
  });

  it('merges metadata at the first level with a patch', async () => {
    const { primary } = await seedPair();
    await management.updateUser(primary.user_id, { user_metadata: { city: 'Oslo' } });
    expect((await management.getUser(primary.user_id)).user_metadata).toEqual({ lang: 'en', city: 'Oslo' });
  });

  it('reports a missing user as not found, naming the endpoint', async () => {
    const error = await rejectionBy(ManagementApiError, management.getUser('auth0|nobody'));
    expect(managementFailure(error)).toBe('not_found');
    expect(error).toMatchObject({ code: 'management_error', status: 404 });
    expect(error.message).toContain('GET /users/{id} failed with 404');
  });

  it('reports a 429 that outlasts the retry as rate limited', async () => {
    const { primary } = await seedPair();
    await tenant.control.setFaults([{ route: 'GET /api/v2/users/*', status: 429, count: 5 }]);
    const error = await rejectionBy(ManagementApiError, management.getUser(primary.user_id));
    expect(managementFailure(error)).toBe('rate_limited');
  });
});
