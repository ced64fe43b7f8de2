import { describe, expect, it } from 'vitest';
import { tamperLastSegment } from '../../support/tamper.ts';
import {
  BROWSER,
  claimsOf,
  expectSealedCookie,
  formActions,
  hiddenField,
  type LinkRequestOptions,
  linkRequestToken,
  makeTestApp,
  NOW,
  NOW_SECONDS,
  pageText as text,
} from './support.ts';

/** The Action's notice: the Google login google-oauth2|current was linked into the older password account. */
const NOTICE = {
  purpose: 'link-notice',
  browser: BROWSER,
  at: NOW.toISOString(),
  email: 'alice@example.com',
  linked: { connection: 'google-oauth2' },
  primary: { user_id: 'auth0|main', connection: 'Username-Password-Authentication' },
  secondary: 'google-oauth2|current',
};

function noticeToken(claims: Record<string, unknown> = {}, options: LinkRequestOptions = {}) {
  return linkRequestToken({ ...options, claims: { ...NOTICE, ...claims } });
}

function noticeUrl(token: string, state = 'tenant-state-123'): string {
  return `/notice?${new URLSearchParams({ session_token: token, state })}`;
}

async function openNotice(t = makeTestApp(), token?: string) {
  const response = await t.request(noticeUrl(token ?? (await noticeToken())));
  const body = await response.text();
  return { t, response, body, csrf: hiddenField(body, 'csrf') ?? '' };
}

describe('notice page', () => {
  it('says which sign-in was linked to which account, when, and which stays the main one, email masked', async () => {
    const { response, body } = await openNotice();
    expect(response.status).toBe(200);
    expect(text(body)).toContain('We linked your Google sign-in to your account');
    expect(text(body)).toContain(
      'On 2025-06-01 at 12:00 UTC a sign-in found two accounts with the same verified email address, a•••e@example.com, and linked them',
    );
    expect(text(body)).toContain('The email and password account stays the main one.');
    expect(text(body)).toContain('you continue signed in with Google on its own');
    expect(body).not.toContain('alice@example.com');
    expect(body).not.toContain('auth0|main');
  });

  it("offers OK and This wasn't me as POST forms to itself, and takes the token out of the address bar", async () => {
    const { body } = await openNotice();
    expect(formActions(body)).toEqual(['/notice', '/notice']);
    expect(body).toContain('>OK</button>');
    expect(body).toContain(">This wasn't me</button>");
    expect(body).toContain('history.replaceState(null,\'\',"/notice")');
  });

  it('keeps the notice in a short-lived, encrypted, HttpOnly cookie scoped to the page', async () => {
    const { response } = await openNotice();
    expectSealedCookie(response, 'notice', ['Max-Age=600', 'Path=/notice']);
  });

  it.each([
    ['OK', 'keep'],
    ["This wasn't me", 'undo'],
  ])(
    "%s: form-posts a signed answer for this login and this link to the tenant's /continue",
    async (_, decision) => {
      const { t, csrf } = await openNotice();
      const response = await t.post('/notice', { csrf, decision });
      const body = await response.text();
      expect(response.status).toBe(200);
      expect(formActions(body)).toEqual(['https://tenant.example.com/continue']);
      expect(hiddenField(body, 'state')).toBe('tenant-state-123');
      expect(claimsOf(hiddenField(body, 'session_token') ?? '')).toEqual({
        purpose: 'link-notice-answer',
        decision,
        state: 'tenant-state-123',
        browser: BROWSER,
        primary: 'auth0|main',
        secondary: 'google-oauth2|current',
        sub: 'google-oauth2|current',
        iss: 'tenant.example.com',
        iat: NOW_SECONDS,
        exp: NOW_SECONDS + 120,
      });
      expect(t.jar.cookies.has('notice')).toBe(false);
    },
  );

  it('answers once: a second post finds no notice and signs nothing', async () => {
    const { t, csrf } = await openNotice();
    await t.post('/notice', { csrf, decision: 'undo' });
    const response = await t.post('/notice', { csrf, decision: 'undo' });
    const body = await response.text();
    expect(response.status).toBe(400);
    expect(hiddenField(body, 'session_token')).toBeUndefined();
  });

  it.each([
    ['without the CSRF token', { decision: 'undo' }],
    ['with an unknown answer', { decision: 'link' }],
  ])('refuses an answer %s with 403 and signs nothing', async (_, fields) => {
    const { t } = await openNotice();
    const response = await t.post('/notice', fields);
    const body = await response.text();
    expect(response.status).toBe(403);
    expect(hiddenField(body, 'session_token')).toBeUndefined();
    expect(hiddenField(body, 'state')).toBe('tenant-state-123');
  });

  it('refuses a cross-site post even with a valid CSRF token', async () => {
    const { t, csrf } = await openNotice();
    const response = await t.post('/notice', { csrf, decision: 'undo' }, true, {
      origin: 'https://evil.example',
      'sec-fetch-site': 'cross-site',
    });
    expect(response.status).toBe(403);
    expect(hiddenField(await response.text(), 'session_token')).toBeUndefined();
  });

  it.each([
    ['a tampered notice', async () => tamperLastSegment(await noticeToken())],
    [
      'a notice signed with another secret',
      () => noticeToken({}, { secret: 'another-secret-that-is-32-chars-long!' }),
    ],
    ['a notice from another tenant', () => noticeToken({}, { issuer: 'evil.example.com' })],
    ['an expired notice', () => noticeToken({}, { iat: NOW_SECONDS - 600 })],
    ["the consent page's link request", () => linkRequestToken()],
    ['a notice about a link this login is not part of', () => noticeToken({ secondary: 'github|7' })],
    ['a notice without a browser binding', () => noticeToken({ browser: undefined })],
  ])('shows no answers for %s, only a way to finish signing in with the state alone', async (_, token) => {
    const { response, body } = await openNotice(makeTestApp(), await token());
    expect(response.status).toBe(400);
    expect(body).not.toContain(">This wasn't me</button>");
    expect(formActions(body)).toEqual(['https://tenant.example.com/continue']);
    expect(hiddenField(body, 'state')).toBe('tenant-state-123');
    expect(hiddenField(body, 'session_token')).toBeUndefined();
  });
});
