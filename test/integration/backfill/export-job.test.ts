import { gunzipSync } from 'node:zlib';
import { ManagementClient } from 'auth0';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXPORT_PROCESSING_MS } from '../../../emulator/management/jobs.ts';
import { bootstrapAccessToken } from '../../support/login-driver.ts';
import { startTestTenant, type TestTenant } from '../../support/tenant.ts';

let tenant: TestTenant;
let clock = Date.parse('2026-01-01T00:00:00Z');
let management: ManagementClient;

beforeAll(async () => {
  // A pinned clock: the job turns `completed` when the test moves time on, not after a sleep.
  tenant = await startTestTenant({ now: () => clock });
  management = new ManagementClient({
    domain: tenant.domain,
    clientId: tenant.clientId,
    clientSecret: tenant.clientSecret,
    maxRetries: 0,
  });
  await tenant.control.seedUsers([
    {
      connection: 'Username-Password-Authentication',
      email: 'pat@example.com',
      email_verified: true,
      user_metadata: { lang: 'en' },
    },
    { connection: 'acme-oidc', user_id: 'jdoe', email: 'JDoe@Acme.test' },
  ]);
});

afterAll(async () => {
  await tenant.close();
});

describe('bulk user export job (POST /jobs/users-exports, GET /jobs/{id})', () => {
  it('answers pending, then completed with a location serving gzipped NDJSON of the requested fields', async () => {
    const created = await management.jobs.usersExports.create({
      format: 'json',
      fields: [
        { name: 'user_id' },
        { name: 'email' },
        { name: 'identities[0].connection', export_as: 'provider' },
        { name: 'user_metadata' },
      ],
    });
    expect(created).toMatchObject({ type: 'users_export', status: 'pending', format: 'json' });
    expect(created.id).toMatch(/^job_/);
    expect(await management.jobs.get(created.id)).toMatchObject({ status: 'pending' });

    clock += EXPORT_PROCESSING_MS;
    const done = await management.jobs.get(created.id);
    expect(done).toMatchObject({ id: created.id, status: 'completed' });
    const response = await fetch(done.location!);
    expect(response.status).toBe(200);
    const lines = gunzipSync(Buffer.from(await response.arrayBuffer()))
      .toString('utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines).toEqual([
      {
        user_id: expect.stringMatching(/^auth0\|/),
        email: 'pat@example.com',
        provider: 'Username-Password-Authentication',
        user_metadata: { lang: 'en' },
      },
      { user_id: 'oidc|acme-oidc|jdoe', email: 'JDoe@Acme.test', provider: 'acme-oidc' },
    ]);
  });

  it('refuses a download without the signature in its location', async () => {
    const { id } = await management.jobs.usersExports.create({
      format: 'json',
      fields: [{ name: 'user_id' }],
    });
    clock += EXPORT_PROCESSING_MS;
    const location = new URL((await management.jobs.get(id)).location!);
    location.search = '';
    expect((await fetch(location)).status).toBe(403);
  });

  it.each([
    ['an unknown format', { format: 'xml' }],
    [
      'more than 30 fields',
      { format: 'json', fields: Array.from({ length: 31 }, (_, i) => ({ name: `f${i}` })) },
    ],
    ['an unknown connection', { format: 'json', connection_id: 'con_0000000000000000' }],
    ['an unknown property', { format: 'json', everything: true }],
  ])('answers 400 for %s', async (_, body) => {
    const response = await fetch(`${tenant.url}/api/v2/jobs/users-exports`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${await bootstrapAccessToken(tenant)}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify(body),
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ statusCode: 400, error: 'Bad Request' });
  });

  it('answers 404 for an unknown job', async () => {
    await expect(management.jobs.get('job_0000000000000000')).rejects.toMatchObject({ statusCode: 404 });
  });
});
