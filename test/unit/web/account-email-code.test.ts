import { describe, expect, it } from 'vitest';
import { MAX_FAILED_ATTEMPTS } from '../../../core/passwordless-codes.ts';
import { WebError } from '../../../web/errors.ts';
import { makeUser } from '../../support/users.ts';
import { signInAs } from './account-support.ts';
import { emailCodeApp } from './email-code-support.ts';
import { formActions, pageText as text } from './support.ts';

const ME = 'auth0|me';
const SUGGESTED = 'google-oauth2|31';
const EMAIL = 'alice@example.com';
const CODE_USER = 'email|0123456789abcdef01234567';

/**
 * The signed-in user and a suggestion with the same verified email (created at `suggestionCreatedAt`); the email
 * connection enabled for `enabledFor`, with `options`.
 */
async function signedIn(
  enabledFor: readonly string[] = ['reauth-client'],
  options: Record<string, unknown> = {},
  suggestionCreatedAt = '2025-01-01T00:00:00.000Z',
) {
  const { t, email, later } = emailCodeApp(enabledFor, options);
  t.tenant.seed(
    makeUser(ME),
    makeUser(SUGGESTED, { created_at: suggestionCreatedAt }),
    makeUser(CODE_USER, { connection: 'email' }),
  );
  return { ...(await signInAs(t, ME)), email, later };
}

const ROUTE = '/account/link/email-code';

describe('account page: Email me a code on a suggestion', () => {
  it('offers Email me a code beside Link when the email connection is enabled for the re-authentication client', async () => {
    const { page } = await signedIn();
    expect(page).toContain('aria-label="Email me a code: google-oauth2 a•••e@example.com"');
    expect(formActions(page)).toContain(ROUTE);
  });

  it('offers no code, and refuses a forged request for one, when the connection is not enabled for it', async () => {
    const { t, page, csrf, email } = await signedIn(['web-client']);
    expect(page).not.toContain('Email me a code');
    expect((await t.post(ROUTE, { csrf, user_id: SUGGESTED })).status).toBe(403);
    expect(email.sent).toEqual([]);
  });

  it('sends the code to the suggestion’s address from the search, and links it with the emailed code', async () => {
    const { t, csrf, email } = await signedIn();
    const sent = await t.post(ROUTE, { csrf, user_id: SUGGESTED, email: 'attacker@evil.example' });
    expect(text(await sent.text())).toContain('We emailed a code to a•••e@example.com.');
    expect(email.sent).toEqual([EMAIL]);
    const linked = await t.post(ROUTE, { csrf, action: 'verify', code: email.codeFor(EMAIL) });
    expect(linked.headers.get('location')).toBe('/account?notice=linked');
    expect(t.links()).toEqual([
      { primary: ME, provider: 'google-oauth2', user_id: '31' },
      { primary: ME, provider: 'email', user_id: '0123456789abcdef01234567' },
    ]);
  });

  it('keeps a code usable as long as the connection’s time_step says: 5 minutes, linked at 200 s', async () => {
    const { t, csrf, email, later } = await signedIn(undefined, { totp: { time_step: 300 } });
    const sent = await t.post(ROUTE, { csrf, user_id: SUGGESTED });
    expect(text(await sent.text())).toContain('It is valid for 5 minutes.');
    later(200);
    const linked = await t.post(ROUTE, { csrf, action: 'verify', code: email.codeFor(EMAIL) });
    expect(linked.headers.get('location')).toBe('/account?notice=linked');
  });

  it('links into an older suggestion, with the code user, and moves the session there', async () => {
    const { t, csrf, email } = await signedIn(undefined, undefined, '2020-01-01T00:00:00.000Z');
    await t.post(ROUTE, { csrf, user_id: SUGGESTED });
    const linked = await t.post(ROUTE, { csrf, action: 'verify', code: email.codeFor(EMAIL) });
    expect(linked.headers.get('location')).toBe('/account?notice=linked_to_older');
    expect(t.links()).toEqual([
      { primary: SUGGESTED, provider: 'auth0', user_id: 'me' },
      { primary: SUGGESTED, provider: 'email', user_id: '0123456789abcdef01234567' },
    ]);
    expect(await (await t.request('/account')).text()).toContain(`<dd>${SUGGESTED}</dd>`);
  });

  it('refuses a code for an account that is not a suggestion (forged target) and sends nothing', async () => {
    const { t, csrf, email } = await signedIn();
    const response = await t.post(ROUTE, { csrf, user_id: 'github|stranger' });
    expect(response.headers.get('location')).toBe('/account?notice=not_suggested');
    expect(email.sent).toEqual([]);
  });

  it.each([
    ['tenant_unreachable', 'tenant_unreachable'],
    ['tenant_error', 'tenant_error'],
    ['oidc_rejected', 'reauth_failed'],
  ] as const)('reports a code that could not be sent (%s) as %s', async (failure, notice) => {
    const { t, csrf, email } = await signedIn();
    email.sendFailure = new WebError(failure, 'the tenant failed');
    const response = await t.post(ROUTE, { csrf, user_id: SUGGESTED });
    expect(response.headers.get('location')).toBe(`/account?notice=${notice}`);
    expect(t.links()).toEqual([]);
  });

  it('says a wrong code is wrong, then asks for a new code after three, and links nothing', async () => {
    const { t, csrf, email } = await signedIn();
    await t.post(ROUTE, { csrf, user_id: SUGGESTED });
    for (let attempt = 1; attempt < MAX_FAILED_ATTEMPTS; attempt++) {
      const wrong = await t.post(ROUTE, { csrf, action: 'verify', code: '000000' });
      expect(wrong.status).toBe(400);
      expect(text(await wrong.text())).toContain('That code is not right.');
    }
    const last = await t.post(ROUTE, { csrf, action: 'verify', code: '000000' });
    expect(text(await last.text())).toContain('That code can no longer be used');
    await t.post(ROUTE, { csrf, action: 'verify', code: email.codeFor(EMAIL) });
    expect(t.links()).toEqual([]);
  });

  it('links nothing when the code proved another address', async () => {
    const { t, csrf, email } = await signedIn();
    email.claimsFor = () => ({ sub: CODE_USER, email: 'mallory@example.com', email_verified: true });
    await t.post(ROUTE, { csrf, user_id: SUGGESTED });
    const response = await t.post(ROUTE, { csrf, action: 'verify', code: email.codeFor(EMAIL) });
    expect(response.headers.get('location')).toBe('/account?notice=reauth_wrong_account');
    expect(t.links()).toEqual([]);
  });

  it('accepts a code once: replaying it after the link finds no pending code', async () => {
    const { t, csrf, email } = await signedIn();
    await t.post(ROUTE, { csrf, user_id: SUGGESTED });
    const code = email.codeFor(EMAIL);
    await t.post(ROUTE, { csrf, action: 'verify', code });
    expect((await t.post(ROUTE, { csrf, action: 'verify', code })).status).toBe(403);
    expect(email.verified).toEqual([code]);
  });

  it('refuses the code without the session’s CSRF token or from another browser', async () => {
    const { t, csrf, email } = await signedIn();
    await t.post(ROUTE, { csrf, user_id: SUGGESTED });
    const code = email.codeFor(EMAIL);
    expect((await t.post(ROUTE, { csrf: 'forged', action: 'verify', code })).status).toBe(403);
    const elsewhere = await t.post(ROUTE, { csrf, action: 'verify', code }, false);
    expect(elsewhere.headers.get('location')).toBe('/login');
    expect(email.verified).toEqual([]);
  });
});
