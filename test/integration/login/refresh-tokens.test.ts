import { describe, expect, it } from 'vitest';
import {
  decodeJwtPayload,
  deployPostLoginAction,
  type LoginApp,
  LoginDriver,
  registerApp,
  useLoginTenant,
} from '../../support/login-driver.ts';

// auth0.com/docs/secure/tokens/refresh-tokens: get-refresh-tokens, use-refresh-tokens, refresh-token-rotation,
// configure-refresh-token-expiration, revoke-refresh-tokens.
const CALLBACK = 'https://app.test/callback';
const API = 'https://api.test/';

/** Added to the real clock: the tenant ages refresh tokens by it. It only grows: the tenant's rate limit needs a clock that never goes back. */
let skew = 0;

const site = useLoginTenant({ now: () => Date.now() + skew });

interface TokenAnswer {
  access_token?: string;
  id_token?: string;
  refresh_token?: string;
  scope?: string;
  error?: string;
  error_description?: string;
}

/** Logs alice in to `app` with `params` and exchanges the code. */
async function login(
  app: LoginApp,
  params: Record<string, string> = {},
  browser = new LoginDriver(site.tenant),
): Promise<TokenAnswer> {
  const { location, verifier } = await browser.login(app, 'github', 'alice@example.com', {
    scope: 'openid email offline_access',
    ...params,
  });
  return token(app, {
    grant_type: 'authorization_code',
    code: location.searchParams.get('code') ?? '',
    redirect_uri: app.callback,
    code_verifier: verifier,
  });
}

async function token(
  app: LoginApp,
  params: Record<string, string>,
): Promise<TokenAnswer & { status: number }> {
  const answer = await fetch(`${site.tenant.url}/oauth/token`, {
    method: 'POST',
    body: new URLSearchParams({ client_id: app.client_id, client_secret: app.client_secret, ...params }),
  });
  return { status: answer.status, ...((await answer.json()) as TokenAnswer) };
}

const refresh = (app: LoginApp, refreshToken: string) =>
  token(app, { grant_type: 'refresh_token', refresh_token: refreshToken });

const ROTATING = { rotation_type: 'rotating', expiration_type: 'expiring', leeway: 0 };
const INVALID = {
  status: 403,
  error: 'invalid_grant',
  error_description: 'Unknown or invalid refresh token.',
};

describe('issuing refresh tokens', () => {
  it('issues one for offline_access, and none without it', async () => {
    const app = await registerApp(site.api, CALLBACK);
    expect((await login(app)).refresh_token).toMatch(/^v1\./);
    expect((await login(app, { scope: 'openid email' })).refresh_token).toBeUndefined();
  });

  it('issues one for an API only when the API allows offline access', async () => {
    const app = await registerApp(site.api, CALLBACK);
    await site.api('POST', '/resource-servers', { identifier: API, name: 'API' });
    expect((await login(app, { audience: API })).refresh_token).toBeUndefined();
    await site.api('PATCH', `/resource-servers/${encodeURIComponent(API)}`, { allow_offline_access: true });
    expect((await login(app, { audience: API })).refresh_token).toBeDefined();
  });

  it('issues none to a client without the refresh_token grant', async () => {
    const app = await registerApp(site.api, CALLBACK, { grant_types: ['authorization_code'] });
    expect((await login(app)).refresh_token).toBeUndefined();
  });
});

