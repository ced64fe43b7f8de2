import { beforeEach, describe, expect, it } from 'vitest';
import { LoginDriver, locationOf, useBuiltAction, useLoginTenant } from '../../support/login-driver.ts';

const CALLBACK = 'https://app.test/callback';
const LOGGED_OUT = 'https://app.test/';
const OLD = '2020-01-01T00:00:00.000Z';

/** Added to the real clock: the tenant ages sessions by it while Action builds still finish in real time. */
let skew = 0;

beforeEach(() => {
  skew = 0;
});
const site = useLoginTenant({
  now: () => Date.now() + skew,
  app: { callback: CALLBACK, allowed_logout_urls: [LOGGED_OUT] },
});
const deployAction = useBuiltAction(site);

/** One browser that has logged in once as alice on Google. */
async function signedInBrowser(): Promise<{ browser: LoginDriver; first: Record<string, unknown> }> {
  const browser = new LoginDriver(site.tenant);
  const { location, verifier } = await browser.login(site.app, 'google-oauth2', 'alice@example.com');
  return { browser, first: (await browser.exchange(site.app, location, verifier)).claims };
}

function isLoginPage(response: Response): boolean {
  return locationOf(response, site.tenant.url).pathname === '/u/login';
}

describe('the SSO session of the local tenant', () => {
  it('lets a second /authorize in the same browser through without the login page, with the first auth_time', async () => {
    const { browser, first } = await signedInBrowser();
    skew += 60_000;
    const { response, verifier } = await browser.authorize(site.app);
    const location = locationOf(response, site.tenant.url);
    expect(location.origin + location.pathname).toBe(CALLBACK);
    const { claims } = await browser.exchange(site.app, location, verifier);
    expect(claims.sub).toBe(first.sub);
    expect(claims.auth_time).toBe(first.auth_time);
  });

  it('keeps the session in an HttpOnly, Secure, SameSite=None cookie for the whole tenant', async () => {
    const browser = new LoginDriver(site.tenant);
    const { response } = await browser.authorize(site.app);
    const page = await browser.fetch(locationOf(response, site.tenant.url));
    const submitted = await browser.fetch('/u/login', {
      method: 'POST',
      body: new URLSearchParams({
        state: locationOf(response, site.tenant.url).searchParams.get('state') ?? '',
        connection: 'github',
        email: 'carol@example.com',
        email_verified: 'true',
      }),
    });
    expect(page.status).toBe(200);
    const cookie = submitted.headers.getSetCookie().find((line) => line.startsWith('auth0='));
    expect(
      cookie
        ?.split(/;\s*/)
        .slice(1)
        .map((attribute) => attribute.toLowerCase()),
    ).toEqual(expect.arrayContaining(['path=/', 'httponly', 'secure', 'samesite=none']));
  });

  it('refuses a silent login once the session’s user is blocked', async () => {
    const { browser, first } = await signedInBrowser();
    await site.api('PATCH', `/users/${encodeURIComponent(String(first.sub))}`, { blocked: true });
    const location = locationOf((await browser.authorize(site.app)).response, site.tenant.url);
    expect(Object.fromEntries(location.searchParams)).toMatchObject({
      error: 'access_denied',
      state: 'app-state',
    });
  });

  it('answers prompt=none without a session with login_required at the callback, keeping state', async () => {
    const { response } = await new LoginDriver(site.tenant).authorize(site.app, { prompt: 'none' });
    const location = locationOf(response, site.tenant.url);
    expect(location.origin + location.pathname).toBe(CALLBACK);
    expect(Object.fromEntries(location.searchParams)).toMatchObject({
      error: 'login_required',
      state: 'app-state',
    });
  });

  it('completes prompt=none silently when the browser has a session', async () => {
    const { browser, first } = await signedInBrowser();
    const { response, verifier } = await browser.authorize(site.app, { prompt: 'none' });
    const { claims } = await browser.exchange(site.app, locationOf(response, site.tenant.url), verifier);
    expect(claims.sub).toBe(first.sub);
  });

  it.each([
    ['prompt=login', { prompt: 'login' }],
    ['max_age=0', { max_age: '0' }],
    ['another connection', { connection: 'Username-Password-Authentication' }],
  ])('shows the login page again for %s', async (_, params) => {
    const { browser } = await signedInBrowser();
    expect(isLoginPage((await browser.authorize(site.app, params)).response)).toBe(true);
  });

  it('asks for a new login once the session is older than max_age, and refuses it silently', async () => {
    const { browser } = await signedInBrowser();
    skew += 120_000;
    expect(isLoginPage((await browser.authorize(site.app, { max_age: '300' })).response)).toBe(false);
    expect(isLoginPage((await browser.authorize(site.app, { max_age: '60' })).response)).toBe(true);
    const silent = locationOf(
      (await browser.authorize(site.app, { max_age: '60', prompt: 'none' })).response,
      site.tenant.url,
    );
    expect(silent.searchParams.get('error')).toBe('login_required');
  });

  it('refuses a max_age that is not a number of seconds', async () => {
    const { response } = await new LoginDriver(site.tenant).authorize(site.app, { max_age: '-1' });
    expect(locationOf(response, site.tenant.url).searchParams.get('error')).toBe('invalid_request');
  });

  it('logs in as the primary once the session identity was linked into an older account', async () => {
    const [older] = await site.tenant.control.seedUsers([
      {
        connection: 'Username-Password-Authentication',
        email: 'alice@example.com',
        email_verified: true,
        created_at: OLD,
      },
    ]);
    const { browser, first } = await signedInBrowser();
    const [, googleId] = String(first.sub).split(/\|(.*)/s);
    const linked = await site.api('POST', `/users/${encodeURIComponent(older?.user_id ?? '')}/identities`, {
      provider: 'google-oauth2',
      user_id: googleId,
    });
    expect(linked.status).toBe(201);
    const { response, verifier } = await browser.authorize(site.app);
    const { claims } = await browser.exchange(site.app, locationOf(response, site.tenant.url), verifier);
    expect(claims.sub).toBe(older?.user_id);
  });

  it('completes a silent login unlinked where an interactive one goes to the consent page', async () => {
    const { browser } = await signedInBrowser();
    await site.tenant.control.seedUsers([
      {
        connection: 'Username-Password-Authentication',
        email: 'alice@example.com',
        email_verified: true,
        created_at: OLD,
      },
    ]);
    await deployAction({
      CONSENT_URL: 'https://consent.test/consent',
      SESSION_TOKEN_SECRET: 'sso-session-token-secret-0123456789abcdef',
    });
    const interactive = locationOf((await browser.authorize(site.app)).response, site.tenant.url);
    expect(interactive.origin + interactive.pathname).toBe('https://consent.test/consent');
    // The Action never redirects a prompt=none login (Auth0 would end it with interaction_required).
    const { response, verifier } = await browser.authorize(site.app, { prompt: 'none' });
    const { claims } = await browser.exchange(site.app, locationOf(response, site.tenant.url), verifier);
    expect(claims.sub).toMatch(/^google-oauth2\|/);
    expect(await site.tenant.control.users()).toHaveLength(2);
  });
});

