import { beforeEach, describe, expect, it } from 'vitest';
import { signHs256 } from '../../../emulator/actions-runtime/redirect-token.ts';
import { verifyLinkRequest } from '../../../web/tokens.ts';
import {
  decodeJwtPayload,
  LoginDriver,
  locationOf,
  registerApp,
  useBuiltAction,
  useLoginTenant,
} from '../../support/login-driver.ts';
import { tamperLastSegment } from '../../support/tamper.ts';

const CALLBACK = 'https://app.test/callback';
const CONSENT_URL = 'https://consent.test/consent';
const SESSION_TOKEN_SECRET = 'integration-session-token-secret-0123456789';
const OLD = '2020-01-01T00:00:00.000Z';

/** Each login in a fresh browser profile, so no SSO session carries over between people. */
async function loginWith(connection: string, email: string) {
  const browser = new LoginDriver(site.tenant);
  return { browser, ...(await browser.login(site.app, connection, email)) };
}

async function exchange(location: URL, verifier: string): Promise<Record<string, unknown>> {
  expect(location.searchParams.get('state')).toBe('app-state');
  return (await new LoginDriver(site.tenant).exchange(site.app, location, verifier)).claims;
}

/** Alice logs in on GitHub asking for offline_access, with no Action deployed yet; returns the code exchange's tokens. */
async function offlineLogin(): Promise<{ refresh_token: string; id_token: string }> {
  const { location, verifier } = await new LoginDriver(site.tenant).login(
    site.app,
    'github',
    'alice@example.com',
    {
      scope: 'openid email offline_access',
    },
  );
  const code = location.searchParams.get('code') ?? '';
  const answer = await tokenCall({
    grant_type: 'authorization_code',
    code,
    redirect_uri: CALLBACK,
    code_verifier: verifier,
  });
  return { refresh_token: answer.refresh_token ?? '', id_token: answer.id_token ?? '' };
}

const refreshWith = (refreshToken: string) =>
  tokenCall({ grant_type: 'refresh_token', refresh_token: refreshToken });

async function tokenCall(params: Record<string, string>) {
  const answer = await fetch(`${site.tenant.url}/oauth/token`, {
    method: 'POST',
    body: new URLSearchParams({
      client_id: site.app.client_id,
      client_secret: site.app.client_secret,
      ...params,
    }),
  });
  const body = (await answer.json()) as { refresh_token?: string; id_token?: string; error?: string };
  return { status: answer.status, ...body };
}

/** What the Actions printed in the runs recorded after event `after`, one line each. */
async function actionLogsAfter(after: number): Promise<string> {
  const runs = await site.tenant.control.events({ type: 'action', after });
  return runs.flatMap((event) => ('logs' in event ? event.logs : [])).join('\n');
}

/** The link request in the consent URL, opened as the consent page opens it. */
function linkRequestOf(consent: URL) {
  return verifyLinkRequest(consent.searchParams.get('session_token') ?? '', {
    secret: SESSION_TOKEN_SECRET,
    issuer: site.tenant.domain,
    now: new Date(),
  });
}

/** A proof for the login behind `consent`, answered in the browser the login came from. */
async function proofFor(consent: URL, answer: { decision: string; linked?: boolean }) {
  const request = await linkRequestOf(consent);
  const candidate = request.candidates[0]?.user_id;
  return {
    sub: request.sub,
    browser: request.browser,
    decision: answer.decision,
    ...(answer.linked ? { linked_user_id: candidate } : {}),
  };
}

