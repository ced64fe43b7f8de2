import { describe, expect, it } from 'vitest';
import { DEFAULT_CODE_LIFETIME_SECONDS } from '../../../core/passwordless-codes.ts';
import { EMAIL_CODE_AVAILABILITY_SECONDS } from '../../../web/email-code.ts';
import { makeUser } from '../../support/users.ts';
import { type EmailCodeApp, emailCodeApp } from './email-code-support.ts';
import {
  CANDIDATE,
  claimsOf,
  hiddenField,
  linkRequestToken,
  openConsent,
  pageText as text,
} from './support.ts';

/** Opens the consent page (for `token`) and asks for a code for the candidate; `fields` add to or replace the form's. */
async function askForCode(s: EmailCodeApp, fields: Record<string, string> = {}, token?: string) {
  const { csrf, body: page } = await openConsent(s.t, token);
  const response = await s.t.post('/consent', {
    csrf,
    decision: 'email-code',
    candidate: CANDIDATE.user_id,
    ...fields,
  });
  return { csrf, page, response, body: await response.text() };
}

function enterCode(s: EmailCodeApp, csrf: string, code: string, useJar = true) {
  return s.t.post('/consent/code', { csrf, action: 'verify', code }, useJar);
}

const connectionLookups = (s: EmailCodeApp) =>
  s.t.tenant.calls.filter((call) => call.method === 'GET' && call.path.startsWith('/api/v2/connections?'));

