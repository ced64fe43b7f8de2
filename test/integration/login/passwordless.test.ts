import { createHash, randomBytes } from 'node:crypto';
import { ManagementClient } from 'auth0';
import { AuthenticationClient } from 'auth0/legacy';
import { describe, expect, it } from 'vitest';
import { PASSWORDLESS_OTP_GRANT } from '../../../emulator/passwordless/otp-grant.ts';
import {
  decodeJwtPayload,
  deployPostLoginAction,
  type LoginApp,
  LoginDriver,
  locationOf,
  registerApp,
  useLoginTenant,
} from '../../support/login-driver.ts';

// Auth0's passwordless API: https://auth0.com/docs/api/authentication/passwordless/get-code-or-link and
// .../authenticate-user; code rules: https://auth0.com/docs/authenticate/passwordless/authentication-methods/email-otp
const CALLBACK = 'https://app.test/callback';
const ALICE = 'alice@example.com';
const PHONE = '+14155550123';

let now = Date.now();

// Built at once: the clock here stands still, and a deployed Action waits for it to pass its build time.
const site = useLoginTenant({ now: () => now, actionBuildMs: 0 });

/** A regular web app with the passwordless grant, and the `email` and `sms` connections enabled for it only. */
async function passwordlessApp(
  grantTypes = ['authorization_code', PASSWORDLESS_OTP_GRANT],
): Promise<LoginApp> {
  const app = await registerApp(site.api, CALLBACK, { grant_types: grantTypes });
  for (const strategy of ['email', 'sms'] as const) {
    await management().connections.create({ name: strategy, strategy, enabled_clients: [app.client_id] });
  }
  return app;
}

function management(): ManagementClient {
  return new ManagementClient({
    domain: site.tenant.domain,
    clientId: site.tenant.clientId,
    clientSecret: site.tenant.clientSecret,
  });
}

function sdkFor(app: LoginApp): AuthenticationClient {
  return new AuthenticationClient({
    domain: site.tenant.domain,
    clientId: app.client_id,
    clientSecret: app.client_secret,
  });
}

async function lastCode(to: string): Promise<string> {
  const messages = await site.tenant.control.outbox(to);
  const last = messages.at(-1);
  if (last === undefined) throw new Error(`nothing was sent to ${to}`);
  return last.code;
}

async function rejection(promise: Promise<unknown>): Promise<{ statusCode?: number; body?: string }> {
  try {
    await promise;
  } catch (error) {
    return error as { statusCode?: number; body?: string };
  }
  throw new Error('expected the call to fail');
}