/** The consent page's form post to /continue, from `browser`, carrying a proof signed with the shared secret. */
function continueForm(
  browser: LoginDriver,
  consent: URL,
  proof: Record<string, unknown>,
  { tamper = false, userAgent }: { tamper?: boolean; userAgent?: string } = {},
) {
  const iat = Math.floor(Date.now() / 1000);
  const state = consent.searchParams.get('state') ?? '';
  const token = signHs256(
    { iss: site.tenant.domain, iat, exp: iat + 120, purpose: 'link-proof', state, ...proof },
    SESSION_TOKEN_SECRET,
  );
  return browser.fetch('/continue', {
    method: 'POST',
    ...(userAgent === undefined ? {} : { headers: { 'user-agent': userAgent } }),
    body: new URLSearchParams({ state, session_token: tamper ? tamperLastSegment(token) : token }),
  });
}

const site = useLoginTenant({ app: { callback: CALLBACK } });
const deployAction = useBuiltAction(site);

beforeEach(async () => {
  await site.tenant.control.seedUsers([
    {
      connection: 'Username-Password-Authentication',
      email: 'alice@example.com',
      email_verified: true,
      created_at: OLD,
    },
  ]);
});

describe('a login through the local tenant running the built Action', () => {
  it('links a trusted duplicate silently and issues the ID token for the older account', async () => {
    await deployAction({ AUTO_LINK_CONNECTIONS: '*' });
    const { location, verifier } = await loginWith('google-oauth2', 'alice@example.com');
    const claims = await exchange(location, verifier);
    const [primary, ...others] = await site.tenant.control.users();
    expect(others).toEqual([]);
    expect(claims).toMatchObject({ sub: primary?.user_id, nonce: 'app-nonce', aud: site.app.client_id });
    expect(primary?.identities.map((identity) => identity.provider)).toEqual(['auth0', 'google-oauth2']);
    expect(primary?.app_metadata?.account_linking_links).toEqual([
      expect.objectContaining({ connection: 'google-oauth2', via: 'silent', reason: 'oldest' }),
    ]);
  });

  it('redirects to the consent page and links after a valid proof posted to /continue', async () => {
    await deployAction({ CONSENT_URL, SESSION_TOKEN_SECRET });
    const { browser, location: consent, verifier } = await loginWith('github', 'alice@example.com');
    expect(consent.origin + consent.pathname).toBe(CONSENT_URL);
    const proof = await proofFor(consent, { decision: 'link', linked: true });
    const continued = await continueForm(browser, consent, proof);
    const claims = await exchange(locationOf(continued, site.tenant.url), verifier);
    expect(claims.sub).toBe(proof.linked_user_id);
    expect(await site.tenant.control.users()).toHaveLength(1);
  });

  it("answers a second /continue with the same state with Auth0's error page, resuming nothing", async () => {
    await deployAction({ CONSENT_URL, SESSION_TOKEN_SECRET });
    const { browser, location: consent } = await loginWith('github', 'alice@example.com');
    const proof = await proofFor(consent, { decision: 'not-now' });
    const first = await continueForm(browser, consent, proof);
    expect(locationOf(first, site.tenant.url).searchParams.get('code')).toBeTruthy();
    const replay = await continueForm(browser, consent, proof);
    expect(replay.status).toBe(400);
    expect(replay.headers.get('location')).toBeNull();
    expect(replay.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await replay.text()).toContain(
      '<code>invalid_request</code>: You may have pressed the back button',
    );
  });

  it('refuses a /continue from another browser than the login, and the login still resumes in its own', async () => {
    await deployAction({ CONSENT_URL, SESSION_TOKEN_SECRET });
    const { browser, location: consent, verifier } = await loginWith('github', 'alice@example.com');
    const proof = await proofFor(consent, { decision: 'link', linked: true });
    const elsewhere = new LoginDriver(site.tenant);
    await elsewhere.authorize(site.app);
    for (const stranger of [new LoginDriver(site.tenant), elsewhere]) {
      const refused = await continueForm(stranger, consent, proof);
      expect(refused.status).toBe(400);
      expect(await refused.text()).toContain('<code>invalid_request</code>');
    }
    expect(await site.tenant.control.users()).toHaveLength(2);
    const resumed = await continueForm(browser, consent, { ...proof, decision: 'not-now' });
    expect((await exchange(locationOf(resumed, site.tenant.url), verifier)).sub).toBe(proof.sub);
    expect(await site.tenant.control.users()).toHaveLength(2);
  });

  it('keeps a waiting login resumable after a re-authentication in the same browser completes', async () => {
    const reauth = await registerApp(site.api, 'https://app.test/reauth-callback');
    await deployAction({ CONSENT_URL, SESSION_TOKEN_SECRET, SKIP_CLIENT_IDS: reauth.client_id });
    const { browser, location: consent, verifier } = await loginWith('github', 'alice@example.com');
    const proof = await proofFor(consent, { decision: 'not-now' });
    const proven = await browser.login(reauth, 'github', 'alice@example.com', { prompt: 'login' });
    expect(proven.location.searchParams.get('code')).toBeTruthy();
    const resumed = await continueForm(browser, consent, proof);
    expect((await exchange(locationOf(resumed, site.tenant.url), verifier)).sub).toBe(proof.sub);
  });

  it('completes the login unlinked when the browser at /continue is not the one the Action saw (browser_changed)', async () => {
    await deployAction({ CONSENT_URL, SESSION_TOKEN_SECRET });
    const { browser, location: consent, verifier } = await loginWith('github', 'alice@example.com');
    const proof = await proofFor(consent, { decision: 'link', linked: true });
    const after = (await site.tenant.control.events()).at(-1)?.id ?? 0;
    const continued = await continueForm(browser, consent, proof, { userAgent: 'Another browser/1.0' });
    expect((await exchange(locationOf(continued, site.tenant.url), verifier)).sub).toBe(proof.sub);
    expect(await site.tenant.control.users()).toHaveLength(2);
    expect(await actionLogsAfter(after)).toContain('"reason":"browser_changed"');
  });

  it('asks nothing on a refresh-token exchange: the exchange answers the same user, and nothing is linked', async () => {
    const first = await offlineLogin();
    await deployAction({ CONSENT_URL, SESSION_TOKEN_SECRET });
    const after = (await site.tenant.control.events()).at(-1)?.id ?? 0;
    const refreshed = await refreshWith(first.refresh_token);
    expect(refreshed.status).toBe(200);
    expect(decodeJwtPayload(refreshed.id_token ?? '').sub).toBe(decodeJwtPayload(first.id_token).sub);
    expect(await site.tenant.control.users()).toHaveLength(2);
    expect(await actionLogsAfter(after)).toContain('"reason":"not_interactive"');
  });

  it('links a trusted duplicate silently on a refresh-token exchange, which then ends as the older account', async () => {
    const first = await offlineLogin();
    await deployAction({ AUTO_LINK_CONNECTIONS: '*' });
    const refreshed = await refreshWith(first.refresh_token);
    const [primary] = await site.tenant.control.users();
    expect(decodeJwtPayload(refreshed.id_token ?? '').sub).toBe(primary?.user_id);
    expect(primary?.identities).toHaveLength(2);
    // The refresh token belonged to the user now linked away: the app signs in again, as the primary.
    expect(await refreshWith(first.refresh_token)).toMatchObject({ status: 403, error: 'invalid_grant' });
  });

  it('completes the login unlinked when the proof posted to /continue was tampered with', async () => {
    await deployAction({ CONSENT_URL, SESSION_TOKEN_SECRET });
    const { browser, location: consent, verifier } = await loginWith('github', 'alice@example.com');
    const proof = await proofFor(consent, { decision: 'link', linked: true });
    const continued = await continueForm(browser, consent, proof, { tamper: true });
    const claims = await exchange(locationOf(continued, site.tenant.url), verifier);
    expect(claims.sub).toBe(proof.sub);
    expect(await site.tenant.control.users()).toHaveLength(2);
  });

  it('signs up on the database connection unverified until the verification link is followed', async () => {
    const browser = new LoginDriver(site.tenant);
    const { response: authorize } = await browser.authorize(site.app);
    const loginUrl = locationOf(authorize, site.tenant.url);
    const signup = await browser.fetch('/u/login', {
      method: 'POST',
      body: new URLSearchParams({
        state: loginUrl.searchParams.get('state') ?? '',
        connection: 'Username-Password-Authentication',
        email: 'Carol@Example.com',
        password: 'correct horse battery',
        signup: 'true',
      }),
    });
    const link = /href="([^"]+)"/.exec(await signup.text())?.[1]?.replaceAll('&amp;', '&') ?? '';
    expect(
      (await site.tenant.control.users()).find((user) => user.email === 'carol@example.com')?.email_verified,
    ).toBe(false);
    const verified = await browser.fetch(link);
    expect(new URL(verified.headers.get('location') ?? '').searchParams.get('code')).toBeTruthy();
    expect(
      (await site.tenant.control.users()).find((user) => user.email === 'carol@example.com')?.email_verified,
    ).toBe(true);
    expect((await browser.fetch(link)).status).toBe(400);
  });

  it('completes every login and leaves no user half-linked with 20% injected 429/5xx on the Management API', async () => {
    await deployAction({ AUTO_LINK_CONNECTIONS: '*' });
    const people = Array.from({ length: 12 }, (_, index) => `person${index}@example.com`);
    await site.tenant.control.seedUsers(
      people.map((email) => ({
        connection: 'Username-Password-Authentication',
        email,
        email_verified: true,
        created_at: OLD,
      })),
    );
    await site.tenant.control.setFaults([
      { route: '* /api/v2/*', status: 429, rate: 0.1, retryAfter: 0 },
      { route: '* /api/v2/*', status: 503, rate: 0.1 },
    ]);
    for (const email of people) {
      const { location, verifier } = await loginWith('google-oauth2', email);
      expect(location.searchParams.get('error')).toBeNull();
      await exchange(location, verifier);
    }
    await site.tenant.control.setFaults([]);
    for (const email of people) {
      const owners = (await site.tenant.control.users()).filter(
        (user) =>
          user.email === email || user.identities.some((identity) => identity.profileData?.email === email),
      );
      expect(owners.length).toBeGreaterThanOrEqual(1);
      // Either linked (one user holding both identities) or not yet (two whole users): never a lost identity.
      const identities = owners.flatMap((user) => user.identities.map((identity) => identity.provider));
      expect(identities.sort()).toEqual(['auth0', 'google-oauth2']);
    }
    const faults = await site.tenant.control.events({ type: 'fault' });
    expect(faults.length).toBeGreaterThan(0);
  });

  it('refuses a redirect_uri that is not a registered callback without redirecting', async () => {
    const query = new URLSearchParams({
      client_id: site.app.client_id,
      redirect_uri: 'https://evil.test/cb',
      response_type: 'code',
    });
    const response = await fetch(`${site.tenant.url}/authorize?${query}`, { redirect: 'manual' });
    expect(response.status).toBe(400);
    expect(response.headers.get('location')).toBeNull();
  });

  it('refuses a code exchanged with the wrong PKCE verifier, and the code cannot be reused', async () => {
    const { location } = await loginWith('google-oauth2', 'bob@example.com');
    const attempt = () =>
      fetch(`${site.tenant.url}/oauth/token`, {
        method: 'POST',
        body: new URLSearchParams({
          grant_type: 'authorization_code',
          code: location.searchParams.get('code') ?? '',
          redirect_uri: CALLBACK,
          client_id: site.app.client_id,
          client_secret: site.app.client_secret,
          code_verifier: 'not-the-verifier-not-the-verifier-not-the-verifier',
        }),
      });
    expect(await (await attempt()).json()).toMatchObject({ error: 'invalid_grant' });
    expect((await attempt()).status).toBe(403);
  });
});