describe('consent page: Email me a code', () => {
  it('offers Email me a code beside Link when the email connection is enabled for the re-authentication client', async () => {
    const { body } = await openConsent(emailCodeApp().t);
    expect(body).toContain('>Email me a code</button>');
    expect(text(body)).toContain(
      'if you cannot sign in to it any more, enter a code we email to its address',
    );
  });

  it.each([
    ['enabled only for the web client', ['web-client']],
    ['absent', 'no connection' as const],
  ])(
    'offers no code when the email connection is %s, and refuses a forged request for one',
    async (_, enabled) => {
      const s = emailCodeApp(enabled);
      const { page, response } = await askForCode(s);
      expect(page).not.toContain('Email me a code');
      expect(response.status).toBe(403);
      expect(s.email.sent).toEqual([]);
    },
  );

  it('looks the connection up once per minute, not on every page view', async () => {
    const s = emailCodeApp();
    await openConsent(s.t);
    await openConsent(s.t);
    expect(connectionLookups(s)).toHaveLength(1);
    s.later(EMAIL_CODE_AVAILABILITY_SECONDS);
    await openConsent(s.t);
    expect(connectionLookups(s)).toHaveLength(2);
  });

  it("sends the code to the signed candidate's address, never to one the form names", async () => {
    const s = emailCodeApp();
    const { response, body } = await askForCode(s, { email: 'attacker@evil.example' });
    expect(response.status).toBe(200);
    expect(s.email.sent).toEqual([CANDIDATE.email]);
    expect(text(body)).toContain('We emailed a code to a•••e@example.com. It is valid for 3 minutes.');
    expect(body).not.toContain(CANDIDATE.email);
  });

  it('refuses a code for an account the signed request did not name (forged target)', async () => {
    const s = emailCodeApp();
    const { response } = await askForCode(s, { candidate: 'auth0|attacker' });
    expect(response.status).toBe(403);
    expect(s.email.sent).toEqual([]);
  });

  it('returns the same signed link proof as a re-authentication when the code is right', async () => {
    const s = emailCodeApp();
    const { csrf } = await askForCode(s);
    const response = await enterCode(s, csrf, s.email.codeFor(CANDIDATE.email));
    const claims = claimsOf(hiddenField(await response.text(), 'session_token') ?? '');
    expect(claims).toMatchObject({
      purpose: 'link-proof',
      decision: 'link',
      sub: 'google-oauth2|current',
      linked_user_id: CANDIDATE.user_id,
    });
  });

  it.each([
    ['the candidate when it stays the main account', true, CANDIDATE.user_id],
    ["the sign-in's own account when that one stays the main account", false, 'google-oauth2|current'],
  ])('links the email| user the code signed in into %s', async (_, candidateIsPrimary, primary) => {
    const s = emailCodeApp();
    const codeUser = 'email|0123456789abcdef01234567';
    s.t.tenant.seed(
      makeUser(CANDIDATE.user_id, { connection: CANDIDATE.connection }),
      makeUser('google-oauth2|current'),
      makeUser(codeUser, { connection: 'email' }),
    );
    const token = await linkRequestToken({ candidates: [{ ...CANDIDATE, primary: candidateIsPrimary }] });
    const { csrf } = await askForCode(s, {}, token);
    await enterCode(s, csrf, s.email.codeFor(CANDIDATE.email));
    expect(s.t.links()).toEqual([{ primary, provider: 'email', user_id: '0123456789abcdef01234567' }]);
    expect(s.t.tenant.users.get(primary)?.app_metadata).toMatchObject({
      account_linking_links: [
        { user_id: codeUser, connection: 'email', via: 'consent', reason: 'email_code' },
      ],
    });
  });

  it('still returns the proof when the email| user cannot be linked', async () => {
    const s = emailCodeApp();
    const { csrf } = await askForCode(s);
    const body = await (await enterCode(s, csrf, s.email.codeFor(CANDIDATE.email))).text();
    expect(s.t.links()).toEqual([]);
    expect(claimsOf(hiddenField(body, 'session_token') ?? '').linked_user_id).toBe(CANDIDATE.user_id);
    expect(s.t.logs.some((line) => line.includes('email_code_user_not_linked'))).toBe(true);
  });

  it('says a wrong code is wrong and lets the person try again, then asks for a new code after three', async () => {
    const s = emailCodeApp();
    const { csrf } = await askForCode(s);
    const first = await enterCode(s, csrf, '000000');
    expect(first.status).toBe(400);
    const body = await first.text();
    expect(text(body)).toContain('That code is not right.');
    expect(body).toContain('name="code"');
    await enterCode(s, csrf, '000001');
    const third = await (await enterCode(s, csrf, '000002')).text();
    expect(text(third)).toContain('That code can no longer be used');
    expect(third).not.toContain('name="code"');
    const right = s.email.codeFor(CANDIDATE.email);
    const refused = await (await enterCode(s, csrf, right)).text();
    expect(text(refused)).toContain('That code can no longer be used');
    expect(s.email.verified).not.toContain(right);
  });

  it('offers a new code once the code has expired, and the new code links', async () => {
    const s = emailCodeApp();
    const { csrf } = await askForCode(s);
    const expired = s.email.codeFor(CANDIDATE.email);
    s.later(DEFAULT_CODE_LIFETIME_SECONDS);
    expect(text(await (await enterCode(s, csrf, expired)).text())).toContain('Send a new code');
    const resent = await s.t.post('/consent/code', { csrf, action: 'resend' });
    expect(text(await resent.text())).toContain('We emailed a new code to a•••e@example.com.');
    expect(s.email.sent).toEqual([CANDIDATE.email, CANDIDATE.email]);
    const body = await (await enterCode(s, csrf, s.email.codeFor(CANDIDATE.email))).text();
    expect(claimsOf(hiddenField(body, 'session_token') ?? '').linked_user_id).toBe(CANDIDATE.user_id);
  });

  it.each([
    [60, '1 minute'],
    [90, '90 seconds'],
    [300, '5 minutes'],
  ])(
    'says a code lives as long as the connection’s options.totp.time_step (%i s): %s',
    async (timeStep, lifetime) => {
      const { body } = await askForCode(emailCodeApp(undefined, { totp: { time_step: timeStep } }));
      expect(text(body)).toContain(`It is valid for ${lifetime}.`);
    },
  );

  it('promises no more than the 10 minutes the round trip keeps a code, whatever time_step says', async () => {
    const { body } = await askForCode(emailCodeApp(undefined, { totp: { time_step: 900 } }));
    expect(text(body)).toContain('It is valid for 10 minutes.');
  });

  it.each([
    ['reads time_step with read:connections_options', ['read:connections_options'], '5 minutes'],
    ['has Auth0’s default without it, the tenant leaving options out', [], '3 minutes'],
  ])('%s', async (_, optionsScope, lifetime) => {
    const s = emailCodeApp(undefined, { totp: { time_step: 300 } });
    const { store } = s.t.tenant.context;
    const grant = store.findClientGrant(s.t.tenant.clientId, store.managementAudience);
    store.updateClientGrant(grant?.id ?? '', { scope: ['read:users', 'read:connections', ...optionsScope] });
    const { body } = await askForCode(s);
    expect(text(body)).toContain(`It is valid for ${lifetime}.`);
  });

  it('checks a code typed at 200 s with the tenant, and accepts it, when time_step is 300', async () => {
    const s = emailCodeApp(undefined, { totp: { time_step: 300 } });
    const { csrf } = await askForCode(s);
    const code = s.email.codeFor(CANDIDATE.email);
    s.later(200);
    const body = await (await enterCode(s, csrf, code)).text();
    expect(s.email.verified).toEqual([code]);
    expect(claimsOf(hiddenField(body, 'session_token') ?? '').linked_user_id).toBe(CANDIDATE.user_id);
  });

  it('treats a code typed at 200 s as spent, without asking the tenant, under Auth0’s default 180 s', async () => {
    const s = emailCodeApp();
    const { csrf } = await askForCode(s);
    s.later(200);
    const response = await enterCode(s, csrf, s.email.codeFor(CANDIDATE.email));
    expect(text(await response.text())).toContain('That code can no longer be used');
    expect(s.email.verified).toEqual([]);
  });

  it('keeps the lifetime a code was sent with when the connection’s time_step changes afterwards', async () => {
    const s = emailCodeApp(undefined, { totp: { time_step: 300 } });
    const { csrf } = await askForCode(s);
    const code = s.email.codeFor(CANDIDATE.email);
    s.setOptions({});
    s.later(200);
    await enterCode(s, csrf, code);
    expect(s.email.verified).toEqual([code]);
  });

  it.each([4, 8, 40])('checks a %i-digit code (options.totp.length) with the tenant', async (length) => {
    const s = emailCodeApp(undefined, { totp: { length } });
    const { csrf } = await askForCode(s);
    const code = s.email.codeFor(CANDIDATE.email);
    expect(code).toHaveLength(length);
    const body = await (await enterCode(s, csrf, code)).text();
    expect(claimsOf(hiddenField(body, 'session_token') ?? '').linked_user_id).toBe(CANDIDATE.user_id);
  });

  it('sends a new code while the connection lookup fails, keeping the last code’s lifetime', async () => {
    const s = emailCodeApp(undefined, { totp: { time_step: 300 } });
    const { csrf } = await askForCode(s);
    s.later(EMAIL_CODE_AVAILABILITY_SECONDS);
    s.t.tenant.fail('GET /api/v2/connections', { status: 503, count: Infinity });
    const resent = await s.t.post('/consent/code', { csrf, action: 'resend' });
    expect(text(await resent.text())).toContain('We emailed a new code to a•••e@example.com.');
    s.later(200);
    const code = s.email.codeFor(CANDIDATE.email);
    await enterCode(s, csrf, code);
    expect(s.email.verified).toEqual([code]);
  });

  it.each([
    ['another address', { email: 'someone-else@example.com', email_verified: true }],
    ['an unverified address', { email: CANDIDATE.email, email_verified: false }],
    ['no address', {}],
  ])('links nothing when the tenant says the code proved %s', async (_, claims) => {
    const s = emailCodeApp();
    s.email.claimsFor = () => ({ sub: 'email|other', ...claims });
    const { csrf } = await askForCode(s);
    const response = await enterCode(s, csrf, s.email.codeFor(CANDIDATE.email));
    expect(response.status).toBe(400);
    const body = await response.text();
    expect(text(body)).toContain('That code was for another address');
    expect(claimsOf(hiddenField(body, 'session_token') ?? '').decision).toBe('not-now');
  });

  it('accepts a code once: the same code sent again after the link finds no round trip', async () => {
    const s = emailCodeApp();
    const { csrf } = await askForCode(s);
    const code = s.email.codeFor(CANDIDATE.email);
    await enterCode(s, csrf, code);
    const replay = await enterCode(s, csrf, code);
    expect(replay.status).toBe(400);
    expect(text(await replay.text())).toContain('Your linking session has ended');
    expect(s.email.verified).toEqual([code]);
  });

  it('refuses the code from another browser (no consent cookie) without trying it', async () => {
    const s = emailCodeApp();
    const { csrf } = await askForCode(s);
    const response = await enterCode(s, csrf, s.email.codeFor(CANDIDATE.email), false);
    expect(response.status).toBe(400);
    expect(s.email.verified).toEqual([]);
  });

  it('refuses a code form without the page CSRF token or from another site', async () => {
    const s = emailCodeApp();
    const { csrf } = await askForCode(s);
    const code = s.email.codeFor(CANDIDATE.email);
    expect((await enterCode(s, 'forged', code)).status).toBe(403);
    const crossSite = await s.t.post('/consent/code', { csrf, action: 'verify', code }, true, {
      origin: 'https://evil.example',
      'sec-fetch-site': 'cross-site',
    });
    expect(crossSite.status).toBe(403);
    expect(s.email.verified).toEqual([]);
  });

  it('refuses a code form when no code was asked for in this round trip', async () => {
    const s = emailCodeApp();
    const { csrf } = await openConsent(s.t);
    expect((await enterCode(s, csrf, '123456')).status).toBe(403);
    expect(s.email.verified).toEqual([]);
  });
});