describe('grant_type=refresh_token', () => {
  it('answers new access and ID tokens, and keeps a non-rotating token usable', async () => {
    const app = await registerApp(site.api, CALLBACK);
    const first = await login(app);
    const refreshed = await refresh(app, first.refresh_token ?? '');
    expect(refreshed).toMatchObject({ status: 200, scope: 'openid email offline_access' });
    expect(refreshed.refresh_token).toBeUndefined();
    const claims = JSON.parse(Buffer.from(refreshed.id_token?.split('.')[1] ?? '', 'base64url').toString());
    expect(claims).toMatchObject({ email: 'alice@example.com' });
    expect(claims.nonce).toBeUndefined();
    expect((await refresh(app, first.refresh_token ?? '')).status).toBe(200);
  });

  it('answers 403 invalid_grant for an unknown token, as Auth0 does', async () => {
    const app = await registerApp(site.api, CALLBACK);
    expect(await refresh(app, 'v1.not-a-token')).toMatchObject(INVALID);
  });

  it('refuses another client’s token', async () => {
    const app = await registerApp(site.api, CALLBACK);
    const other = await registerApp(site.api, CALLBACK);
    const { refresh_token } = await login(app);
    expect(await refresh(other, refresh_token ?? '')).toMatchObject(INVALID);
  });

  it('narrows the scope on request, and refuses a wider one', async () => {
    const app = await registerApp(site.api, CALLBACK);
    const { refresh_token = '' } = await login(app);
    const narrowed = await token(app, { grant_type: 'refresh_token', refresh_token, scope: 'openid' });
    expect(narrowed.scope).toBe('openid');
    const wider = await token(app, { grant_type: 'refresh_token', refresh_token, scope: 'openid profile' });
    expect(wider).toMatchObject({ status: 403, error: 'invalid_scope' });
  });

  it('needs the secret of a confidential client', async () => {
    const app = await registerApp(site.api, CALLBACK);
    const { refresh_token = '' } = await login(app);
    const answer = await fetch(`${site.tenant.url}/oauth/token`, {
      method: 'POST',
      body: new URLSearchParams({ grant_type: 'refresh_token', client_id: app.client_id, refresh_token }),
    });
    expect(answer.status).toBe(401);
  });

  it('refuses the token once its user was linked into another account', async () => {
    const app = await registerApp(site.api, CALLBACK);
    const { refresh_token = '', id_token = '' } = await login(app);
    const sub = JSON.parse(Buffer.from(id_token.split('.')[1] ?? '', 'base64url').toString()).sub as string;
    const [primary] = await site.tenant.control.seedUsers([
      { connection: 'Username-Password-Authentication', email: 'alice@example.com', email_verified: true },
    ]);
    const linked = await site.api('POST', `/users/${encodeURIComponent(primary?.user_id ?? '')}/identities`, {
      provider: 'github',
      user_id: sub.split('|')[1],
    });
    expect(linked.status).toBe(201);
    expect(await refresh(app, refresh_token)).toMatchObject(INVALID);
  });
});

describe('rotation', () => {
  it('answers a new token at each exchange when the client rotates', async () => {
    const app = await registerApp(site.api, CALLBACK, { refresh_token: ROTATING });
    const first = (await login(app)).refresh_token ?? '';
    const second = (await refresh(app, first)).refresh_token ?? '';
    expect(second).toMatch(/^v1\./);
    expect(second).not.toBe(first);
    expect((await refresh(app, second)).status).toBe(200);
  });

  it('revokes the whole family when a rotated token is used again', async () => {
    const app = await registerApp(site.api, CALLBACK, { refresh_token: ROTATING });
    const first = (await login(app)).refresh_token ?? '';
    const second = (await refresh(app, first)).refresh_token ?? '';
    expect(await refresh(app, first)).toMatchObject(INVALID);
    expect(await refresh(app, second)).toMatchObject(INVALID);
  });

  it('accepts a rotated token again within the leeway', async () => {
    const app = await registerApp(site.api, CALLBACK, { refresh_token: { ...ROTATING, leeway: 30 } });
    const first = (await login(app)).refresh_token ?? '';
    await refresh(app, first);
    skew += 10_000;
    expect((await refresh(app, first)).status).toBe(200);
    skew += 30_000;
    expect(await refresh(app, first)).toMatchObject(INVALID);
  });
});

describe('expiry from the client’s settings', () => {
  it('ends a token left unused past the idle lifetime', async () => {
    const settings = { ...ROTATING, infinite_idle_token_lifetime: false, idle_token_lifetime: 60 };
    const app = await registerApp(site.api, CALLBACK, { refresh_token: settings });
    const first = (await login(app)).refresh_token ?? '';
    skew += 50_000;
    const second = (await refresh(app, first)).refresh_token ?? '';
    skew += 50_000;
    expect((await refresh(app, second)).status).toBe(200);
    skew += 61_000;
    expect(await refresh(app, second)).toMatchObject(INVALID);
  });

  it('ends the family at the absolute lifetime however often it is used', async () => {
    const settings = { ...ROTATING, infinite_token_lifetime: false, token_lifetime: 100 };
    const app = await registerApp(site.api, CALLBACK, { refresh_token: settings });
    let current = (await login(app)).refresh_token ?? '';
    skew += 90_000;
    current = (await refresh(app, current)).refresh_token ?? '';
    skew += 11_000;
    expect(await refresh(app, current)).toMatchObject(INVALID);
  });

  it('never expires a non-expiring token, whatever lifetimes are set', async () => {
    const settings = {
      expiration_type: 'non-expiring',
      infinite_idle_token_lifetime: false,
      idle_token_lifetime: 1,
    };
    const app = await registerApp(site.api, CALLBACK, { refresh_token: settings });
    const first = (await login(app)).refresh_token ?? '';
    skew += 3_600_000;
    expect((await refresh(app, first)).status).toBe(200);
  });
});

