import type { ManagementClient } from 'auth0';
import { describe, expect, it } from 'vitest';
import type { ControlUser, TestTenant } from '../../support/tenant.ts';
import { rejectionOf, useManagedTenant } from './helpers.ts';

let tenant: TestTenant;
let management: ManagementClient;

useManagedTenant((t, m) => {
  [tenant, management] = [t, m];
});

async function seedPair(): Promise<{ primary: ControlUser; secondary: ControlUser }> {
  const [primary, secondary] = await tenant.control.seedUsers([
    {
      connection: 'Username-Password-Authentication',
      email: 'pat@example.com',
      email_verified: true,
      created_at: '2020-01-01T00:00:00.000Z',
      user_metadata: { lang: 'en' },
    },
    {
      connection: 'google-oauth2',
      email: 'pat@example.com',
      email_verified: true,
      name: 'Pat G',
      user_metadata: { gone: true },
    },
  ]);
  return { primary: primary!, secondary: secondary! };
}

describe('linking accounts (POST /users/{id}/identities)', () => {
  it('links with the provider-local id: 201, secondary appended with profileData, no longer a user', async () => {
    const { primary, secondary } = await seedPair();
    const local = secondary.identities[0]!.user_id;
    const identities = await management.users.identities.link(primary.user_id, {
      provider: 'google-oauth2',
      user_id: local,
    });
    expect(identities).toEqual([
      primary.identities[0],
      {
        connection: 'google-oauth2',
        provider: 'google-oauth2',
        user_id: local,
        isSocial: true,
        profileData: { email: 'pat@example.com', email_verified: true, name: 'Pat G', nickname: 'pat' },
      },
    ]);
    expect((await rejectionOf(management.users.get(secondary.user_id))).statusCode).toBe(404);
    const found = await management.users.listUsersByEmail({ email: 'pat@example.com' });
    expect(found.map((u) => u.user_id)).toEqual([primary.user_id]);
    expect(found[0]!.user_metadata).toEqual({ lang: 'en' });
  });

  it('links with the prefixed provider|id form too', async () => {
    const { primary, secondary } = await seedPair();
    const identities = await management.users.identities.link(primary.user_id, {
      provider: 'google-oauth2',
      user_id: secondary.user_id,
    });
    expect(identities.map((i) => `${i.provider}|${i.user_id}`)).toEqual([primary.user_id, secondary.user_id]);
  });

  it('splits enterprise ids on the first | only (oidc|acme-oidc|jdoe)', async () => {
    const [primary, enterprise] = await tenant.control.seedUsers([
      { connection: 'github', email: 'jdoe@acme.test', email_verified: true },
      { connection: 'acme-oidc', user_id: 'jdoe', email: 'jdoe@acme.test' },
    ]);
    expect(enterprise!.user_id).toBe('oidc|acme-oidc|jdoe');
    expect(enterprise!.identities[0]!.user_id).toBe('acme-oidc|jdoe');
    const byLocal = await management.users.identities.link(primary!.user_id, {
      provider: 'oidc',
      user_id: 'acme-oidc|jdoe',
    });
    expect(byLocal[1]).toMatchObject({
      provider: 'oidc',
      user_id: 'acme-oidc|jdoe',
      connection: 'acme-oidc',
    });
    await management.users.identities.delete(primary!.user_id, 'oidc', 'acme-oidc|jdoe');
    const byPrefixed = await management.users.identities.link(primary!.user_id, {
      provider: 'oidc',
      user_id: 'oidc|acme-oidc|jdoe',
    });
    expect(byPrefixed[1]).toMatchObject({ provider: 'oidc', user_id: 'acme-oidc|jdoe' });
  });

  it('refuses to link a user to itself with 400', async () => {
    const { primary } = await seedPair();
    const error = await rejectionOf(
      management.users.identities.link(primary.user_id, {
        provider: 'auth0',
        user_id: primary.identities[0]!.user_id,
      }),
    );
    expect(error.statusCode).toBe(400);
    expect(error.body).toMatchObject({
      statusCode: 400,
      error: 'Bad Request',
      message: 'Main identity and the new one are the same.',
    });
  });

  it('answers 404 inexistent_user for an unknown primary or secondary', async () => {
    const { primary, secondary } = await seedPair();
    const unknownPrimary = await rejectionOf(
      management.users.identities.link('auth0|000000000000000000000000', {
        provider: 'google-oauth2',
        user_id: secondary.identities[0]!.user_id,
      }),
    );
    expect(unknownPrimary.statusCode).toBe(404);
    expect(unknownPrimary.body).toMatchObject({
      errorCode: 'inexistent_user',
      message: 'The user does not exist.',
    });
    const unknownSecondary = await rejectionOf(
      management.users.identities.link(primary.user_id, { provider: 'github', user_id: '42' }),
    );
    expect(unknownSecondary.statusCode).toBe(404);
  });

  it('answers 409 when the secondary is already linked, or when the primary is itself a linked secondary', async () => {
    const { primary, secondary } = await seedPair();
    const ref = { provider: 'google-oauth2' as const, user_id: secondary.identities[0]!.user_id };
    await management.users.identities.link(primary.user_id, ref);
    const again = await rejectionOf(management.users.identities.link(primary.user_id, ref));
    expect(again.statusCode).toBe(409);
    expect(again.body).toMatchObject({ statusCode: 409, error: 'Conflict' });
    const [other] = await tenant.control.seedUsers([{ connection: 'github', email: 'o@example.com' }]);
    const intoSecondary = await rejectionOf(
      management.users.identities.link(secondary.user_id, {
        provider: 'github',
        user_id: other!.identities[0]!.user_id,
      }),
    );
    expect(intoSecondary.statusCode).toBe(409);
  });
});

describe('unlinking accounts (DELETE /users/{id}/identities/{provider}/{user_id})', () => {
  it('returns the remaining identities and brings the secondary back as a user with empty metadata', async () => {
    const { primary, secondary } = await seedPair();
    const local = secondary.identities[0]!.user_id;
    await management.users.identities.link(primary.user_id, { provider: 'google-oauth2', user_id: local });
    const remaining = await management.users.identities.delete(primary.user_id, 'google-oauth2', local);
    expect(remaining).toEqual([primary.identities[0]]);
    const restored = await management.users.get(secondary.user_id);
    expect(restored).toMatchObject({
      user_id: secondary.user_id,
      email: 'pat@example.com',
      email_verified: true,
    });
    expect(restored.identities).toEqual([
      { connection: 'google-oauth2', provider: 'google-oauth2', user_id: local, isSocial: true },
    ]);
    expect(restored).not.toHaveProperty('user_metadata');
    expect(restored).not.toHaveProperty('app_metadata');
  });
});
