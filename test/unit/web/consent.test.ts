import { base64url } from 'jose';
import { describe, expect, it } from 'vitest';
import { OidcError } from '../../../web/errors.ts';
import { tamperLastSegment } from '../../support/tamper.ts';
import {
  BROWSER,
  CANDIDATE,
  claimsOf,
  consentUrl,
  expectSealedCookie,
  formActions,
  hiddenField,
  linkRequestToken,
  makeTestApp,
  NOW,
  NOW_SECONDS,
  openConsent,
  pageText as text,
} from './support.ts';

async function startLink(t = makeTestApp()) {
  const { csrf } = await openConsent(t);
  const response = await t.post('/consent', { csrf, decision: 'link', candidate: CANDIDATE.user_id });
  return { t, response, csrf, oidcState: t.oidc.lastAuthorization().state };
}

describe('consent page', () => {
  it('names the sign-in that asked (connection, masked email, when) and the account found, masked', async () => {
    const { response, body } = await openConsent();
    expect(response.status).toBe(200);
    expect(text(body)).toContain(
      'This request comes from a sign-in with Google as a•••e@example.com on 2025-06-01 at 12:00 UTC.',
    );
    expect(text(body)).toContain('a•••e@example.com email and password · created 2023-03-04');
    expect(body).not.toContain('alice@example.com');
  });

  it('tells someone who did not just sign in not to link, and never assumes the sign-in was theirs', async () => {
    const { body } = await openConsent();
    expect(text(body)).toContain('Did not just sign in with Google? Then do not link');
    expect(text(body)).not.toMatch(/you just signed in|the one you signed in with/i);
  });

  it('says the account found stays the main account when it is the older one', async () => {
    const { body } = await openConsent();
    expect(text(body)).toContain(
      'If you link, this account stays the main account, and the Google sign-in is added to it',
    );
  });

  it("says plainly when the sign-in's own account would become the main account", async () => {
    const token = await linkRequestToken({ candidates: [{ ...CANDIDATE, primary: false }] });
    const { body } = await openConsent(makeTestApp(), token);
    expect(text(body)).toContain(
      'If you link, the account of the Google sign-in becomes the main account, because it is older (created 2025-05-31). This account is added to it: signing in with email and password then opens that account instead of this one.',
    );
    expect(text(body)).not.toContain('this account stays the main account');
  });

  it("offers Link, Not now and Don't ask again as POST forms to itself", async () => {
    const { body } = await openConsent();
    expect(formActions(body)).toEqual(['/consent', '/consent', '/consent']);
    expect(body).toContain('>Link</button>');
    expect(body).toContain('>Not now</button>');
    expect(body).toContain(">Don't ask again</button>");
  });

  it('escapes candidate fields taken from the token', async () => {
    const token = await linkRequestToken({
      candidates: [{ ...CANDIDATE, connection: '<img src=x onerror=alert(1)>' }],
    });
    const { body } = await openConsent(makeTestApp(), token);
    expect(body).not.toContain('<img');
    expect(body).toContain('&lt;img src=x onerror=alert(1)&gt;');
  });

  it('never renders the session token into the page', async () => {
    const token = await linkRequestToken();
    const { body } = await openConsent(makeTestApp(), token);
    expect(body).not.toContain(token);
  });

  it('sets a short-lived HttpOnly, Secure, SameSite=Lax round-trip cookie', async () => {
    const { response } = await openConsent();
    expectSealedCookie(response, 'consent', ['Max-Age=600', 'Path=/consent']);
  });

  it('keeps the round-trip state encrypted in the cookie', async () => {
    const { t } = await openConsent();
    const value = t.jar.cookies.get('consent') ?? '';
    expect(value.split('.')).toHaveLength(5);
    expect(value).not.toContain(base64url.encode('google-oauth2|current'));
  });

  it('answers a tampered link with a page offering to continue unlinked with the state only', async () => {
    const { response, body } = await openConsent(makeTestApp(), tamperLastSegment(await linkRequestToken()));
    expect(response.status).toBe(400);
    expect(body).toContain('This link is not valid');
    expect(formActions(body)).toEqual(['https://tenant.example.com/continue']);
    expect(hiddenField(body, 'state')).toBe('tenant-state-123');
    expect(hiddenField(body, 'session_token')).toBeUndefined();
  });

  it('answers an expired link with a page that says it expired', async () => {
    const { body } = await openConsent(makeTestApp(), await linkRequestToken({ iat: NOW_SECONDS - 900 }));
    expect(body).toContain('This link has expired');
  });

  it('does not offer to continue when the state is not an opaque token', async () => {
    const t = makeTestApp();
    const body = await (
      await t.request(consentUrl(await linkRequestToken(), 'x&redirect_uri=https://evil'))
    ).text();
    expect(formActions(body)).toEqual([]);
  });

  it('re-renders the page from the cookie after the token is stripped from the address bar', async () => {
    const { t, csrf } = await openConsent();
    const response = await t.request('/consent');
    expect(response.status).toBe(200);
    expect(hiddenField(await response.text(), 'csrf')).toBe(csrf);
  });

  it('explains a missing cookie instead of showing the page', async () => {
    const t = makeTestApp();
    const response = await t.request('/consent');
    expect(response.status).toBe(400);
    expect(await response.text()).toContain('Your linking session has ended');
  });
});

