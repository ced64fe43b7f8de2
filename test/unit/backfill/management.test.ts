import { describe, expect, it } from 'vitest';
import { ManagementApiError } from '../../../core/management-client.ts';
import { createBackfillPort } from '../../../scripts/backfill/management.ts';
import { newRequestStats } from '../../../scripts/backfill/rate.ts';
import { rejectionBy } from '../../support/thrown.ts';

/** The real port over a stubbed network: a token for anyone, and `usersPage` for `GET /api/v2/users`. */
function portAnswering(usersPage: unknown) {
  const stub: typeof globalThis.fetch = async (input) => {
    const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
    const body =
      url.pathname === '/oauth/token'
        ? { access_token: 'token', token_type: 'Bearer', expires_in: 86400 }
        : usersPage;
    return new Response(JSON.stringify(body), { headers: { 'content-type': 'application/json' } });
  };
  return createBackfillPort({
    domain: 'tenant.eu.auth0.com',
    clientId: 'id',
    clientSecret: 'secret',
    maxRps: 1000,
    stats: newRequestStats(),
    fetch: stub,
  });
}

describe('the Management port, GET /users', () => {
  it('answers the page and the total', async () => {
    const page = await portAnswering({ users: [], start: 0, limit: 100, length: 0, total: 7 }).listUsers(
      0,
      100,
      ['user_id'],
    );
    expect(page).toEqual({ users: [], total: 7 });
  });

  it.each([
    ['missing', { users: [], start: 0, limit: 100, length: 0 }],
    ['a string', { users: [], start: 0, limit: 100, length: 0, total: '7' }],
    ['null', { users: [], start: 0, limit: 100, length: 0, total: null }],
  ])('refuses an answer whose total is %s, with a typed error', async (_, body) => {
    const error = await rejectionBy(ManagementApiError, portAnswering(body).listUsers(0, 100, ['user_id']));
    expect(error.code).toBe('management_error');
    expect(error.message).toContain('"total"');
  });
});
