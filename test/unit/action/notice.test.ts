import { decodeJwt } from 'jose';
import { describe, expect, it } from 'vitest';
import { LINKED_CLAIM } from '../../../core/link-notice.ts';
import { linkRecordOf } from '../../../core/link-record.ts';
import { declinedUserIds } from '../../../core/policy.ts';
import { signHs256 } from '../../../emulator/actions-runtime/redirect-token.ts';
import type { InProcessTenant } from '../../support/in-process-tenant.ts';
import { tamperLastSegment } from '../../support/tamper.ts';
import {
  continueWith,
  defaultBrowserBinding,
  googleLogin,
  googleUser,
  linkProof,
  linkRequestClaims,
  login,
  OLD,
  SESSION_TOKEN_SECRET,
  secrets,
  tenantWithPasswordUser,
} from './harness.ts';

const NOTICE_URL = 'https://link.example.com/notice';
const pair = { primary: 'auth0|old', secondary: googleUser.user_id };

/** The notice page's signed answer, as the web app signs it, from the login's own browser. */
const noticeAnswer = (claims: Record<string, unknown>) =>
  linkProof({ purpose: 'link-notice-answer', ...pair, ...claims });

/** A Google login linked silently into the older password account with LINK_NOTICE=page, waiting at the page. */
async function linkedAwaitingNotice(metadata: Record<string, unknown> = { plan: 'pro' }) {
  const fake = tenantWithPasswordUser(metadata);
  const run = await login(fake, {
    user: { ...googleUser, user_metadata: metadata },
    secrets: secrets(fake, { LINK_NOTICE: 'page' }),
  });
  return { fake, run };
}

/** The notice page's answer coming back to /continue. */
const answerNotice = (
  fake: InProcessTenant,
  sessionToken: string | undefined,
  browser: { ip?: string } = {},
) => continueWith(fake, sessionToken, { settings: { LINK_NOTICE: 'page' }, browser });

describe('the linked claim', () => {
  it('describes a silent link in the ID token: the sign-in added, when, how, the main account and why', async () => {
    const before = Date.now();
    const { outcome } = await googleLogin();
    const claim = outcome.idTokenClaims[LINKED_CLAIM] as Record<string, unknown>;
    expect(claim).toEqual({
      via: 'silent',
      at: expect.any(String),
      linked: { connection: 'google-oauth2', provider: 'google-oauth2' },
      primary: { user_id: 'auth0|old', connection: 'Username-Password-Authentication' },
      reason: 'oldest',
    });
    expect(Date.parse(String(claim.at))).toBeGreaterThanOrEqual(before - 1000);
    expect(JSON.stringify(claim)).not.toContain('alice');
    expect(outcome.redirect).toBeUndefined();
  });

  it('describes the added sign-in when the login is the older account and stays main', async () => {
    const fake = tenantWithPasswordUser();
    const { outcome } = await login(fake, {
      user: {
        user_id: 'auth0|old',
        email: 'alice@example.com',
        email_verified: true,
        created_at: '2020-01-01',
      },
      connection: { name: 'Username-Password-Authentication' },
      secrets: secrets(fake),
    });
    expect(outcome.idTokenClaims[LINKED_CLAIM]).toMatchObject({
      linked: { connection: 'google-oauth2' },
      primary: { user_id: 'auth0|old' },
    });
  });

  it.each([
    ['a dry run', { DRY_RUN: 'true' }],
    ['a login without a trusted connection (consent asked instead)', { AUTO_LINK_CONNECTIONS: '' }],
  ])('is not added on %s', async (_, extra) => {
    const { outcome } = await googleLogin(extra);
    expect(outcome.idTokenClaims).toEqual({});
  });

  it('is added only on the login where the link happened, not on the next one', async () => {
    const { fake } = await googleLogin();
    const next = await login(fake, {
      user: { user_id: 'auth0|old', email: 'alice@example.com', email_verified: true, created_at: OLD },
      secrets: secrets(fake),
    });
    expect(next.outcome.idTokenClaims).toEqual({});
  });
});