describe('passwordless connections through the auth0 SDK', () => {
  it('lists the email and sms connections through the Management API like any other', async () => {
    const app = await passwordlessApp();
    const listed = await site.api<{
      connections: Array<{ name: string; strategy: string; enabled_clients: string[] }>;
    }>('GET', '/connections?strategy=email&strategy=sms&take=50');
    expect(listed.body.connections.map((c) => [c.name, c.strategy, c.enabled_clients])).toEqual([
      ['email', 'email', [app.client_id]],
      ['sms', 'sms', [app.client_id]],
    ]);
  });

  it('sends an email code to the outbox and logs in a new email| user with a verified email', async () => {
    const app = await passwordlessApp();
    const sdk = sdkFor(app);
    await sdk.passwordless.sendEmail({ email: ALICE, send: 'code' });
    const [message] = await site.tenant.control.outbox(ALICE);
    expect(message).toMatchObject({ channel: 'email', connection: 'email', client_id: app.client_id });
    expect(message?.code).toMatch(/^\d{6}$/);
    expect(message?.text).toContain(message?.code);

    const { data } = await sdk.passwordless.loginWithEmail({
      email: ALICE,
      code: message?.code ?? '',
      scope: 'openid profile email',
    });
    const claims = decodeJwtPayload(data.id_token ?? '');
    expect(claims.sub).toMatch(/^email\|[0-9a-f]{24}$/);
    expect(claims).toMatchObject({ email: ALICE, email_verified: true, aud: app.client_id });
    const [user] = await site.tenant.control.users();
    expect(user).toMatchObject({ user_id: claims.sub, email: ALICE, email_verified: true, logins_count: 1 });
  });

  it('logs an sms| user in with phone_number and phone_verified', async () => {
    const app = await passwordlessApp();
    const sdk = sdkFor(app);
    await sdk.passwordless.sendSMS({ phone_number: PHONE });
    const [message] = await site.tenant.control.outbox(PHONE);
    expect(message).toMatchObject({ channel: 'sms', connection: 'sms', to: PHONE });

    const { data } = await sdk.passwordless.loginWithSMS({ phone_number: PHONE, code: message?.code ?? '' });
    const claims = decodeJwtPayload(data.id_token ?? '');
    expect(claims.sub).toMatch(/^sms\|[0-9a-f]{24}$/);
    expect(claims).toMatchObject({ phone_number: PHONE, phone_verified: true });
  });

  it('logs each code sent: cls for an email, cs for a text message, naming the connection and the address', async () => {
    const app = await passwordlessApp();
    const sdk = sdkFor(app);
    await sdk.passwordless.sendEmail({ email: ALICE, send: 'code' });
    await sdk.passwordless.sendSMS({ phone_number: PHONE });
    const { data: sent } = await management().logs.list({ search: 'type:(cs OR cls)', sort: 'date:1' });
    const common = { client_id: app.client_id, strategy_type: 'passwordless' };
    expect(sent).toEqual([
      expect.objectContaining({
        ...common,
        type: 'cls',
        connection: 'email',
        strategy: 'email',
        user_name: ALICE,
      }),
      expect.objectContaining({
        ...common,
        type: 'cs',
        connection: 'sms',
        strategy: 'sms',
        user_name: PHONE,
      }),
    ]);
  });

  it('logs the same user in at the next code', async () => {
    const sdk = sdkFor(await passwordlessApp());
    const subjects = [];
    for (let i = 0; i < 2; i++) {
      await sdk.passwordless.sendEmail({ email: ALICE, send: 'code' });
      const { data } = await sdk.passwordless.loginWithEmail({ email: ALICE, code: await lastCode(ALICE) });
      subjects.push(decodeJwtPayload(data.id_token ?? '').sub);
    }
    expect(subjects[1]).toBe(subjects[0]);
    expect(await site.tenant.control.users()).toHaveLength(1);
  });

  it('refuses a wrong code with invalid_grant, and spends the code after three failures', async () => {
    const sdk = sdkFor(await passwordlessApp());
    await sdk.passwordless.sendEmail({ email: ALICE, send: 'code' });
    const code = await lastCode(ALICE);
    const wrong = code === '000000' ? '111111' : '000000';
    for (let i = 0; i < 3; i++) {
      const refused = await rejection(sdk.passwordless.loginWithEmail({ email: ALICE, code: wrong }));
      expect(refused.statusCode).toBe(403);
      expect(JSON.parse(refused.body ?? '{}')).toEqual({
        error: 'invalid_grant',
        error_description: 'Wrong email or verification code.',
      });
    }
    const spent = await rejection(sdk.passwordless.loginWithEmail({ email: ALICE, code }));
    expect(spent.statusCode).toBe(403);
  });

  it('accepts a code once, only the latest code, and none after three minutes', async () => {
    const sdk = sdkFor(await passwordlessApp());
    await sdk.passwordless.sendEmail({ email: ALICE, send: 'code' });
    const first = await lastCode(ALICE);
    await sdk.passwordless.sendEmail({ email: ALICE, send: 'code' });
    const second = await lastCode(ALICE);
    if (first !== second) {
      expect(
        (await rejection(sdk.passwordless.loginWithEmail({ email: ALICE, code: first }))).statusCode,
      ).toBe(403);
    }
    await sdk.passwordless.loginWithEmail({ email: ALICE, code: second });
    expect(
      (await rejection(sdk.passwordless.loginWithEmail({ email: ALICE, code: second }))).statusCode,
    ).toBe(403);

    await sdk.passwordless.sendSMS({ phone_number: PHONE });
    now += 180_000;
    const expired = await rejection(
      sdk.passwordless.loginWithSMS({ phone_number: PHONE, code: await lastCode(PHONE) }),
    );
    expect(JSON.parse(expired.body ?? '{}').error_description).toBe(
      'Wrong phone number or verification code.',
    );
  });

  it('refuses the OTP grant to a client without the passwordless grant type', async () => {
    const sdk = sdkFor(await passwordlessApp(['authorization_code']));
    await sdk.passwordless.sendEmail({ email: ALICE, send: 'code' });
    const refused = await rejection(
      sdk.passwordless.loginWithEmail({ email: ALICE, code: await lastCode(ALICE) }),
    );
    expect(refused.statusCode).toBe(403);
    expect(JSON.parse(refused.body ?? '{}')).toEqual({
      error: 'unauthorized_client',
      error_description: `Grant type '${PASSWORDLESS_OTP_GRANT}' not allowed for the client.`,
    });
  });

  it.each([
    [
      'a client the connection is not enabled for',
      'other',
      { connection: 'email', email: ALICE },
      'bad.connection',
    ],
    ['an address that is no email', 'app', { connection: 'email', email: 'alice' }, 'bad.email'],
    ['a number not in E.164', 'app', { connection: 'sms', phone_number: '555-0123' }, 'bad.phone_number'],
    ['a magic link by sms', 'app', { connection: 'sms', phone_number: PHONE, send: 'link' }, 'bad.send'],
    [
      'authParams that are not strings',
      'app',
      { connection: 'email', email: ALICE, send: 'link', authParams: { max_age: 0 } },
      'bad.authParams',
    ],
  ] as const)('refuses to send a code to %s, sending nothing', async (_case, who, body, error) => {
    // Registered first: a new client is enabled on every existing connection.
    const other = await registerApp(site.api, CALLBACK, { grant_types: [PASSWORDLESS_OTP_GRANT] });
    const app = await passwordlessApp();
    const client = who === 'app' ? app : other;
    const answer = await fetch(`${site.tenant.url}/passwordless/start`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        client_id: client.client_id,
        client_secret: client.client_secret,
        send: 'code',
        ...body,
      }),
    });
    expect(answer.status).toBe(400);
    expect(((await answer.json()) as { error: string }).error).toBe(error);
    expect(await site.tenant.control.outbox()).toEqual([]);
  });

  it('refuses to send for a confidential client without its secret', async () => {
    const app = await passwordlessApp();
    const answer = await fetch(`${site.tenant.url}/passwordless/start`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ client_id: app.client_id, connection: 'email', email: ALICE, send: 'code' }),
    });
    expect(answer.status).toBe(401);
    expect(await site.tenant.control.outbox()).toEqual([]);
  });
});