describe('/oauth/revoke', () => {
  async function revoke(params: Record<string, string>): Promise<Response> {
    return fetch(`${site.tenant.url}/oauth/revoke`, { method: 'POST', body: new URLSearchParams(params) });
  }

  it('revokes the token and its family with 200 and an empty body', async () => {
    const app = await registerApp(site.api, CALLBACK, { refresh_token: ROTATING });
    const first = (await login(app)).refresh_token ?? '';
    const second = (await refresh(app, first)).refresh_token ?? '';
    const answer = await revoke({
      client_id: app.client_id,
      client_secret: app.client_secret,
      token: first,
    });
    expect(answer.status).toBe(200);
    expect(await answer.text()).toBe('');
    expect(await refresh(app, second)).toMatchObject(INVALID);
  });

  it('answers 200 for an unknown token, and needs a confidential client’s secret', async () => {
    const app = await registerApp(site.api, CALLBACK);
    const { refresh_token = '' } = await login(app);
    const unknown = await revoke({
      client_id: app.client_id,
      client_secret: app.client_secret,
      token: 'x',
    });
    expect(unknown.status).toBe(200);
    expect((await revoke({ client_id: app.client_id, token: refresh_token })).status).toBe(401);
    expect((await refresh(app, refresh_token)).status).toBe(200);
  });

  it('leaves another client’s token alone', async () => {
    const app = await registerApp(site.api, CALLBACK);
    const other = await registerApp(site.api, CALLBACK);
    const { refresh_token = '' } = await login(app);
    await revoke({
      client_id: other.client_id,
      client_secret: other.client_secret,
      token: refresh_token,
    });
    expect((await refresh(app, refresh_token)).status).toBe(200);
  });
});

describe('the end of the session', () => {
  it('revokes the session’s refresh tokens at logout, and leaves other sessions’ alone', async () => {
    const app = await registerApp(site.api, CALLBACK);
    const browser = new LoginDriver(site.tenant);
    const ours = (await login(app, {}, browser)).refresh_token ?? '';
    const elsewhere = (await login(app)).refresh_token ?? '';
    expect((await browser.fetch('/v2/logout')).status).toBe(200);
    expect(await refresh(app, ours)).toMatchObject(INVALID);
    expect((await refresh(app, elsewhere)).status).toBe(200);
  });
});

