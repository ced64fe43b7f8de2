import { randomBytes } from 'node:crypto';
import express from 'express';
import { auth, type ConfigParams, requiresAuth } from 'express-openid-connect';
import { describe, expect, it } from 'vitest';
import { useAppSite } from '../../support/app-site.ts';
import { formPostFields, LoginDriver, locationOf } from '../../support/login-driver.ts';

// Auth0's Express middleware (express-openid-connect 3.x), unchanged: its defaults (response_type id_token by
// form_post: auth0.com/docs/authenticate/protocols/oauth#how-response-settings-work), the hybrid code id_token flow
// (auth0.com/docs/get-started/authentication-and-authorization-flow/hybrid-flow), RP-initiated logout at
// /oidc/logout (auth0.com/docs/authenticate/login/logout/log-users-out-of-auth0) and OIDC Back-Channel Logout by sid
// (auth0.com/docs/authenticate/login/logout/back-channel-logout).

const local = useAppSite({
  client: {
    callbackPath: '/callback',
    fields: (url) => ({
      // What the middleware sends as post_logout_redirect_uri: its baseURL without the slash, as the quickstart
      // registers it.
      allowed_logout_urls: [url],
      oidc_logout: { backchannel_logout_urls: [`${url}/backchannel-logout`] },
    }),
  },
});

/** An app as Auth0's quickstart writes it: `/` says who is signed in, `/profile` needs a login. */
function useApp(options: Partial<ConfigParams> = {}): void {
  const app = express();
  app.use(
    auth({
      issuerBaseURL: local.tenant.issuer,
      baseURL: `${local.url}/`,
      clientID: local.client.client_id,
      secret: randomBytes(32).toString('hex'),
      authRequired: false,
      ...options,
    }),
  );
  app.get('/', (req, res) => {
    res.json({ email: req.oidc.user?.email ?? null, sid: req.oidc.idTokenClaims?.sid ?? null });
  });
  app.get('/profile', requiresAuth(), async (req, res) => {
    res.json({
      userinfo: await req.oidc.fetchUserInfo(),
      hasAccessToken: req.oidc.accessToken !== undefined,
    });
  });
  local.serve(app);
}

/** `/login` through the tenant's login page (a simulated GitHub login); returns /authorize's query and the answer. */
async function logIn(browser: LoginDriver): Promise<{ authorize: URLSearchParams; page: string }> {
  const { response, authorize } = await browser.loginFrom(`${local.url}/login`, {
    connection: 'github',
    email: 'alice@example.com',
    email_verified: 'true',
  });
  expect(response.status).toBe(200);
  return { authorize: authorize.searchParams, page: await response.text() };
}

/** The browser submits the form_post page to the app's callback and follows the app back to `/`. */
async function finishLogin(
  browser: LoginDriver,
  page: string,
): Promise<{ email: string | null; sid: string }> {
  const posted = await browser.submitFormPost(page);
  const { response, url } = await browser.follow(locationOf(posted, local.url));
  expect(url.href).toBe(`${local.url}/`);
  return (await response.json()) as { email: string | null; sid: string };
}

type LogoutStore = NonNullable<Exclude<ConfigParams['backchannelLogout'], boolean | undefined>['store']>;
type LogoutMarks = Map<string, Parameters<LogoutStore['set']>[1]>;

/** The store the middleware keeps back-channel logouts in (by `iss|sid` and `iss|sub`), kept in `marks`. */
function recordingStore(marks: LogoutMarks): LogoutStore {
  return {
    get: (key, done) => done(null, marks.get(key)),
    set(key, value, done) {
      marks.set(key, value);
      done?.();
    },
    destroy(key, done) {
      marks.delete(key);
      done?.();
    },
  };
}

async function signedInAs(browser: LoginDriver): Promise<string | null> {
  const home = await browser.fetch(`${local.url}/`);
  return ((await home.json()) as { email: string | null }).email;
}

describe('express-openid-connect against the local tenant', () => {
  it('signs in with its defaults: an ID token by form_post, its nonce checked', async () => {
    useApp();
    const browser = new LoginDriver(local.tenant);
    const { authorize, page } = await logIn(browser);
    expect(Object.fromEntries(authorize)).toMatchObject({
      response_type: 'id_token',
      response_mode: 'form_post',
      scope: 'openid profile email',
    });
    const { action, fields } = formPostFields(page);
    expect(action).toBe(`${local.url}/callback`);
    expect(Object.keys(fields).sort()).toEqual(['id_token', 'state']);
    expect((await finishLogin(browser, page)).email).toBe('alice@example.com');
  });

  it('signs in with the hybrid code id_token flow and reads /userinfo with the access token', async () => {
    useApp({
      clientSecret: local.client.client_secret,
      authorizationParams: { response_type: 'code id_token' },
    });
    const browser = new LoginDriver(local.tenant);
    const { authorize, page } = await logIn(browser);
    expect(authorize.get('response_type')).toBe('code id_token');
    expect(Object.keys(formPostFields(page).fields).sort()).toEqual(['code', 'id_token', 'state']);
    await finishLogin(browser, page);
    const profile = await browser.fetch(`${local.url}/profile`);
    expect(await profile.json()).toMatchObject({
      userinfo: { email: 'alice@example.com', email_verified: true },
      hasAccessToken: true,
    });
  });

  it('logs out at /oidc/logout with the ID token as hint, back to the registered post_logout_redirect_uri', async () => {
    useApp({ idpLogout: true });
    const browser = new LoginDriver(local.tenant);
    await finishLogin(browser, (await logIn(browser)).page);
    const logout = locationOf(await browser.fetch(`${local.url}/logout`), local.url);
    expect(logout.origin + logout.pathname).toBe(`${local.tenant.url}/oidc/logout`);
    expect(logout.searchParams.get('post_logout_redirect_uri')).toBe(local.url);
    expect(logout.searchParams.has('id_token_hint')).toBe(true);
    const { url } = await browser.follow(logout);
    expect(url.href).toBe(`${local.url}/`);
    expect(await signedInAs(browser)).toBeNull();
    const silent = await browser.authorize(local.client, { prompt: 'none' });
    expect(locationOf(silent.response, local.tenant.url).searchParams.get('error')).toBe('login_required');
  });

  it('ends the app session by its sid when the tenant session ends elsewhere (back-channel logout)', async () => {
    const marks: LogoutMarks = new Map();
    useApp({ backchannelLogout: { store: recordingStore(marks) } });
    const browser = new LoginDriver(local.tenant);
    const { sid } = await finishLogin(browser, (await logIn(browser)).page);
    expect(await signedInAs(browser)).toBe('alice@example.com');
    const query = new URLSearchParams({ client_id: local.client.client_id, returnTo: local.url });
    expect((await browser.fetch(`${local.tenant.url}/v2/logout?${query}`)).status).toBe(302);
    const [delivery] = await local.tenant.control.events({ type: 'backchannel_logout' });
    expect(delivery).toMatchObject({ client_id: local.client.client_id, status: 204 });
    expect(marks.has(`${local.tenant.issuer}|${sid}`)).toBe(true);
    expect(await signedInAs(browser)).toBeNull();
  });
});
