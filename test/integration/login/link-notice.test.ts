import { beforeEach, describe, expect, it } from 'vitest';
import { LINKED_CLAIM } from '../../../core/link-notice.ts';
import { signNoticeAnswer, verifyLinkNotice } from '../../../web/tokens.ts';
import { LoginDriver, locationOf, useBuiltAction, useLoginTenant } from '../../support/login-driver.ts';

const CALLBACK = 'https://app.test/callback';
const CONSENT_URL = 'https://link.test/consent';
const NOTICE_URL = 'https://link.test/notice';
const SESSION_TOKEN_SECRET = 'integration-session-token-secret-0123456789';
const PAGE = { CONSENT_URL, SESSION_TOKEN_SECRET, AUTO_LINK_CONNECTIONS: '*', LINK_NOTICE: 'page' };

const site = useLoginTenant({ app: { callback: CALLBACK } });
const deployAction = useBuiltAction(site);

/** A Google login in a fresh browser profile, ending where the tenant sends it: the app or the notice page. */
async function googleLogin() {
  const browser = new LoginDriver(site.tenant);
  return { browser, ...(await browser.login(site.app, 'google-oauth2', 'alice@example.com')) };
}

/** The ID token's claims for a login that came back to the app. */
async function idToken(location: URL, verifier: string): Promise<Record<string, unknown>> {
  return (await new LoginDriver(site.tenant).exchange(site.app, location, verifier)).claims;
}

/** What the notice page does with the URL the Action sent the browser to: open it, then sign `decision`. */
async function answer(notice: URL, decision: 'keep' | 'undo') {
  const context = { secret: SESSION_TOKEN_SECRET, issuer: site.tenant.domain, now: new Date() };
  const opened = await verifyLinkNotice(notice.searchParams.get('session_token') ?? '', context);
  const state = notice.searchParams.get('state') ?? '';
  const token = await signNoticeAnswer(
    {
      sub: opened.sub,
      state,
      browser: opened.browser,
      decision,
      primary: opened.primary.user_id,
      secondary: opened.secondary,
    },
    context,
  );
  return { opened, form: new URLSearchParams({ state, session_token: token }) };
}

function postContinue(browser: LoginDriver, form: URLSearchParams) {
  return browser.fetch('/continue', { method: 'POST', body: form });
}

async function usersByConnection() {
  const users = await site.tenant.control.users();
  const byConnection = (connection: string) =>
    users.find((user) => user.identities[0]?.connection === connection);
  return {
    users,
    password: byConnection('Username-Password-Authentication'),
    google: byConnection('google-oauth2'),
  };
}

beforeEach(async () => {
  await site.tenant.control.seedUsers([
    {
      connection: 'Username-Password-Authentication',
      email: 'alice@example.com',
      email_verified: true,
      created_at: '2020-01-01T00:00:00.000Z',
    },
    {
      connection: 'google-oauth2',
      email: 'alice@example.com',
      email_verified: true,
      created_at: '2025-01-01T00:00:00.000Z',
      user_metadata: { plan: 'pro' },
    },
  ]);
});

describe('the linked claim in the ID token the local tenant issues', () => {
  it('tells the app of a silent link on the login that made it, and only on that one', async () => {
    await deployAction({ AUTO_LINK_CONNECTIONS: '*' });
    const first = await googleLogin();
    const claims = await idToken(first.location, first.verifier);
    const { users, password } = await usersByConnection();
    expect(users).toHaveLength(1);
    expect(claims.sub).toBe(password?.user_id);
    expect(claims[LINKED_CLAIM]).toEqual({
      via: 'silent',
      at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      linked: { connection: 'google-oauth2', provider: 'google-oauth2' },
      primary: { user_id: password?.user_id, connection: 'Username-Password-Authentication' },
      reason: 'oldest',
    });
    const again = await googleLogin();
    const next = await idToken(again.location, again.verifier);
    expect(next.sub).toBe(password?.user_id);
    expect(next).not.toHaveProperty(LINKED_CLAIM);
  });
});