// Auth0 runs the post-login Actions on every login, the passwordless OTP grant's too
// (https://auth0.com/docs/customize/actions/explore-triggers/signup-and-login-triggers/login-trigger).
describe('post-login Actions on the passwordless OTP grant', () => {
  /** Deploys `body` as the only post-login Action. */
  const withAction = (body: string) =>
    deployPostLoginAction(site.api, `exports.onExecutePostLogin = async (event, api) => { ${body} };`, {});

  async function loginByEmail(sdk: AuthenticationClient) {
    await sdk.passwordless.sendEmail({ email: ALICE, send: 'code' });
    return sdk.passwordless.loginWithEmail({
      email: ALICE,
      code: await lastCode(ALICE),
      scope: 'openid email',
    });
  }

  it('runs them with protocol oauth2-password and the token request, issues their claims, saves their metadata, and logs the executions', async () => {
    const app = await passwordlessApp();
    await withAction(`
      api.idToken.setCustomClaim('https://app.test/seen', {
        protocol: event.transaction.protocol,
        body: event.request.body,
        strategy: event.connection.strategy,
        method: event.authentication.methods[0].name,
        logins: event.stats.logins_count,
      });
      api.user.setAppMetadata('otp', true);
      console.log('otp login seen');`);
    const { data } = await loginByEmail(sdkFor(app));
    const claims = decodeJwtPayload(data.id_token ?? '');
    expect(claims['https://app.test/seen']).toEqual({
      protocol: 'oauth2-password',
      body: {
        grant_type: PASSWORDLESS_OTP_GRANT,
        client_id: app.client_id,
        username: ALICE,
        realm: 'email',
        scope: 'openid email',
      },
      strategy: 'email',
      method: 'email',
      logins: 1,
    });
    const [user] = await site.tenant.control.users();
    expect(user?.app_metadata).toEqual({ otp: true });

    const { data: logs } = await management().logs.list({ search: 'type:sepotpft' });
    expect(logs).toEqual([
      expect.objectContaining({ user_id: claims.sub, user_name: ALICE, connection: 'email' }),
    ]);
    const [execution] =
      (logs[0]?.details as { actions?: { executions: string[] } } | undefined)?.actions?.executions ?? [];
    const { results } = await management().actions.executions.get(execution ?? '');
    expect(results?.[0]).toMatchObject({ error: null, logs: 'otp login seen\n' });
  });

  it('fails the login with 403 access_denied and the reason when an Action denies it, logged as fepotpft', async () => {
    const sdk = sdkFor(await passwordlessApp());
    await withAction("api.access.deny('No codes today.');");
    const refused = await rejection(loginByEmail(sdk));
    expect(refused.statusCode).toBe(403);
    expect(JSON.parse(refused.body ?? '{}')).toEqual({
      error: 'access_denied',
      error_description: 'No codes today.',
    });
    const { data: logs } = await management().logs.list({ search: 'type:fepotpft' });
    expect(logs).toEqual([
      expect.objectContaining({ description: 'No codes today.', connection: 'email', user_name: ALICE }),
    ]);
    expect(logs[0]?.details).toMatchObject({ actions: { executions: [expect.any(String)] } });
  });

  it.each([
    ['a redirect', "api.redirect.sendUserTo('https://consent.test/');", 'interaction_required'],
    ['MFA', "api.multifactor.enable('any');", 'mfa_required'],
  ])('fails the login with 403 when an Action asks for %s, which needs a browser', async (_, body, error) => {
    const sdk = sdkFor(await passwordlessApp());
    await withAction(body);
    const refused = await rejection(loginByEmail(sdk));
    expect(refused.statusCode).toBe(403);
    expect(JSON.parse(refused.body ?? '{}').error).toBe(error);
  });
});