// Post-login Actions run on refresh-token exchanges (auth0.com/docs/customize/actions/explore-triggers/
// signup-and-login-triggers/login-trigger), with event.transaction.protocol 'oauth2-refresh-token'.
describe('post-login Actions on a refresh-token exchange', () => {
  /** Deploys `body` as the only post-login Action, run only on refresh-token exchanges. */
  const onRefresh = (body: string) =>
    deployPostLoginAction(
      site.api,
      `exports.onExecutePostLogin = async (event, api) => {
        if (event.transaction.protocol !== 'oauth2-refresh-token') return;
        ${body}
      };`,
      {},
    );
  const unbindAll = () => site.api('PATCH', '/actions/triggers/post-login/bindings', { bindings: [] });

  it('runs them with the protocol and the token request, and issues the claims they set', async () => {
    const app = await registerApp(site.api, CALLBACK);
    const { refresh_token = '', id_token = '' } = await login(app);
    await onRefresh(`
      api.idToken.setCustomClaim('https://app.test/request', {
        body: event.request.body,
        logins: event.stats.logins_count,
        authenticated_at: event.authentication.methods[0].timestamp,
      });`);
    const refreshed = await refresh(app, refresh_token);
    expect(refreshed.status).toBe(200);
    const atLogin = decodeJwtPayload(id_token);
    expect(decodeJwtPayload(refreshed.id_token ?? '')['https://app.test/request']).toEqual({
      body: { grant_type: 'refresh_token', client_id: app.client_id },
      logins: 1,
      authenticated_at: new Date((atLogin.auth_time as number) * 1000).toISOString(),
    });
    // The exchange's log event names the user and the Action executions, as a login's does.
    const { body: logs } = await site.api<Array<Record<string, unknown>>>('GET', '/logs?q=type:sertft');
    expect(logs).toEqual([
      expect.objectContaining({
        user_id: atLogin.sub,
        details: { actions: { executions: [expect.any(String)] } },
      }),
    ]);
  });

  it('shows the token presented as event.refresh_token, one id for the whole rotated family', async () => {
    const expiring = { ...ROTATING, infinite_token_lifetime: false, infinite_idle_token_lifetime: false };
    const app = await registerApp(site.api, CALLBACK, { refresh_token: expiring });
    const { refresh_token = '', id_token = '' } = await login(app);
    await onRefresh("api.idToken.setCustomClaim('https://app.test/rt', event.refresh_token);");
    const first = await refresh(app, refresh_token);
    const second = await refresh(app, first.refresh_token ?? '');
    const [seen, again] = [first, second].map(
      (answer) => decodeJwtPayload(answer.id_token ?? '')['https://app.test/rt'] as Record<string, unknown>,
    );
    expect(seen).toEqual({
      id: expect.stringMatching(/^[0-9a-f]{32}$/),
      client_id: app.client_id,
      created_at: expect.any(String),
      expires_at: expect.any(String),
      idle_expires_at: expect.any(String),
      session_id: decodeJwtPayload(id_token).sid,
      device: {
        initial_ip: expect.any(String),
        last_ip: expect.any(String),
        initial_user_agent: expect.any(String),
        last_user_agent: expect.any(String),
      },
    });
    expect(again?.id).toBe(seen?.id);
    expect(again?.created_at).toBe(seen?.created_at);
    expect(Date.parse(String(seen?.expires_at))).toBeGreaterThan(Date.parse(String(seen?.created_at)));
  });

  it('fails the exchange with 403 access_denied when an Action denies it, and leaves the token unused', async () => {
    const app = await registerApp(site.api, CALLBACK, { refresh_token: ROTATING });
    const { refresh_token = '' } = await login(app);
    await onRefresh("api.access.deny('Refreshes are off for this user.');");
    expect(await refresh(app, refresh_token)).toMatchObject({
      status: 403,
      error: 'access_denied',
      error_description: 'Refreshes are off for this user.',
    });
    await unbindAll();
    expect((await refresh(app, refresh_token)).status).toBe(200);
  });

  it.each([
    ['a redirect', "api.redirect.sendUserTo('https://consent.test/');", 'interaction_required'],
    ['MFA', "api.multifactor.enable('any');", 'mfa_required'],
  ])(
    'fails the exchange with 403 when an Action asks for %s, which needs a browser',
    async (_, body, error) => {
      const app = await registerApp(site.api, CALLBACK);
      const { refresh_token = '' } = await login(app);
      await onRefresh(body);
      expect(await refresh(app, refresh_token)).toMatchObject({ status: 403, error });
    },
  );

  it('saves the metadata an Action sets on the exchange', async () => {
    const app = await registerApp(site.api, CALLBACK);
    const { refresh_token = '' } = await login(app);
    await onRefresh("api.user.setAppMetadata('refreshed', true);");
    expect((await refresh(app, refresh_token)).status).toBe(200);
    const [user] = await site.tenant.control.users();
    expect(user?.app_metadata).toEqual({ refreshed: true });
  });
});

describe('discovery', () => {
  it('publishes the revocation endpoint and offline_access', async () => {
    const document = (await (
      await fetch(`${site.tenant.issuer}.well-known/openid-configuration`)
    ).json()) as Record<string, unknown>;
    expect(document.revocation_endpoint).toBe(`${site.tenant.issuer}oauth/revoke`);
    expect(document.scopes_supported).toContain('offline_access');
  });
});