describe('/v2/logout', () => {
  it('ends the session and returns to an allowed logout URL', async () => {
    const { browser } = await signedInBrowser();
    const out = await browser.fetch(
      `/v2/logout?client_id=${site.app.client_id}&returnTo=${encodeURIComponent(LOGGED_OUT)}`,
    );
    expect(locationOf(out, site.tenant.url).href).toBe(LOGGED_OUT);
    expect(isLoginPage((await browser.authorize(site.app)).response)).toBe(true);
  });

  it('refuses a returnTo that is not an allowed logout URL of the client', async () => {
    const { browser } = await signedInBrowser();
    const out = await browser.fetch(`/v2/logout?client_id=${site.app.client_id}&returnTo=https://evil.test/`);
    expect(out.status).toBe(400);
    expect(out.headers.get('location')).toBeNull();
    expect(await out.text()).toContain('Allowed Logout URLs');
  });
});

describe('/userinfo', () => {
  it('returns the claims the access token’s scopes allow', async () => {
    const browser = new LoginDriver(site.tenant);
    const { location, verifier } = await browser.login(site.app, 'github', 'bob@example.com', {
      scope: 'openid email',
    });
    const { accessToken, claims } = await browser.exchange(site.app, location, verifier);
    const response = await fetch(`${site.tenant.url}/userinfo`, {
      headers: { authorization: `Bearer ${accessToken}` },
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      sub: claims.sub,
      email: 'bob@example.com',
      email_verified: true,
    });
  });

  it('answers 401 with WWW-Authenticate without a valid token', async () => {
    const missing = await fetch(`${site.tenant.url}/userinfo`);
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toContain('error="invalid_request"');
    const forged = await fetch(`${site.tenant.url}/userinfo`, {
      headers: { authorization: 'Bearer not.a.token' },
    });
    expect(forged.status).toBe(401);
    expect(forged.headers.get('www-authenticate')).toContain('error="invalid_token"');
  });
});