describe('the Universal Login code page', () => {
  /** Opens /authorize for `connection` and submits the first step; returns the code page. */
  async function codePageFor(
    browser: LoginDriver,
    app: LoginApp,
    connection: string,
    fields: Record<string, string>,
  ) {
    const { response, verifier } = await browser.authorize(app, { connection });
    const loginUrl = locationOf(response, site.tenant.url);
    const page = await browser.submitLoginPage(loginUrl, { connection, ...fields });
    return { page, state: loginUrl.searchParams.get('state') ?? '', verifier };
  }

  it('asks only for the address with connection=email, then logs in with the emailed code', async () => {
    const app = await passwordlessApp();
    const browser = new LoginDriver(site.tenant);
    const { response } = await browser.authorize(app, { connection: 'email' });
    const login = await (await browser.fetch(locationOf(response, site.tenant.url))).text();
    expect(login).toContain('Email me a code');
    expect(login).not.toContain('name="password"');

    const { page, state, verifier } = await codePageFor(browser, app, 'email', {
      email: 'Alice@Example.com',
    });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Enter your code');
    const done = await browser.fetch('/u/login/code', {
      method: 'POST',
      body: new URLSearchParams({ state, connection: 'email', email: ALICE, code: await lastCode(ALICE) }),
    });
    const { claims } = await browser.exchange(app, locationOf(done, site.tenant.url), verifier);
    expect(claims).toMatchObject({ email: ALICE, email_verified: true });
    expect(claims.sub).toMatch(/^email\|/);

    // Auth0: connection=email or sms does not use the existing session; the user is asked again.
    const again = await browser.authorize(app, { connection: 'email' });
    expect(locationOf(again.response, site.tenant.url).pathname).toBe('/u/login');
  });

  it("shows the code page again with Auth0's message after a wrong code", async () => {
    const app = await passwordlessApp();
    const browser = new LoginDriver(site.tenant);
    const { state } = await codePageFor(browser, app, 'sms', { phone_number: PHONE });
    const code = await lastCode(PHONE);
    const again = await browser.fetch('/u/login/code', {
      method: 'POST',
      body: new URLSearchParams({
        state,
        connection: 'sms',
        phone_number: PHONE,
        code: code === '000000' ? '1' : '0',
      }),
    });
    expect(again.status).toBe(400);
    expect(await again.text()).toContain('Wrong phone number or verification code.');
    const { body: failed } = await site.api<Array<Record<string, unknown>>>('GET', '/logs?q=type:f');
    expect(failed).toEqual([
      expect.objectContaining({
        connection: 'sms',
        strategy_type: 'passwordless',
        user_name: PHONE,
        description: 'Wrong phone number or verification code.',
      }),
    ]);
  });

  it('offers only the passwordless connections enabled for the application', async () => {
    const other = await registerApp(site.api, CALLBACK);
    await passwordlessApp();
    const browser = new LoginDriver(site.tenant);
    const { response } = await browser.authorize(other);
    const login = await (await browser.fetch(locationOf(response, site.tenant.url))).text();
    expect(login).not.toContain('Email me a code');
    expect(login).not.toContain('Text me a code');
  });
});