describe('consent forms', () => {
  it.each(['link', 'not-now', 'never'])(
    'refuses the %s form without the CSRF token with 403',
    async (decision) => {
      const { t } = await openConsent();
      const response = await t.post('/consent', { decision, candidate: CANDIDATE.user_id });
      expect(response.status).toBe(403);
    },
  );

  it.each(['link', 'not-now', 'never'])(
    'refuses the %s form with a wrong CSRF token with 403',
    async (decision) => {
      const { t } = await openConsent();
      const response = await t.post('/consent', { csrf: 'guessed', decision, candidate: CANDIDATE.user_id });
      expect(response.status).toBe(403);
    },
  );

  it('rejects a form post whose cookie was tampered with', async () => {
    const { t, csrf } = await openConsent();
    const value = t.jar.cookies.get('consent') ?? '';
    t.jar.cookies.set('consent', tamperLastSegment(value));
    const response = await t.post('/consent', { csrf, decision: 'not-now' });
    expect(response.status).toBe(400);
    expect(await response.text()).toContain('Your linking session has ended');
  });

  it("refuses a CSRF token taken from another browser's page", async () => {
    const victim = makeTestApp();
    const { csrf: attackerCsrf } = await openConsent(makeTestApp());
    await openConsent(victim);
    expect(
      (await victim.post('/consent', { csrf: attackerCsrf, decision: 'link', candidate: CANDIDATE.user_id }))
        .status,
    ).toBe(403);
  });

  it('refuses to link a candidate that the signed request did not name', async () => {
    const { t, csrf } = await openConsent();
    const response = await t.post('/consent', { csrf, decision: 'link', candidate: 'auth0|attacker' });
    expect(response.status).toBe(403);
    expect(t.oidc.authorizations).toHaveLength(0);
  });

  it.each([
    ['not-now', 'not-now'],
    ['never', 'never'],
  ])('returns a %s decision to the tenant without re-authentication', async (decision, claim) => {
    const { t, csrf } = await openConsent();
    const body = await (await t.post('/consent', { csrf, decision })).text();
    const claims = claimsOf(hiddenField(body, 'session_token') ?? '');
    expect(claims).toMatchObject({ purpose: 'link-proof', decision: claim, sub: 'google-oauth2|current' });
    expect(claims.linked_user_id).toBeUndefined();
    expect(t.oidc.authorizations).toHaveLength(0);
  });

  it('posts the return to the /continue URL built from configuration, never from the query', async () => {
    const t = makeTestApp();
    const token = await linkRequestToken();
    const url = `${consentUrl(token)}&continue=https://evil.example/continue&redirect_uri=https://evil.example`;
    const csrf = hiddenField(await (await t.request(url)).text(), 'csrf') ?? '';
    const body = await (await t.post('/consent', { csrf, decision: 'not-now' })).text();
    expect(formActions(body)).toEqual(['https://tenant.example.com/continue']);
    expect(hiddenField(body, 'state')).toBe('tenant-state-123');
  });

  it('auto-submits the return form with a script the CSP allows by nonce and keeps a button', async () => {
    const { t, csrf } = await openConsent();
    const response = await t.post('/consent', { csrf, decision: 'not-now' });
    const body = await response.text();
    const nonce = /script-src 'nonce-([^']+)'/.exec(
      response.headers.get('content-security-policy') ?? '',
    )?.[1];
    expect(body).toContain(`<script nonce="${nonce}">document.getElementById('continue').submit();</script>`);
    expect(body).toContain('<button class="primary" type="submit">Continue</button>');
  });

  it('clears the round-trip cookie once the decision is returned', async () => {
    const { t, csrf } = await openConsent();
    await t.post('/consent', { csrf, decision: 'never' });
    expect(t.jar.cookies.has('consent')).toBe(false);
  });
});

