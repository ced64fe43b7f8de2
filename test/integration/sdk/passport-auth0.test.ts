import { randomBytes } from 'node:crypto';
import express from 'express';
import session from 'express-session';
import passport from 'passport';
import Auth0Strategy from 'passport-auth0';
import { beforeEach, describe, expect, it } from 'vitest';
import { useAppSite } from '../../support/app-site.ts';
import { deployPostLoginAction, type LoginApp, LoginDriver, locationOf } from '../../support/login-driver.ts';

// passport-auth0 1.4 with passport and express-session, unchanged, as Auth0's Express quickstart wires them
// (auth0.com/docs/quickstart/webapp/express/interactive, the passport-auth0 README): the code exchange with the client
// secret, ID token checks (iss, aud, nonce), the profile from /userinfo?access_token=, logout through /v2/logout.

const local = useAppSite({
  client: { callbackPath: '/callback', fields: (url) => ({ allowed_logout_urls: [`${url}/`] }) },
});

beforeEach(() => {
  local.serve(expressApp(local.client));
});

/** The quickstart's app: /login, /callback, a /profile that needs the session, /logout. */
function expressApp(registered: LoginApp): express.Express {
  const authenticator = new passport.Passport();
  authenticator.use(
    new Auth0Strategy(
      {
        domain: local.tenant.domain,
        clientID: registered.client_id,
        clientSecret: registered.client_secret,
        callbackURL: registered.callback,
      },
      (_accessToken, _refreshToken, _extraParams, profile, done) => done(null, profile),
    ),
  );
  authenticator.serializeUser((user, done) => done(null, user));
  authenticator.deserializeUser((user: Express.User, done) => done(null, user));

  const app = express();
  app.use(session({ secret: randomBytes(32).toString('hex'), resave: false, saveUninitialized: false }));
  app.use(authenticator.authenticate('session'));
  app.get('/login', authenticator.authenticate('auth0', { scope: 'openid email profile' }));
  app.get('/callback', authenticator.authenticate('auth0', { failureRedirect: '/failed' }), (_req, res) =>
    res.redirect('/profile'),
  );
  app.get('/profile', (req, res) => (req.user ? res.json(req.user) : res.status(401).end()));
  app.get('/failed', (_req, res) => res.status(401).send('login failed'));
  app.get('/logout', (req, res, next) =>
    req.logout((error) => {
      if (error) return next(error);
      const query = new URLSearchParams({ client_id: registered.client_id, returnTo: `${local.url}/` });
      res.redirect(`https://${local.tenant.domain}/v2/logout?${query}`);
    }),
  );
  app.get('/', (_req, res) => res.send('home'));
  return app;
}

/** /login through the tenant's login page (a simulated GitHub login) back to the app; returns the app's answer. */
async function logIn(browser: LoginDriver): Promise<{ response: Response; url: URL }> {
  const { response } = await browser.loginFrom(`${local.url}/login`, {
    connection: 'github',
    email: 'alice@example.com',
    email_verified: 'true',
  });
  return browser.follow(locationOf(response, local.url));
}

describe('passport-auth0 on Express against the local tenant', () => {
  it('logs in and loads the profile from /userinfo into the session', async () => {
    const browser = new LoginDriver(local.tenant);
    const { response, url } = await logIn(browser);
    expect(url.href).toBe(`${local.url}/profile`);
    const profile = (await response.json()) as Record<string, unknown>;
    const [user] = await local.tenant.control.users();
    expect(profile).toMatchObject({
      id: user?.user_id,
      provider: 'github',
      emails: [{ value: 'alice@example.com' }],
      _json: { sub: user?.user_id, email: 'alice@example.com', email_verified: true },
    });
    const again = await browser.fetch(`${local.url}/profile`);
    expect(((await again.json()) as { id: string }).id).toBe(user?.user_id);
  });

  it('logs out of the app and of the tenant, returning to the registered URL', async () => {
    const browser = new LoginDriver(local.tenant);
    await logIn(browser);
    const { response, url } = await browser.follow(`${local.url}/logout`);
    expect(url.href).toBe(`${local.url}/`);
    expect(await response.text()).toBe('home');
    expect((await browser.fetch(`${local.url}/profile`)).status).toBe(401);
    const silent = await browser.authorize(local.client, { prompt: 'none' });
    expect(locationOf(silent.response, local.tenant.url).searchParams.get('error')).toBe('login_required');
  });

  it('sends a login an Action refused to the failure route, with no user in the session', async () => {
    await deployPostLoginAction(
      local.api,
      "exports.onExecutePostLogin = async (event, api) => { api.access.deny('Not this one.'); };",
      {},
    );
    const browser = new LoginDriver(local.tenant);
    const { response, url } = await logIn(browser);
    expect(url.href).toBe(`${local.url}/failed`);
    expect(response.status).toBe(401);
    expect((await browser.fetch(`${local.url}/profile`)).status).toBe(401);
  });
});
