import type { ManagementClient } from 'auth0';
import { describe, expect, it } from 'vitest';
import { bootstrapAccessToken } from '../../support/login-driver.ts';
import type { TestTenant } from '../../support/tenant.ts';
import { managementClientWithScopes, rejectionOf, useManagedTenant } from './helpers.ts';

let tenant: TestTenant;
let management: ManagementClient;

useManagedTenant(
  (t, m) => {
    [tenant, management] = [t, m];
  },
  { reset: { all: true } },
);

describe('clients and client grants', () => {
  it('hides the global client with is_global=false and reads a secret back with fields=client_secret', async () => {
    const created = await management.clients.create({
      name: 'Web',
      app_type: 'regular_web',
      callbacks: ['https://localhost/cb'],
    });
    expect(created.client_secret).toBeTruthy();
    const all = await management.clients.list({ include_totals: true });
    expect(all.data.map((c) => c.name)).toContain('All Applications');
    const own = await management.clients.list({ include_totals: true, is_global: false });
    expect(own.data.map((c) => c.name)).not.toContain('All Applications');
    const secret = await management.clients.get(created.client_id!, {
      fields: 'client_secret',
      include_fields: true,
    });
    expect(secret).toEqual({ client_secret: created.client_secret });
  });

  it('pages client grants with take/from checkpoints', async () => {
    const audience = `https://${tenant.domain}/api/v2/`;
    for (const name of ['a', 'b', 'c']) {
      const client = await management.clients.create({ name, app_type: 'non_interactive' });
      await management.clientGrants.create({ client_id: client.client_id!, audience, scope: ['read:users'] });
    }
    const response = await fetch(`${tenant.url}/api/v2/client-grants?take=2`, {
      headers: { authorization: `Bearer ${await bootstrapAccessToken(tenant)}` },
    });
    const page = (await response.json()) as { client_grants: unknown[]; next?: string };
    expect(page.client_grants).toHaveLength(2);
    expect(page.next).toBeTruthy();
    const listed = await management.clientGrants.list({});
    expect(listed.data.length).toBe(4);
  });
});

describe('connections', () => {
  it('lists the seeded connections and enables clients on one', async () => {
    const connections = await management.connections.list({});
    expect(connections.data.map((c) => [c.name, c.strategy])).toEqual([
      ['Username-Password-Authentication', 'auth0'],
      ['google-oauth2', 'google-oauth2'],
      ['github', 'github'],
      ['acme-oidc', 'oidc'],
    ]);
    const db = connections.data[0]!;
    const client = await management.clients.create({ name: 'Later', app_type: 'regular_web' });
    await management.connections.clients.update(db.id!, [{ client_id: client.client_id!, status: false }]);
    const enabled = await management.connections.clients.get(db.id!);
    expect(enabled.data.map((c) => c.client_id)).not.toContain(client.client_id);
  });

  it('enables a new client on every connection until the tenant turns Enable Application Connections off', async () => {
    const email = await management.connections.create({ name: 'email', strategy: 'email' });
    expect((await management.tenants.settings.get()).flags).toMatchObject({
      enable_client_connections: true,
    });
    const before = await management.clients.create({ name: 'Before', app_type: 'regular_web' });
    await management.tenants.settings.update({ flags: { enable_client_connections: false } });
    await management.clients.create({ name: 'After', app_type: 'regular_web' });
    const enabled = await management.connections.clients.get(email.id!);
    expect(enabled.data.map((c) => c.client_id)).toEqual([before.client_id]);
  });

  it('answers options only with read:connections_options and changes them only with update:connections_options', async () => {
    const db = (await management.connections.list({ name: 'Username-Password-Authentication' })).data[0]!;
    const withoutOptionScopes = await managementClientWithScopes(tenant, [
      'read:connections',
      'update:connections',
    ]);
    expect((await withoutOptionScopes.connections.get(db.id!)).options).toBeUndefined();
    const refused = await rejectionOf(
      withoutOptionScopes.connections.update(db.id!, { options: { passwordPolicy: 'low' } }),
    );
    expect(refused).toMatchObject({
      statusCode: 403,
      body: expect.objectContaining({ errorCode: 'insufficient_scope' }),
    });
    await withoutOptionScopes.connections.update(db.id!, { display_name: 'Passwords' });

    const withOptionScopes = await managementClientWithScopes(tenant, [
      'read:connections',
      'update:connections',
      'read:connections_options',
      'update:connections_options',
    ]);
    const updated = await withOptionScopes.connections.update(db.id!, { options: { passwordPolicy: 'low' } });
    expect(updated.options).toMatchObject({ passwordPolicy: 'low' });
  });
});

describe('tenant settings', () => {
  it('merges flags key by key: a PATCH naming one flag keeps the others', async () => {
    await management.tenants.settings.update({ flags: { enable_apis_section: true } });
    const updated = await management.tenants.settings.update({ flags: { enable_client_connections: false } });
    expect(updated.flags).toMatchObject({ enable_apis_section: true, enable_client_connections: false });
    expect((await management.tenants.settings.get()).flags).toMatchObject({
      enable_apis_section: true,
      enable_client_connections: false,
    });
  });
});

describe('validation', () => {
  it('refuses unknown PATCH fields and a users-by-email call without email with 400', async () => {
    const [user] = await tenant.control.seedUsers([{ connection: 'github', email: 'v@example.com' }]);
    const patch = await rejectionOf(management.users.update(user!.user_id, { favourite: 'x' } as never));
    expect(patch.statusCode).toBe(400);
    expect(patch.body).toMatchObject({
      message: "Payload validation error: 'Additional properties not allowed: favourite'.",
    });
    const search = await fetch(`${tenant.url}/api/v2/users-by-email`, {
      headers: { authorization: `Bearer ${await bootstrapAccessToken(tenant)}` },
    });
    expect(search.status).toBe(400);
  });

  it('links with link_with, an ID token of the secondary issued by this tenant', async () => {
    const [primary, secondary] = await tenant.control.seedUsers([
      { connection: 'github', email: 'lw@example.com', email_verified: true },
      { connection: 'google-oauth2', email: 'lw@example.com', email_verified: true },
    ]);
    const idToken = await tenant.context.tokens.sign(
      {},
      { audience: tenant.clientId, subject: secondary!.user_id, expiresInSeconds: 60 },
    );
    const identities = await management.users.identities.link(primary!.user_id, { link_with: idToken });
    expect(identities.map((i) => i.provider)).toEqual(['github', 'google-oauth2']);
  });
});
