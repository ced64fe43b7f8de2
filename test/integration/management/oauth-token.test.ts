import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManagementClient } from 'auth0';
import { AuthenticationClient } from 'auth0/legacy';
import { describe, expect, it } from 'vitest';
import { startTenant } from '../../../emulator/index.ts';
import { type TestTenant, useTestTenant } from '../../support/tenant.ts';

let tenant: TestTenant;

useTestTenant((started) => {
  tenant = started;
});

function token(body: string | URLSearchParams, headers: Record<string, string>) {
  return fetch(`${tenant.url}/oauth/token`, { method: 'POST', headers, body });
}

describe('/oauth/token client_credentials', () => {
  it('issues a Management token to the SDK AuthenticationClient with every granted scope', async () => {
    const auth = new AuthenticationClient({
      domain: tenant.domain,
      clientId: tenant.clientId,
      clientSecret: tenant.clientSecret,
    });
    const { data } = await auth.oauth.clientCredentialsGrant({
      audience: `https://${tenant.domain}/api/v2/`,
    });
    expect(data).toMatchObject({ token_type: 'Bearer', expires_in: 86400 });
    expect((data as { scope?: string }).scope?.split(' ')).toContain('update:users');
    const claims = await tenant.context.tokens.verify(data.access_token, `https://${tenant.domain}/api/v2/`);
    expect(claims).toMatchObject({
      sub: `${tenant.clientId}@clients`,
      gty: 'client-credentials',
      iss: tenant.issuer,
    });
  });

  it('accepts a JSON body with client_secret_post', async () => {
    const response = await token(
      JSON.stringify({
        grant_type: 'client_credentials',
        client_id: tenant.clientId,
        client_secret: tenant.clientSecret,
        audience: `https://${tenant.domain}/api/v2/`,
      }),
      { 'content-type': 'application/json' },
    );
    expect(response.status).toBe(200);
  });

  it('answers 401 access_denied to a wrong secret', async () => {
    const response = await token(
      new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: tenant.clientId,
        client_secret: 'nope',
        audience: `https://${tenant.domain}/api/v2/`,
      }),
      {},
    );
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ error: 'access_denied', error_description: 'Unauthorized' });
  });

  it('answers 403 access_denied for an audience the client has no grant for', async () => {
    const response = await token(
      new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: tenant.clientId,
        client_secret: tenant.clientSecret,
        audience: 'https://api.example/',
      }),
      {},
    );
    expect(response.status).toBe(403);
    expect(await response.json()).toEqual({
      error: 'access_denied',
      error_description: 'Service not found: https://api.example/',
    });
  });

  it('answers 400 unsupported_grant_type for grants the tenant does not implement', async () => {
    const response = await token(
      new URLSearchParams({ grant_type: 'password', client_id: tenant.clientId }),
      {},
    );
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: 'unsupported_grant_type' });
  });
});

describe('snapshot', () => {
  it('keeps users and the bootstrap credentials across a restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tenant-snapshot-'));
    const snapshotFile = join(dir, 'state.json');
    try {
      const first = await startTenant({ port: 0, snapshotFile });
      const management = new ManagementClient({
        domain: first.domain,
        clientId: first.clientId,
        clientSecret: first.clientSecret,
      });
      const created = await management.users.create({
        connection: 'Username-Password-Authentication',
        email: 'keep@example.com',
        password: 'a long passphrase',
      });
      await first.close();
      // As a snapshot written before read:connections_options existed: the bootstrap grant gets it back on restore.
      const state = JSON.parse(readFileSync(snapshotFile, 'utf8')) as {
        clientGrants: Array<{ client_id: string; scope: string[] }>;
      };
      const grant = state.clientGrants.find((g) => g.client_id === first.clientId)!;
      grant.scope = grant.scope.filter((scope) => scope !== 'read:connections_options');
      writeFileSync(snapshotFile, JSON.stringify(state));
      const second = await startTenant({ port: 0, snapshotFile });
      try {
        expect(second.clientId).toBe(first.clientId);
        expect(second.context.store.users.get(created.user_id!)?.email).toBe('keep@example.com');
        const again = new ManagementClient({
          domain: second.domain,
          clientId: second.clientId,
          clientSecret: second.clientSecret,
        });
        expect((await again.users.get(created.user_id!)).email).toBe('keep@example.com');
        const connections = await again.connections.list();
        expect(connections.data.every((connection) => connection.options !== undefined)).toBe(true);
      } finally {
        await second.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
