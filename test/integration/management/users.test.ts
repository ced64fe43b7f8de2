import type { ManagementClient } from 'auth0';
import { describe, expect, it } from 'vitest';
import type { TestTenant } from '../../support/tenant.ts';
import { rejectionOf, tokenWithScopes, useManagedTenant } from './helpers.ts';

let tenant: TestTenant;
let management: ManagementClient;

useManagedTenant((t, m) => {
  [tenant, management] = [t, m];
});

describe('Management API users over HTTPS with the auth0 SDK', () => {
  it('creates a database user with a lower-cased email, unverified by default', async () => {
    const user = await management.users.create({
      connection: 'Username-Password-Authentication',
      email: 'Jane.Doe@Example.com',
      password: 'correct horse battery staple',
      user_metadata: { theme: 'dark' },
    });
    expect(user.user_id).toMatch(/^auth0\|[0-9a-f]{24}$/);
    expect(user.email).toBe('jane.doe@example.com');
    expect(user.email_verified).toBe(false);
    expect(user.identities).toEqual([
      {
        connection: 'Username-Password-Authentication',
        provider: 'auth0',
        user_id: user.user_id!.slice(6),
        isSocial: false,
      },
    ]);
    expect(user.user_metadata).toEqual({ theme: 'dark' });
    expect(user).not.toHaveProperty('app_metadata');
  });

  it('gets a user by an id the SDK percent-encodes, and answers 404 inexistent_user for unknown ids', async () => {
    const [seeded] = await tenant.control.seedUsers([
      { connection: 'google-oauth2', email: 'g@example.com', email_verified: true },
    ]);
    const user = await management.users.get(seeded!.user_id);
    expect(user.user_id).toBe(seeded!.user_id);
    const error = await rejectionOf(management.users.get('auth0|nope'));
    expect(error.statusCode).toBe(404);
    expect(error.body).toEqual({
      statusCode: 404,
      error: 'Not Found',
      message: 'The user does not exist.',
      errorCode: 'inexistent_user',
    });
  });

  it('merges metadata one level deep: keys replaced, null deletes a key, nested objects replaced', async () => {
    const [seeded] = await tenant.control.seedUsers([
      {
        connection: 'github',
        email: 'm@example.com',
        user_metadata: { a: 1, b: { x: 1, y: 2 }, c: 'keep' },
        app_metadata: { roles: ['admin'] },
      },
    ]);
    const updated = await management.users.update(seeded!.user_id, {
      user_metadata: { a: 2, b: { x: 9 }, c: null } as Record<string, unknown>,
    });
    expect(updated.user_metadata).toEqual({ a: 2, b: { x: 9 } });
    expect(updated.app_metadata).toEqual({ roles: ['admin'] });
  });

  it('clears all metadata when PATCHed with an empty object (the auth0/rules#206 trap)', async () => {
    const [seeded] = await tenant.control.seedUsers([
      { connection: 'github', email: 'e@example.com', user_metadata: { a: 1 } },
    ]);
    const updated = await management.users.update(seeded!.user_id, { user_metadata: {} });
    expect(updated).not.toHaveProperty('user_metadata');
  });

  it.each([
    ['a first-level key with a dot', { 'samlp|acme|jane.doe@corp.com': { at: 'now' } }, '.'],
    ['a nested key with a dot', { records: { 'waad|j.doe@contoso.com': 1 } }, '.'],
    ['a key with a dollar sign', { $set: 1 }, '$'],
    ['a key with a dot inside an array', { list: [{ 'a.b': 1 }] }, '.'],
  ])('refuses metadata with %s on PATCH and POST with 400, changing nothing', async (_, metadata, char) => {
    const [seeded] = await tenant.control.seedUsers([
      { connection: 'github', email: 'k@example.com', app_metadata: { plan: 'pro' } },
    ]);
    const patched = await rejectionOf(management.users.update(seeded!.user_id, { app_metadata: metadata }));
    expect(patched.statusCode).toBe(400);
    expect(patched.body).toMatchObject({
      statusCode: 400,
      error: 'Bad Request',
      errorCode: 'invalid_body',
      message: expect.stringContaining(`Fields with "${char}" are not allowed`),
    });
    expect((await management.users.get(seeded!.user_id)).app_metadata).toEqual({ plan: 'pro' });
    const created = await rejectionOf(
      management.users.create({
        connection: 'Username-Password-Authentication',
        email: 'dotted@example.com',
        password: 'correct horse battery staple',
        user_metadata: metadata,
      }),
    );
    expect(created.statusCode).toBe(400);
    expect((await tenant.control.users()).map((u) => u.email)).not.toContain('dotted@example.com');
  });

  it('accepts dots and dollar signs in metadata values', async () => {
    const [seeded] = await tenant.control.seedUsers([{ connection: 'github', email: 'v@example.com' }]);
    const updated = await management.users.update(seeded!.user_id, {
      app_metadata: { linked: [{ user_id: 'samlp|acme|jane.doe@corp.com', price: '$5' }] },
    });
    expect(updated.app_metadata).toEqual({
      linked: [{ user_id: 'samlp|acme|jane.doe@corp.com', price: '$5' }],
    });
  });

  it('deletes a user', async () => {
    const [seeded] = await tenant.control.seedUsers([{ connection: 'github', email: 'd@example.com' }]);
    await management.users.delete(seeded!.user_id);
    expect((await rejectionOf(management.users.get(seeded!.user_id))).statusCode).toBe(404);
  });

  it('lists users with paging and totals, and filters with a simple q', async () => {
    await tenant.control.seedUsers([
      { connection: 'github', email: 'one@example.com' },
      { connection: 'google-oauth2', email: 'two@example.com' },
      { connection: 'github', email: 'three@example.com' },
    ]);
    const page = await management.users.list({ page: 0, per_page: 2, include_totals: true });
    expect(page.data).toHaveLength(2);
    expect(page.response.total).toBe(3);
    const found = await management.users.list({ q: 'email:"two@example.com"', include_totals: true });
    expect(found.data.map((u) => u.email)).toEqual(['two@example.com']);
  });

  it('refuses to page past the first 1,000 users of a search, as Auth0 does', async () => {
    expect((await management.users.list({ page: 9, per_page: 100 })).data).toEqual([]);
    const beyond = await rejectionOf(management.users.list({ page: 10, per_page: 100 }));
    expect(beyond.statusCode).toBe(400);
    expect(beyond.body).toMatchObject({
      statusCode: 400,
      message: expect.stringContaining('only page through the first 1000 records'),
    });
  });

  it('finds users by email exactly and case-sensitively, as Auth0 does', async () => {
    await tenant.control.seedUsers([
      { connection: 'Username-Password-Authentication', email: 'Mixed@Example.com', email_verified: true },
      { connection: 'acme-oidc', email: 'Mixed@Example.com', email_verified: true },
    ]);
    const lower = await management.users.listUsersByEmail({ email: 'mixed@example.com' });
    expect(lower.map((u) => u.identities?.[0]?.connection)).toEqual(['Username-Password-Authentication']);
    const mixed = await management.users.listUsersByEmail({ email: 'Mixed@Example.com' });
    expect(mixed.map((u) => u.identities?.[0]?.connection)).toEqual(['acme-oidc']);
    expect(await management.users.listUsersByEmail({ email: 'MIXED@EXAMPLE.COM' })).toEqual([]);
  });

  it('answers 401 without a token and with a token signed by someone else', async () => {
    const none = await fetch(`${tenant.url}/api/v2/users/auth0%7Cx`);
    expect(none.status).toBe(401);
    expect(await none.json()).toEqual({
      statusCode: 401,
      error: 'Unauthorized',
      message: 'Missing authentication',
    });
    const forged = await fetch(`${tenant.url}/api/v2/users/auth0%7Cx`, {
      headers: { authorization: 'Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln' },
    });
    expect(forged.status).toBe(401);
    expect(await forged.json()).toMatchObject({
      statusCode: 401,
      error: 'Unauthorized',
      message: 'Invalid token',
    });
  });

  it('answers 403 insufficient_scope to a token without update:users', async () => {
    const [seeded] = await tenant.control.seedUsers([{ connection: 'github', email: 's@example.com' }]);
    const token = await tokenWithScopes(tenant, ['read:users']);
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const read = await fetch(`${tenant.url}/api/v2/users/${encodeURIComponent(seeded!.user_id)}`, {
      headers,
    });
    expect(read.status).toBe(200);
    const patch = await fetch(`${tenant.url}/api/v2/users/${encodeURIComponent(seeded!.user_id)}`, {
      method: 'PATCH',
      headers,
      body: JSON.stringify({ user_metadata: { a: 1 } }),
    });
    expect(patch.status).toBe(403);
    expect(await patch.json()).toEqual({
      statusCode: 403,
      error: 'Forbidden',
      message: 'Insufficient scope, expected any of: update:users,update:users_app_metadata',
      errorCode: 'insufficient_scope',
    });
  });

  it('answers unsupported routes with 404, never 5xx', async () => {
    const token = await tokenWithScopes(tenant, ['read:users']);
    const response = await fetch(`${tenant.url}/api/v2/email-templates/verify_email`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ statusCode: 404, error: 'Not Found' });
  });
});
