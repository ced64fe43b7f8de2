import { describe, expect, it } from 'vitest';
import { type TestTenant, useTestTenant } from '../../support/tenant.ts';

let tenant: TestTenant;

useTestTenant((started) => {
  tenant = started;
});

describe('local tenant start', () => {
  it('serves HTTPS with a certificate this worker trusts through NODE_EXTRA_CA_CERTS', async () => {
    expect(process.env.NODE_EXTRA_CA_CERTS).toBe(tenant.caFile);
    const response = await fetch(`${tenant.url}/api/v2/users`);
    expect(response.status).toBe(401);
  });

  it('answers the control API only with the control key', async () => {
    expect((await fetch(`${tenant.url}/__control/users`)).status).toBe(401);
    expect(await tenant.control.users()).toEqual([]);
  });
});