describe('LINK_NOTICE=page', () => {
  it('sends an interactive login that just linked to the notice page once, and leaves the switch for /continue', async () => {
    const { fake, run } = await linkedAwaitingNotice();
    expect(fake.users.get(googleUser.user_id)).toBeUndefined();
    const url = new URL(run.outcome.redirect?.url ?? '');
    expect(url.origin + url.pathname).toBe(NOTICE_URL);
    expect(run.outcome.primaryUserId).toBeUndefined();
    expect(run.outcome.idTokenClaims[LINKED_CLAIM]).toMatchObject({ via: 'silent' });
    expect(await linkRequestClaims(url.href)).toMatchObject({
      purpose: 'link-notice',
      sub: googleUser.user_id,
      browser: defaultBrowserBinding(),
      linked: { connection: 'google-oauth2' },
      primary: { user_id: 'auth0|old', connection: 'Username-Password-Authentication' },
      secondary: googleUser.user_id,
    });
    // Sealed like the consent request: no email or user id readable in the URL.
    expect(url.href).not.toMatch(/alice|auth0%7Cold|google-oauth2%7C1001/);
  });

  it.each([
    ['prompt=none', { transaction: { prompt: ['none'] } }],
    ['a refresh-token exchange', { transaction: { protocol: 'oauth2-refresh-token' as const } }],
  ])('does not redirect %s: it switches to the primary at once', async (_, overrides) => {
    const { outcome } = await googleLogin({ LINK_NOTICE: 'page' }, overrides);
    expect(outcome.redirect).toBeUndefined();
    expect(outcome.interactionRequired).toBeUndefined();
    expect(outcome.primaryUserId).toBe('auth0|old');
    expect(outcome.idTokenClaims[LINKED_CLAIM]).toMatchObject({ via: 'silent' });
  });

  it('does not redirect by default (LINK_NOTICE=claim)', async () => {
    const { outcome } = await googleLogin();
    expect(outcome.redirect).toBeUndefined();
    expect(outcome.primaryUserId).toBe('auth0|old');
  });

  it('OK: the login ends as the main account and the link stays', async () => {
    const { fake } = await linkedAwaitingNotice();
    const { outcome, decisions } = await answerNotice(fake, noticeAnswer({ decision: 'keep' }));
    expect(outcome.primaryUserId).toBe('auth0|old');
    expect(outcome.idTokenClaims).toEqual({});
    expect(fake.users.get(googleUser.user_id)).toBeUndefined();
    expect(decisions.at(-1)).toMatchObject({ decision: 'notice-kept', ...pair });
  });

  it("This wasn't me: unlinks and restores with the account page's unlink, declines the pair, ends as the login's own user", async () => {
    const { fake } = await linkedAwaitingNotice({ plan: 'pro' });
    const { outcome, decisions } = await answerNotice(fake, noticeAnswer({ decision: 'undo' }));
    expect(outcome.primaryUserId).toBeUndefined();
    expect(outcome.idTokenClaims).toEqual({ [LINKED_CLAIM]: null });
    const primary = fake.users.get('auth0|old');
    const restored = fake.users.get(googleUser.user_id);
    expect(primary?.identities?.map((identity) => identity.provider)).toEqual(['auth0']);
    expect(linkRecordOf(primary ?? {}, googleUser.user_id)).toBeUndefined();
    expect(restored?.user_metadata).toEqual({ plan: 'pro' });
    // The other account's metadata, merged in at link time, is off the primary again.
    expect(primary?.user_metadata ?? {}).not.toHaveProperty('plan');
    expect(declinedUserIds(primary ?? {})).toEqual([googleUser.user_id]);
    expect(declinedUserIds(restored ?? {})).toEqual(['auth0|old']);
    expect(decisions.at(-1)).toMatchObject({
      decision: 'unlinked',
      reason: 'not_me',
      restored: 'user_metadata',
      withdrawn: 'user_metadata.plan',
    });
    // The next login with Google neither links silently nor asks about the declined account.
    const next = await login(fake, {
      user: { ...googleUser, app_metadata: restored?.app_metadata ?? {} },
      secrets: secrets(fake, { LINK_NOTICE: 'page' }),
    });
    expect(next.outcome.redirect).toBeUndefined();
    expect(fake.users.get('auth0|old')?.identities).toHaveLength(1);
  });

  it.each([
    [
      'from another browser (a forwarded notice)',
      () => noticeAnswer({ decision: 'undo' }),
      { ip: '198.51.100.99' },
      'browser_changed',
    ],
    [
      'for a link this login did not make',
      () => noticeAnswer({ decision: 'undo', primary: 'auth0|old', secondary: 'github|7' }),
      {},
      'not_this_login',
    ],
    [
      "replaying the consent page's proof as an answer",
      () => linkProof({ decision: 'undo', ...pair }),
      {},
      'unexpected_claims',
    ],
    [
      'with the notice request itself as the answer',
      () => noticeAnswer({ decision: 'undo', purpose: 'link-notice' }),
      {},
      'unexpected_claims',
    ],
  ])(
    'undoes nothing for an answer %s, and the login ends as the main account',
    async (_, token, request, reason) => {
      const { fake } = await linkedAwaitingNotice();
      const { outcome, decisions } = await answerNotice(fake, token(), request);
      expect(decisions[0]).toMatchObject({ decision: 'reject', reason });
      expect(fake.users.get(googleUser.user_id)).toBeUndefined();
      expect(fake.callsTo('unlink')).toBe(0);
      expect(outcome.primaryUserId).toBe('auth0|old');
    },
  );

  it.each([
    ['a tampered answer', () => tamperLastSegment(noticeAnswer({ decision: 'undo' }))],
    ['an answer for another state', () => noticeAnswer({ decision: 'undo', state: 'other-state' })],
    [
      'an expired answer',
      () =>
        signHs256({ ...decodeJwt(noticeAnswer({ decision: 'undo' })), iat: 1, exp: 2 }, SESSION_TOKEN_SECRET),
    ],
    ['no answer', () => undefined],
  ])('undoes nothing for %s, and the login ends as the main account', async (_, token) => {
    const { fake } = await linkedAwaitingNotice();
    const { outcome, decisions } = await answerNotice(fake, token());
    expect(decisions[0]).toMatchObject({ decision: 'reject', reason: 'invalid_token' });
    expect(fake.callsTo('unlink')).toBe(0);
    expect(outcome.primaryUserId).toBe('auth0|old');
  });

  it.each([
    ['an unknown value', { LINK_NOTICE: 'off' }, 'LINK_NOTICE must be "claim"'],
    [
      'page without CONSENT_URL',
      { LINK_NOTICE: 'page', CONSENT_URL: '' },
      'LINK_NOTICE=page needs CONSENT_URL',
    ],
  ])(
    'is a configuration error naming LINK_NOTICE for %s: the login goes through unlinked',
    async (_, extra, message) => {
      const { fake, outcome, decisions } = await googleLogin(extra);
      expect(decisions).toEqual([
        expect.objectContaining({
          reason: 'config_error',
          setting: 'LINK_NOTICE',
          message: expect.stringContaining(message),
        }),
      ]);
      expect(outcome.primaryUserId).toBeUndefined();
      expect(fake.managementCalls()).toBe(0);
    },
  );
});