describe('re-authentication for Link', () => {
  it('sends the user to the tenant as the re-authentication client with the candidate connection', async () => {
    const { t, response } = await startLink();
    expect(response.status).toBe(303);
    const request = t.oidc.lastAuthorization();
    expect(request.client).toBe('reauth');
    expect(request.redirectUri).toBe('https://link.example.com/consent/callback');
    expect(request.params).toEqual({
      connection: 'Username-Password-Authentication',
      login_hint: 'alice@example.com',
      prompt: 'login',
      max_age: '0',
    });
    expect(response.headers.get('location')).toMatch(/^https:\/\/tenant\.example\.com\/authorize\?/);
  });

  it('uses fresh PKCE, state and nonce values for each attempt', async () => {
    const { t, csrf } = await startLink();
    await t.post('/consent', { csrf, decision: 'link', candidate: CANDIDATE.user_id });
    const [first, second] = t.oidc.authorizations;
    expect(first?.codeVerifier).not.toBe(second?.codeVerifier);
    expect(first?.nonce).not.toBe(second?.nonce);
    expect(first?.state).not.toBe(second?.state);
  });

  it('returns a link proof naming the candidate and the login browser after re-authenticating as the candidate', async () => {
    const { t, oidcState } = await startLink();
    const response = await t.request(`/consent/callback?code=abc&state=${oidcState}`);
    const body = await response.text();
    expect(response.status).toBe(200);
    const token = hiddenField(body, 'session_token') ?? '';
    expect(claimsOf(token)).toEqual({
      purpose: 'link-proof',
      decision: 'link',
      state: 'tenant-state-123',
      browser: BROWSER,
      linked_user_id: 'auth0|candidate',
      sub: 'google-oauth2|current',
      iss: 'tenant.example.com',
      iat: NOW_SECONDS,
      exp: NOW_SECONDS + 120,
    });
  });

  it('exchanges the code with the PKCE verifier, state and nonce it sent', async () => {
    const { t, oidcState } = await startLink();
    await t.request(`/consent/callback?code=abc&state=${oidcState}`);
    const authorization = t.oidc.lastAuthorization();
    expect(t.oidc.exchanges[0]).toMatchObject({
      client: 'reauth',
      expectedState: authorization.state,
      expectedNonce: authorization.nonce,
      codeVerifier: authorization.codeVerifier,
    });
    expect(t.oidc.exchanges[0]?.callbackUrl.href).toBe(
      `https://link.example.com/consent/callback?code=abc&state=${oidcState}`,
    );
  });

  it('refuses a re-authentication as a different account and offers to continue unlinked', async () => {
    const { t, oidcState } = await startLink();
    t.oidc.claims = { sub: 'auth0|someone-else', auth_time: NOW_SECONDS };
    const response = await t.request(`/consent/callback?code=abc&state=${oidcState}`);
    const body = await response.text();
    expect(response.status).toBe(400);
    expect(body).toContain('Sign in with the account you want to link');
    expect(claimsOf(hiddenField(body, 'session_token') ?? '')).toMatchObject({ decision: 'not-now' });
  });

  it('refuses a re-authentication whose auth_time predates the Link click', async () => {
    const { t, oidcState } = await startLink();
    t.oidc.claims = { sub: CANDIDATE.user_id, auth_time: NOW_SECONDS - 3600 };
    const body = await (await t.request(`/consent/callback?code=abc&state=${oidcState}`)).text();
    expect(body).toContain('was not signed in just now');
    expect(claimsOf(hiddenField(body, 'session_token') ?? '').decision).toBe('not-now');
  });

  it('refuses a re-authentication without auth_time', async () => {
    const { t, oidcState } = await startLink();
    t.oidc.claims = { sub: CANDIDATE.user_id };
    expect(await (await t.request(`/consent/callback?code=abc&state=${oidcState}`)).text()).toContain(
      'Please sign in again',
    );
  });

  it('refuses a callback whose state belongs to another attempt with 403', async () => {
    const { t } = await startLink();
    const response = await t.request('/consent/callback?code=abc&state=attacker-state');
    expect(response.status).toBe(403);
    expect(t.oidc.exchanges).toHaveLength(0);
  });

  it('explains a callback that arrives without the round-trip cookie', async () => {
    const { t, oidcState } = await startLink();
    t.jar.cookies.clear();
    const response = await t.request(`/consent/callback?code=abc&state=${oidcState}`);
    expect(response.status).toBe(400);
    expect(await response.text()).toContain('Go back to the application and sign in again');
  });

  it.each([
    ['an unreachable tenant', 'tenant_unreachable', 'The sign-in service is unavailable'],
    ["the tenant's own error (a 5xx)", 'tenant_error', 'The sign-in service had a problem'],
  ] as const)('shows %s as such and offers to continue unlinked', async (_, code, heading) => {
    const { t, oidcState } = await startLink();
    t.oidc.failure = new OidcError(code, 'the tenant failed');
    const response = await t.request(`/consent/callback?code=abc&state=${oidcState}`);
    const body = await response.text();
    expect(response.status).toBe(502);
    expect(body).toContain(heading);
    expect(hiddenField(body, 'state')).toBe('tenant-state-123');
  });

  it('lets the user try again after a wrong account', async () => {
    const { t, oidcState } = await startLink();
    t.oidc.claims = { sub: 'auth0|someone-else', auth_time: NOW_SECONDS };
    await t.request(`/consent/callback?code=abc&state=${oidcState}`);
    expect((await t.request('/consent')).status).toBe(200);
  });

  it('accepts a callback only once', async () => {
    const { t, oidcState } = await startLink();
    await t.request(`/consent/callback?code=abc&state=${oidcState}`);
    expect((await t.request(`/consent/callback?code=abc&state=${oidcState}`)).status).toBe(400);
  });

  it('logs decisions without tokens or emails', async () => {
    const { t, oidcState } = await startLink();
    await t.request(`/consent/callback?code=abc&state=${oidcState}`);
    const text = t.logs.join('\n');
    expect(text).toContain('"decision":"link"');
    expect(text).not.toMatch(/eyJ[A-Za-z0-9_-]+\./);
    expect(text).not.toContain('alice@example.com');
  });

  it('uses the injected clock for the consent request time', async () => {
    const t = makeTestApp({ now: () => NOW });
    const { oidcState } = await startLink(t);
    t.setNow(new Date(NOW.getTime() + 60_000));
    t.oidc.claims = { sub: CANDIDATE.user_id, auth_time: NOW_SECONDS + 30 };
    const body = await (await t.request(`/consent/callback?code=abc&state=${oidcState}`)).text();
    expect(claimsOf(hiddenField(body, 'session_token') ?? '').decision).toBe('link');
  });
});