describe('LINK_NOTICE=page through the local tenant', () => {
  it('sends the login that linked to the notice page; OK ends it as the main account, linked, with the claim', async () => {
    await deployAction(PAGE);
    const { browser, location, verifier } = await googleLogin();
    expect(location.origin + location.pathname).toBe(NOTICE_URL);
    const { opened, form } = await answer(location, 'keep');
    expect(opened).toMatchObject({ linked: { connection: 'google-oauth2' }, email: 'alice@example.com' });
    const claims = await idToken(locationOf(await postContinue(browser, form), site.tenant.url), verifier);
    const { users, password } = await usersByConnection();
    expect(users).toHaveLength(1);
    expect(password?.identities.map((identity) => identity.connection)).toEqual([
      'Username-Password-Authentication',
      'google-oauth2',
    ]);
    expect(claims.sub).toBe(password?.user_id);
    expect(claims[LINKED_CLAIM]).toMatchObject({ via: 'silent', primary: { user_id: password?.user_id } });
  });

  it("This wasn't me: unlinks and restores, declines the pair, and the login ends as the Google user on its own", async () => {
    await deployAction(PAGE);
    const { browser, location, verifier } = await googleLogin();
    const { opened, form } = await answer(location, 'undo');
    const claims = await idToken(locationOf(await postContinue(browser, form), site.tenant.url), verifier);
    const { users, password, google } = await usersByConnection();
    expect(users).toHaveLength(2);
    expect(claims.sub).toBe(opened.secondary);
    expect(claims.sub).toBe(google?.user_id);
    expect(claims[LINKED_CLAIM]).toBeNull();
    expect(password?.identities).toHaveLength(1);
    expect(password?.app_metadata).not.toHaveProperty('account_linking_links');
    expect(password?.app_metadata?.account_linking).toMatchObject({ declined: [google?.user_id] });
    expect(google?.user_metadata).toEqual({ plan: 'pro' });
    expect(google?.app_metadata?.account_linking).toMatchObject({ declined: [password?.user_id] });
    // The next Google login is neither linked nor sent anywhere: it ends as the Google user straight away.
    const next = await googleLogin();
    expect(next.location.origin + next.location.pathname).toBe(CALLBACK);
    expect((await idToken(next.location, next.verifier)).sub).toBe(google?.user_id);
    expect(await site.tenant.control.users()).toHaveLength(2);
  });

  it('refuses an answer posted from another browser (a forwarded notice); the login still ends linked in its own', async () => {
    await deployAction(PAGE);
    const { browser, location, verifier } = await googleLogin();
    const { form } = await answer(location, 'undo');
    const refused = await postContinue(new LoginDriver(site.tenant), form);
    expect(refused.status).toBe(400);
    expect(await refused.text()).toContain('<code>invalid_request</code>');
    expect(await site.tenant.control.users()).toHaveLength(1);
    // Its own browser finishing without an answer (the notice page's failure page posts only the state).
    const stateOnly = new URLSearchParams({ state: form.get('state') ?? '' });
    const claims = await idToken(
      locationOf(await postContinue(browser, stateOnly), site.tenant.url),
      verifier,
    );
    const { users, password } = await usersByConnection();
    expect(users).toHaveLength(1);
    expect(claims.sub).toBe(password?.user_id);
  });

  it('does not redirect a prompt=none login: it links and ends as the main account with the claim', async () => {
    await deployAction({ AUTO_LINK_CONNECTIONS: '' });
    const { browser } = await googleLogin();
    await deployAction(PAGE);
    const { response, verifier } = await browser.authorize(site.app, { prompt: 'none' });
    const location = locationOf(response, site.tenant.url);
    expect(location.origin + location.pathname).toBe(CALLBACK);
    const claims = await idToken(location, verifier);
    const { users, password } = await usersByConnection();
    expect(users).toHaveLength(1);
    expect(claims.sub).toBe(password?.user_id);
    expect(claims[LINKED_CLAIM]).toMatchObject({ via: 'silent' });
  });
});
