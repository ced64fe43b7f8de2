import { beforeEach, describe, expect, it } from 'vitest';
import { type TestTenant, useTestTenant } from '../../support/tenant.ts';
import { managementClient, rejectionOf } from './helpers.ts';

let tenant: TestTenant;
let token: string;

useTestTenant(async (started) => {
  tenant = started;
  const response = await fetch(`${tenant.url}/oauth/token`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${tenant.clientId}:${tenant.clientSecret}`).toString('base64')}`,
    },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      audience: `https://${tenant.domain}/api/v2/`,
    }),
  });
  token = ((await response.json()) as { access_token: string }).access_token;
});

beforeEach(async () => {
  await tenant.control.seedUsers([{ connection: 'github', email: 'rl@example.com', email_verified: true }]);
});

function usersByEmail(): Promise<Response> {
  return fetch(`${tenant.url}/api/v2/users-by-email?email=rl%40example.com`, {
    headers: { authorization: `Bearer ${token}` },
  });
}

describe('rate limit on /api/v2', () => {
  it('sends x-ratelimit-limit/remaining/reset (epoch seconds) on every answer', async () => {
    const response = await usersByEmail();
    expect(response.status).toBe(200);
    expect(response.headers.get('x-ratelimit-limit')).toBe('100');
    expect(Number(response.headers.get('x-ratelimit-remaining'))).toBeLessThan(100);
    const reset = Number(response.headers.get('x-ratelimit-reset'));
    expect(reset).toBeGreaterThanOrEqual(Math.floor(Date.now() / 1000));
    expect(reset).toBeLessThan(Date.now() / 1000 + 60);
    const unauthenticated = await fetch(`${tenant.url}/api/v2/users`);
    expect(unauthenticated.headers.get('x-ratelimit-remaining')).not.toBeNull();
  });

  it('answers 429 too_many_requests with Retry-After once the bucket is empty', async () => {
    await tenant.control.setRateLimit({ rps: 1, burst: 2 });
    expect((await usersByEmail()).status).toBe(200);
    expect((await usersByEmail()).status).toBe(200);
    const limited = await usersByEmail();
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('1');
    expect(limited.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(await limited.json()).toEqual({
      statusCode: 429,
      error: 'Too Many Requests',
      message: 'Global limit has been reached',
      errorCode: 'too_many_requests',
    });
  });

  it('lets the SDK retry a 429 after Retry-After and succeed', async () => {
    const management = managementClient(tenant, { maxRetries: 2 });
    await management.users.listUsersByEmail({ email: 'rl@example.com' });
    await tenant.control.setRateLimit({ rps: 1, burst: 1 });
    expect((await usersByEmail()).status).toBe(200);
    const started = Date.now();
    const users = await management.users.listUsersByEmail({ email: 'rl@example.com' });
    expect(users).toHaveLength(1);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    // Each refused request is an api_limit event (auth0.com/docs/deploy-monitor/logs/log-event-type-codes).
    await tenant.control.setRateLimit({ rps: 50, burst: 100 });
    const { data: limits } = await management.logs.list({ search: 'type:api_limit' });
    expect(limits.length).toBeGreaterThanOrEqual(1);
    expect(limits[0]).toMatchObject({
      type: 'api_limit',
      details: { request: { method: 'get', path: '/api/v2/users-by-email' } },
    });
  });
});

describe('fault injection', () => {
  it('injects one 500 that the SDK retries through, and logs the hit', async () => {
    await tenant.control.setFaults([{ route: 'GET /api/v2/users-by-email', status: 500, count: 1 }]);
    const management = managementClient(tenant, { maxRetries: 2 });
    expect(await management.users.listUsersByEmail({ email: 'rl@example.com' })).toHaveLength(1);
    const faults = await tenant.control.events({ type: 'fault' });
    expect(faults).toMatchObject([
      { type: 'fault', route: 'GET /api/v2/users-by-email', effect: 'status', status: 500 },
    ]);
  });

  it('fails the SDK call with 503 once its retries are spent', async () => {
    await tenant.control.setFaults([{ route: 'GET /api/v2/users/*', status: 503, count: 2 }]);
    const management = managementClient(tenant, { maxRetries: 1 });
    const [user] = await tenant.control.users();
    const error = await rejectionOf(management.users.get(user!.user_id));
    expect(error.statusCode).toBe(503);
    expect(error.body).toMatchObject({ statusCode: 503, error: 'Service Unavailable' });
    expect(await tenant.control.events({ type: 'fault' })).toHaveLength(2);
    expect((await management.users.get(user!.user_id)).user_id).toBe(user!.user_id);
  });

  it('hits only the given share of requests with rate', async () => {
    await tenant.control.setFaults([{ route: '* /api/v2/*', status: 429, rate: 0, retryAfter: 1 }]);
    for (let i = 0; i < 5; i++) expect((await usersByEmail()).status).toBe(200);
  });

  it('adds latency', async () => {
    await tenant.control.setFaults([{ route: 'GET /api/v2/users-by-email', latencyMs: 300 }]);
    const started = Date.now();
    expect((await usersByEmail()).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
  });

  it('drops the connection without an answer; the next request is served', async () => {
    await tenant.control.setFaults([{ route: 'GET /api/v2/users-by-email', drop: true, count: 1 }]);
    const management = managementClient(tenant, { maxRetries: 2 });
    await expect(management.users.listUsersByEmail({ email: 'rl@example.com' })).rejects.toThrow();
    expect(await management.users.listUsersByEmail({ email: 'rl@example.com' })).toHaveLength(1);
    expect(await tenant.control.events({ type: 'fault' })).toMatchObject([{ effect: 'drop' }]);
  });

  it('injects a 429 with Retry-After and rate-limit headers that the SDK honours', async () => {
    await tenant.control.setFaults([
      { route: 'GET /api/v2/users-by-email', status: 429, retryAfter: 1, count: 1 },
    ]);
    const limited = await usersByEmail();
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('1');
    expect(await limited.json()).toMatchObject({ errorCode: 'too_many_requests' });
  });
});