// Magic links: https://auth0.com/docs/api/authentication/passwordless/get-code-or-link (`send: link`, the default
// for email, with `authParams`) and .../implement-login/embedded-login/webapps (the link ends at the callback).
describe('magic links', () => {
  const verifier = randomBytes(32).toString('base64url');
  const authParams = {
    redirect_uri: CALLBACK,
    response_type: 'code',
    scope: 'openid email',
    state: 'link-state',
    nonce: 'link-nonce',
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
  };

  async function lastLink(to: string): Promise<URL> {
    const link = (await site.tenant.control.outbox(to)).at(-1)?.link;
    if (link === undefined) throw new Error(`no link was sent to ${to}`);
    return new URL(link);
  }

  it('emails a link that logs in through the post-login Actions and ends at the callback with a code', async () => {
    const app = await passwordlessApp();
    await deployPostLoginAction(
      site.api,
      `exports.onExecutePostLogin = async (event, api) => {
        api.idToken.setCustomClaim('https://app.test/login', [event.connection.strategy, event.transaction.redirect_uri]);
      };`,
      {},
    );
    await sdkFor(app).passwordless.sendEmail({ email: ALICE, send: 'link', authParams });
    const link = await lastLink(ALICE);
    expect(link.pathname).toBe('/passwordless/verify_redirect');
    expect(Object.fromEntries(link.searchParams)).toMatchObject({
      ...authParams,
      connection: 'email',
      client_id: app.client_id,
      email: ALICE,
    });
    expect((await site.tenant.control.outbox(ALICE)).at(-1)?.text).toContain(link.href);

    const browser = new LoginDriver(site.tenant);
    const callback = locationOf(await browser.fetch(link), site.tenant.url);
    expect(`${callback.origin}${callback.pathname}`).toBe(CALLBACK);
    expect(callback.searchParams.get('state')).toBe('link-state');
    const { claims } = await browser.exchange(app, callback, verifier);
    expect(claims).toMatchObject({
      email: ALICE,
      email_verified: true,
      nonce: 'link-nonce',
      'https://app.test/login': ['email', CALLBACK],
    });
    expect(claims.sub).toMatch(/^email\|[0-9a-f]{24}$/);

    // Single use: the same link again answers the callback with access_denied.
    const again = locationOf(await new LoginDriver(site.tenant).fetch(link), site.tenant.url);
    expect(Object.fromEntries(again.searchParams)).toEqual({
      error: 'access_denied',
      error_description: 'Wrong email or verification code.',
      state: 'link-state',
    });
  });

  it('sends a link when send is absent, and the link expires with the code', async () => {
    const app = await passwordlessApp();
    await sdkFor(app).passwordless.sendEmail({ email: ALICE, authParams });
    const link = await lastLink(ALICE);
    now += 180_000;
    const expired = locationOf(await new LoginDriver(site.tenant).fetch(link), site.tenant.url);
    expect(expired.searchParams.get('error')).toBe('access_denied');
  });

  it('refuses a link whose redirect_uri is not an allowed callback, and leaves the link usable', async () => {
    const app = await passwordlessApp();
    await sdkFor(app).passwordless.sendEmail({ email: ALICE, send: 'link', authParams });
    const link = await lastLink(ALICE);
    const tampered = new URL(link);
    tampered.searchParams.set('redirect_uri', 'https://attacker.test/callback');
    const refused = await new LoginDriver(site.tenant).fetch(tampered);
    expect(refused.status).toBe(400);
    expect(refused.headers.get('location')).toBeNull();
    expect(await refused.text()).toContain('Callback URL mismatch');

    const browser = new LoginDriver(site.tenant);
    const callback = locationOf(await browser.fetch(link), site.tenant.url);
    expect((await browser.exchange(app, callback, verifier)).claims).toMatchObject({ email: ALICE });
  });
});
