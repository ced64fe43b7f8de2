import type { ManagementClient } from 'auth0';
import { ManagementClient as LegacyManagementClient } from 'auth0/legacy';
import { beforeEach, describe, expect, it } from 'vitest';
import { LoginDriver, locationOf, useBuiltAction, useLoginTenant } from '../../support/login-driver.ts';
import { managementClient, rejectionOf, tokenWithScopes } from './helpers.ts';

const CALLBACK = 'https://app.test/callback';
const PASSWORD = 'correct horse battery staple';
const DATABASE = 'Username-Password-Authentication';

let management: ManagementClient;
/** auth0 v4's client: the only one whose `logs.getAll` takes `q`, `from` and `take` as Auth0 names them. */
let legacy: LegacyManagementClient;
let alice: string;

const site = useLoginTenant({
  app: { callback: CALLBACK },
  started: ({ tenant }) => {
    management = managementClient(tenant);
    legacy = new LegacyManagementClient({
      domain: tenant.domain,
      clientId: tenant.clientId,
      clientSecret: tenant.clientSecret,
      retry: { enabled: false },
    });
  },
});
const deployAction = useBuiltAction(site);

beforeEach(async () => {
  const [seeded] = await site.tenant.control.seedUsers([
    { connection: DATABASE, email: 'alice@example.com', email_verified: true, password: PASSWORD },
  ]);
  alice = seeded?.user_id ?? '';
});

/** A login on the database connection, through the code exchange when it succeeds. */
async function loginWithPassword(email: string, password: string): Promise<void> {
  const browser = new LoginDriver(site.tenant);
  const { response, verifier } = await browser.authorize(site.app);
  const fields = { connection: DATABASE, email, password };
  const answer = await browser.submitLoginPage(locationOf(response, site.tenant.url), fields);
  const callback = answer.headers.get('location');
  if (callback !== null) await browser.exchange(site.app, new URL(callback), verifier);
}

describe('tenant logs read with the auth0 SDK over HTTPS', () => {
  it('records a successful login with the execution of the Action it ran, console lines included', async () => {
    await deployAction();
    await loginWithPassword('alice@example.com', PASSWORD);

    const { data: logins } = await management.logs.list({ search: 'type:s' });
    expect(logins).toEqual([
      expect.objectContaining({
        log_id: expect.stringMatching(/^\d{56}$/),
        date: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        type: 's',
        description: 'Successful login',
        client_id: site.app.client_id,
        client_name: expect.stringMatching(/^App /),
        connection: DATABASE,
        connection_id: expect.stringMatching(/^con_/),
        strategy: 'auth0',
        strategy_type: 'database',
        user_id: alice,
        user_name: 'alice@example.com',
        ip: expect.any(String),
        user_agent: expect.any(String),
        details: {
          session_id: expect.any(String),
          stats: { loginsCount: 1 },
          actions: { executions: [expect.any(String)] },
        },
      }),
    ]);
    const login = logins[0] ?? {};
    const [executionId] = (login.details as { actions: { executions: string[] } }).actions.executions;
    const execution = await management.actions.executions.get(executionId ?? '');
    expect(execution).toEqual({
      id: executionId,
      trigger_id: 'post-login',
      status: 'final',
      results: [
        {
          action_name: expect.stringMatching(/^account-linking-/),
          error: null,
          started_at: expect.any(String),
          ended_at: expect.any(String),
          logs: expect.stringMatching(/^account-linking \{"decision":"skip".*\n$/),
        },
      ],
      created_at: expect.any(String),
      updated_at: expect.any(String),
    });
    expect(await management.logs.get(login.log_id ?? '')).toEqual(login);
    const { data: exchanges } = await legacy.logs.getAll({
      q: `type:seacft AND client_id:${site.app.client_id}`,
    });
    expect(exchanges).toHaveLength(1);
  });

  it('records a wrong password as fp and an unknown email as fu, with no session', async () => {
    await loginWithPassword('alice@example.com', 'not the password');
    await loginWithPassword('nobody@example.com', PASSWORD);

    const { data: failures } = await legacy.logs.getAll({ q: 'type:(fp OR fu)', sort: 'date:1' });
    expect(failures.map((log) => [log.type, log.user_id, log.user_name, log.description])).toEqual([
      ['fp', alice, 'alice@example.com', 'Wrong email or password.'],
      ['fu', undefined, 'nobody@example.com', 'Wrong email or password.'],
    ]);
    expect(failures.every((log) => log.details === undefined)).toBe(true);
    const { data: own } = await management.users.logs.list(alice, { include_totals: true });
    expect(own.map((log) => log.type)).toEqual(['fp']);
  });

  it('records Management API writes as sapi and fapi, leaving the request body (and its password) out', async () => {
    const input = { connection: DATABASE, email: 'bob@example.com', password: PASSWORD };
    await management.users.create(input);
    await rejectionOf(management.users.create(input));

    const { data } = await legacy.logs.getAll({ q: 'type:(sapi OR fapi)', sort: 'date:1' });
    const written = data.filter((log) => log.details?.request?.path === '/api/v2/users');
    expect(written.map((log) => [log.type, log.description, log.client_id])).toEqual([
      ['sapi', 'Create a user', site.tenant.clientId],
      ['fapi', 'Create a user', site.tenant.clientId],
    ]);
    expect(written[1]?.details?.response).toMatchObject({ statusCode: 409, body: { statusCode: 409 } });
    expect(JSON.stringify(data)).not.toContain(PASSWORD);
  });

  it('reads by checkpoint: oldest first after `from`, `take` at a time, with a Link to the next checkpoint', async () => {
    await management.users.create({ connection: DATABASE, email: 'c1@example.com', password: PASSWORD });
    const { data: all } = await legacy.logs.getAll({ take: 100 });
    const { data: searched } = await legacy.logs.getAll({ sort: 'date:1', per_page: 100 });
    expect(all).toEqual(searched);
    const [first, second] = all;
    expect(second).toBeDefined();

    const { data: after, headers } = await legacy.logs.getAll({ from: first?.log_id ?? '', take: 1 });
    expect(after).toEqual([second]);
    const next = new URL(/^<([^>]+)>; rel="next"$/.exec(headers.get('link') ?? '')?.[1] ?? '');
    expect(next.searchParams.get('from')).toBe(second?.log_id);
    expect(next.searchParams.get('take')).toBe('1');
  });

  it('answers 403 insufficient_scope without read:logs', async () => {
    const token = await tokenWithScopes(site.tenant, ['read:users']);
    const answer = await fetch(`${site.tenant.url}/api/v2/logs`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(answer.status).toBe(403);
    expect(await answer.json()).toMatchObject({ errorCode: 'insufficient_scope' });
  });

  it("refuses a query it does not understand with Auth0's 400 body instead of guessing", async () => {
    const error = await rejectionOf(management.logs.list({ search: 'description:*password*' }));
    expect(error.statusCode).toBe(400);
    expect(error.body).toMatchObject({
      statusCode: 400,
      error: 'Bad Request',
      errorCode: 'invalid_query_string',
      message: expect.stringContaining("'description:*password*'"),
    });
  });
});
