import { describe, expect, it, vi } from 'vitest';
import { onContinuePostLogin } from '../../../actions/account-linking/index.ts';
import { LINK_RECORDS_KEY, type LinkRecord } from '../../../core/link-record.ts';
import { createPostLoginApi } from '../../../emulator/actions-runtime/api.ts';
import { ActionCache } from '../../../emulator/actions-runtime/cache.ts';
import { InProcessTenant } from '../../support/in-process-tenant.ts';
import { makePostLoginEvent, type PostLoginEventOverrides } from '../../support/post-login-event.ts';
import { tamperLastSegment } from '../../support/tamper.ts';
import { makeUser } from '../../support/users.ts';
import {
  CONSENT_URL,
  type ContinueOptions,
  continueWith,
  defaultBrowserBinding,
  googleLogin,
  googleUser,
  linkProof,
  linkRequestClaims,
  login,
  NEW,
  OLD,
  SESSION_TOKEN_SECRET,
  secrets,
  tenantWithPasswordUser,
} from './harness.ts';

/** The consent page's proof that the Google user owns the older password account. */
const validProof = (extra: Record<string, unknown> = {}) =>
  linkProof({ decision: 'link', linked_user_id: 'auth0|old', ...extra });

describe('silent linking', () => {
  it('links a trusted login into the older account and switches the primary', async () => {
    const fake = tenantWithPasswordUser({ plan: 'pro' });
    const { outcome } = await login(fake, {
      user: { ...googleUser, user_metadata: { plan: 'pro' } },
      secrets: secrets(fake),
    });
    expect(outcome.primaryUserId).toBe('auth0|old');
    expect(fake.users.get('google-oauth2|1001')).toBeUndefined();
    expect(fake.users.get('auth0|old')?.identities?.map((i) => i.provider)).toEqual([
      'auth0',
      'google-oauth2',
    ]);
  });

  it('merges the secondary metadata into the primary before linking', async () => {
    const fake = tenantWithPasswordUser();
    await login(fake, {
      user: { ...googleUser, user_metadata: { plan: 'pro', theme: 'light' } },
      secrets: secrets(fake),
    });
    expect(fake.users.get('auth0|old')?.user_metadata).toEqual({ theme: 'dark', plan: 'pro' });
    const order = fake.calls
      .map((call) => call.route)
      .filter((route) => route === 'patch-user' || route === 'link');
    expect(order).toEqual(['patch-user', 'link']);
  });

  it('links the older login user as primary without switching when it is the current user', async () => {
    const fake = new InProcessTenant().seed(
      makeUser('auth0|old', { created_at: OLD }),
      makeUser('google-oauth2|1001', { created_at: NEW }),
    );
    const { outcome } = await login(fake, {
      user: { user_id: 'auth0|old', email: 'alice@example.com', email_verified: true, created_at: OLD },
      secrets: secrets(fake),
    });
    expect(outcome.primaryUserId).toBeUndefined();
    expect(fake.users.get('auth0|old')?.identities).toHaveLength(2);
  });

  it('treats "already linked" by a concurrent login as success', async () => {
    const fake = tenantWithPasswordUser();
    const primary = fake.users.get('auth0|old');
    primary?.identities.push({
      provider: 'google-oauth2',
      user_id: '1001',
      connection: 'google-oauth2',
      isSocial: true,
      profileData: { email: 'alice@example.com' },
    });
    fake.fail('link', { status: 409 });
    const { outcome, decisions } = await login(fake, { user: googleUser, secrets: secrets(fake) });
    expect(outcome.primaryUserId).toBe('auth0|old');
    expect(decisions.at(-1)).toMatchObject({ decision: 'already-linked' });
  });

  it('logs in unlinked without switching when the link answers 409 but the primary does not hold the identity', async () => {
    const fake = tenantWithPasswordUser();
    fake.fail('link', { status: 409 });
    const { outcome, decisions } = await login(fake, { user: googleUser, secrets: secrets(fake) });
    expect(outcome.primaryUserId).toBeUndefined();
    expect(outcome.denied).toBeUndefined();
    expect(fake.users.get('google-oauth2|1001')).toBeDefined();
    expect(decisions.at(-1)).toMatchObject({ decision: 'unlinked', reason: 'management_error' });
  });

  it('splits provider-local ids containing bars on the first bar only', async () => {
    const fake = new InProcessTenant().seed(
      makeUser('auth0|old', { created_at: OLD }),
      makeUser('samlp|acme|jdoe', { created_at: NEW, connection: 'acme' }),
    );
    await login(fake, {
      user: { user_id: 'samlp|acme|jdoe', email: 'alice@example.com', email_verified: true, created_at: NEW },
      connection: { name: 'acme', strategy: 'samlp' },
      secrets: secrets(fake, { AUTO_LINK_CONNECTIONS: '*' }),
    });
    expect(fake.users.get('auth0|old')?.identities?.[1]).toMatchObject({
      provider: 'samlp',
      user_id: 'acme|jdoe',
    });
  });

  it('finds a database account when the login email has capitals', async () => {
    const { outcome } = await googleLogin({}, { user: { ...googleUser, email: 'Alice@Example.com' } });
    expect(outcome.primaryUserId).toBe('auth0|old');
  });

  it('decides and logs but writes nothing in dry-run mode', async () => {
    const { fake, outcome, decisions } = await googleLogin({ DRY_RUN: 'true' });
    expect(outcome.primaryUserId).toBeUndefined();
    expect(fake.users.get('google-oauth2|1001')).toBeDefined();
    expect(decisions.at(-1)).toMatchObject({ decision: 'would-link' });
  });
});

describe('when not to look', () => {
  it.each([
    ['a string "true"', { email_verified: 'true' }],
    ['an unverified email', { email_verified: false }],
    ['no email', { email: undefined }],
  ])('makes no Management call for %s', async (_, user) => {
    const { fake, outcome } = await googleLogin({}, { user: { ...googleUser, ...user } as never });
    expect(fake.calls).toEqual([]);
    expect(outcome.primaryUserId).toBeUndefined();
  });

  it.each<[string, PostLoginEventOverrides, Record<string, string>]>([
    ['for a client in SKIP_CLIENT_IDS', { client: { client_id: 'reauth' } }, { SKIP_CLIENT_IDS: 'reauth' }],
    ['on a repeat login in first-login mode', { stats: { logins_count: 7 } }, { CHECK_ON: 'first-login' }],
  ])('makes no Management call %s', async (_, event, settings) => {
    const { fake } = await googleLogin(settings, event);
    expect(fake.calls).toEqual([]);
  });

  it('lets the login through unlinked and names the secret when the config is invalid', async () => {
    const { outcome, decisions } = await googleLogin({ SESSION_TOKEN_SECRET: 'short' });
    expect(outcome.denied).toBeUndefined();
    expect(decisions).toEqual([
      expect.objectContaining({ reason: 'config_error', setting: 'SESSION_TOKEN_SECRET' }),
    ]);
    expect(JSON.stringify(decisions)).not.toContain('action-client-secret');
  });

  it.each([
    ['a blocked candidate', { blocked: true }],
    ['an unverified candidate', { email_verified: false }],
  ])('ignores %s', async (_, candidate) => {
    const fake = new InProcessTenant().seed(makeUser('auth0|old', { created_at: OLD, ...candidate }));
    const { outcome } = await login(fake, { user: googleUser, secrets: secrets(fake) });
    expect(outcome.primaryUserId).toBeUndefined();
    expect(fake.callsTo('link')).toBe(0);
  });
});

describe('who may be linked', () => {
  it('asks for consent instead of linking into an older candidate on an untrusted connection', async () => {
    const fake = new InProcessTenant().seed(
      makeUser('oauth2|weak-idp|9', { created_at: OLD, connection: 'weak-idp' }),
      makeUser('google-oauth2|1001', { created_at: NEW }),
    );
    const { outcome } = await login(fake, { user: googleUser, secrets: secrets(fake) });
    expect(fake.callsTo('link')).toBe(0);
    expect(outcome.primaryUserId).toBeUndefined();
    expect(outcome.redirect?.url.startsWith(`${CONSENT_URL}?`)).toBe(true);
  });

  it('neither asks nor links when the only older candidate is unverified', async () => {
    const fake = new InProcessTenant().seed(
      makeUser('auth0|old', { created_at: OLD, email_verified: false }),
      makeUser('google-oauth2|1001', { created_at: NEW }),
    );
    const { outcome, decisions } = await login(fake, {
      user: googleUser,
      secrets: secrets(fake, { AUTO_LINK_CONNECTIONS: 'Username-Password-Authentication' }),
    });
    expect(outcome.redirect).toBeUndefined();
    expect(fake.callsTo('link')).toBe(0);
    expect(decisions.at(-1)).toMatchObject({ decision: 'skip', reason: 'no_candidates' });
  });

  it('neither links nor asks when more than ten accounts share the email', async () => {
    const fake = new InProcessTenant().seed(
      // One database connection each: a database connection holds one user per email.
      ...Array.from({ length: 11 }, (_, i) =>
        makeUser(`auth0|dup${i}`, { created_at: OLD, connection: `db${i}` }),
      ),
      makeUser('google-oauth2|1001', { created_at: NEW }),
    );
    const { outcome, decisions } = await login(fake, { user: googleUser, secrets: secrets(fake) });
    expect(fake.callsTo('link')).toBe(0);
    expect(outcome.redirect).toBeUndefined();
    expect(outcome.primaryUserId).toBeUndefined();
    expect(decisions.at(-1)).toMatchObject({ decision: 'skip', reason: 'too_many_candidates' });
  });
});

describe('Management calls per login', () => {
  it('costs exactly one Management call with no candidate once the token is cached', async () => {
    const fake = new InProcessTenant();
    const cache = new ActionCache();
    await login(fake, { user: googleUser, secrets: secrets(fake) }, cache);
    const before = fake.calls.length;
    await login(fake, { user: googleUser, secrets: secrets(fake) }, cache);
    expect(fake.calls.slice(before).map((call) => call.route)).toEqual(['users-by-email']);
  });

  it('costs three Management calls for a silent link: search, PATCH, link (no read of the primary)', async () => {
    const fake = tenantWithPasswordUser({ plan: 'pro' });
    await login(fake, { user: { ...googleUser, user_metadata: { plan: 'pro' } }, secrets: secrets(fake) });
    expect(fake.managementCalls()).toBe(3);
    expect(fake.calls.map((call) => call.route).filter((route) => route !== 'token')).toEqual([
      'users-by-email',
      'patch-user',
      'link',
    ]);
  });
});

describe("the secondary's declines travel with a link", () => {
  /** The Google user said a GitHub account with its email is not theirs; GitHub is not a trusted connection. */
  const declining = { ...googleUser, app_metadata: { account_linking: { declined: ['github|9'] } } };
  const tenantWithDecline = () => {
    const fake = tenantWithPasswordUser().seed(
      makeUser('github|9', { created_at: '2025-07-01T00:00:00.000Z' }),
    );
    fake.users.update('google-oauth2|1001', { app_metadata: declining.app_metadata });
    return fake;
  };
  /** The next sign-in, as the password account that is now the primary. */
  const primaryLogin = (fake: InProcessTenant) => {
    const primary = fake.users.get('auth0|old');
    return login(fake, {
      user: {
        user_id: 'auth0|old',
        email: 'alice@example.com',
        created_at: OLD,
        app_metadata: primary?.app_metadata,
        identities: primary?.identities,
      } as never,
      secrets: secrets(fake),
    });
  };

  it('a silent link keeps the decline on the primary, reading it once more, and its next login asks nothing', async () => {
    const fake = tenantWithDecline();
    const { outcome } = await login(fake, { user: declining, secrets: secrets(fake) });
    expect(outcome.primaryUserId).toBe('auth0|old');
    expect(fake.users.get('auth0|old')?.app_metadata.account_linking).toEqual({ declined: ['github|9'] });
    expect(fake.calls.map((call) => call.route).filter((route) => route !== 'token')).toEqual([
      'users-by-email',
      'get-user',
      'patch-user',
      'link',
    ]);

    const next = await primaryLogin(fake);
    expect(next.outcome.redirect).toBeUndefined();
    expect(next.decisions.at(-1)).toMatchObject({ decision: 'skip', reason: 'no_candidates' });
  });

  it('a link after the consent page keeps the decline on the primary, and its next login asks nothing', async () => {
    const fake = tenantWithDecline();
    const { outcome } = await continueWith(fake, validProof(), {
      settings: { AUTO_LINK_CONNECTIONS: 'Username-Password-Authentication' },
      user: declining,
    });
    expect(outcome.primaryUserId).toBe('auth0|old');
    expect(fake.users.get('auth0|old')?.app_metadata.account_linking).toEqual({ declined: ['github|9'] });

    const next = await primaryLogin(fake);
    expect(next.outcome.redirect).toBeUndefined();
    expect(next.decisions.at(-1)).toMatchObject({ decision: 'skip', reason: 'no_candidates' });
  });
});

describe('consent round trip', () => {
  const untrusted = { AUTO_LINK_CONNECTIONS: 'Username-Password-Authentication' };

  it('redirects an untrusted login to the consent page with a signed link request', async () => {
    const { fake, outcome } = await googleLogin(untrusted);
    const url = new URL(outcome.redirect?.url ?? 'https://missing.invalid');
    expect(url.origin + url.pathname).toBe(CONSENT_URL);
    const claims = await linkRequestClaims(url.href);
    expect(claims).toMatchObject({
      purpose: 'link-request',
      sub: googleUser.user_id,
      browser: defaultBrowserBinding(),
      login: { connection: 'google-oauth2', email: googleUser.email, created_at: NEW },
      candidates: [{ user_id: 'auth0|old', connection: 'Username-Password-Authentication', primary: true }],
    });
    expect(fake.users.get('google-oauth2|1001')).toBeDefined();
  });

  it("tells the consent page when the login's own account is the older one and would stay main", async () => {
    const fake = new InProcessTenant().seed(
      makeUser('auth0|newer', { created_at: NEW }),
      makeUser('google-oauth2|1001', { created_at: OLD }),
    );
    const { outcome } = await login(fake, {
      user: { ...googleUser, created_at: OLD },
      secrets: secrets(fake, untrusted),
    });
    const claims = await linkRequestClaims(outcome.redirect?.url ?? '');
    expect(claims.candidates).toEqual([expect.objectContaining({ user_id: 'auth0|newer', primary: false })]);
  });

  it('puts no email, user id, creation date or IP address in the consent URL, readable or base64url-encoded', async () => {
    const { outcome, event } = await googleLogin(untrusted);
    const url = outcome.redirect?.url ?? '';
    const token = new URL(url).searchParams.get('session_token') ?? '';
    const readable = [
      url,
      ...token.split('.').map((part) => Buffer.from(part, 'base64url').toString('latin1')),
    ];
    const personal = [
      'alice@example.com',
      'alice',
      'auth0|old',
      googleUser.user_id,
      '1001',
      OLD,
      '2020-01-01',
    ];
    for (const value of [...personal, event.request.ip]) expect(readable.join('\n')).not.toContain(value);
    expect(await linkRequestClaims(url)).toMatchObject({ ip: event.request.ip });
  });

  it.each([
    ['a refresh-token exchange', { transaction: { protocol: 'oauth2-refresh-token' } }],
    ['prompt=none', { transaction: { prompt: ['none'] } }],
  ])('logs in unlinked without redirecting for %s', async (_, overrides) => {
    const { outcome, decisions } = await googleLogin(untrusted, overrides as never);
    expect(outcome.redirect).toBeUndefined();
    expect(outcome.interactionRequired).toBeUndefined();
    expect(outcome.primaryUserId).toBeUndefined();
    expect(decisions).toEqual([{ decision: 'skip', reason: 'not_interactive', user: googleUser.user_id }]);
  });

  const continueUntrusted = (
    fake: InProcessTenant,
    sessionToken: string | undefined,
    options: ContinueOptions = {},
  ) => continueWith(fake, sessionToken, { settings: untrusted, ...options });

  it.each([
    ['another IP address', { ip: '198.51.100.99' }, validProof()],
    ['another user agent', { user_agent: 'Mozilla/5.0 (Macintosh) Safari/605.1.15' }, validProof()],
    ['a proof that carries no browser binding', {}, validProof({ browser: undefined })],
    ['a proof bound with another secret', {}, validProof({ browser: defaultBrowserBinding('x'.repeat(40)) })],
  ])('links nothing and logs browser_changed for %s at /continue', async (_, browser, proof) => {
    const fake = tenantWithPasswordUser();
    const { outcome, decisions } = await continueUntrusted(fake, proof, { browser });
    expect(decisions).toEqual([{ decision: 'reject', reason: 'browser_changed', user: googleUser.user_id }]);
    expect(outcome.primaryUserId).toBeUndefined();
    expect(outcome.denied).toBeUndefined();
    expect(outcome.appMetadata).toEqual({});
    expect(fake.calls).toEqual([]);
  });

  it('records no "don\'t ask again" answered in another browser', async () => {
    const fake = tenantWithPasswordUser();
    const proof = linkProof({ decision: 'never' });
    const { outcome, decisions } = await continueUntrusted(fake, proof, { browser: { ip: '198.51.100.99' } });
    expect(decisions.map((line) => line.reason)).toEqual(['browser_changed']);
    expect(outcome.appMetadata).toEqual({});
  });

  it('links after a valid proof for the chosen candidate', async () => {
    const fake = tenantWithPasswordUser();
    const { outcome } = await continueUntrusted(fake, validProof());
    expect(outcome.primaryUserId).toBe('auth0|old');
    expect(fake.users.get('google-oauth2|1001')).toBeUndefined();
    // The linked claim tells of silent links only.
    expect(outcome.idTokenClaims).toEqual({});
  });

  it.each([
    ['a tampered token', tamperLastSegment],
    [
      'a token signed with another secret',
      () =>
        linkProof({ decision: 'link', linked_user_id: 'auth0|old' }, 'another-secret-that-is-32-chars-long!'),
    ],
    ['an expired token', () => linkProof({ iat: 1, exp: 2, decision: 'link', linked_user_id: 'auth0|old' })],
    [
      'a token for another state',
      () => linkProof({ state: 'other-state', decision: 'link', linked_user_id: 'auth0|old' }),
    ],
    [
      'a token for another user',
      () => linkProof({ sub: 'auth0|mallory', decision: 'link', linked_user_id: 'auth0|old' }),
    ],
    [
      'an alg:none token',
      (t: string) => `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${t.split('.')[1]}.`,
    ],
    [
      'a token issued for another tenant',
      () => linkProof({ iss: 'other-tenant.eu.auth0.com', decision: 'link', linked_user_id: 'auth0|old' }),
    ],
    ['a continue without a session_token', () => undefined],
  ])('links nothing and completes the login for %s', async (_, make) => {
    const fake = tenantWithPasswordUser();
    const valid = validProof();
    const { outcome, decisions } = await continueUntrusted(fake, make(valid));
    expect(decisions.map((line) => `${line.decision}:${line.reason}`)).toEqual(['reject:invalid_token']);
    expect(outcome.primaryUserId).toBeUndefined();
    expect(outcome.denied).toBeUndefined();
    expect(fake.calls).toEqual([]);
  });

  it('links nothing and completes the login for a link request replayed as proof', async () => {
    const fake = tenantWithPasswordUser();
    const replayed = linkProof({ purpose: 'link-request', decision: 'link', linked_user_id: 'auth0|old' });
    const { outcome, decisions } = await continueUntrusted(fake, replayed);
    expect(decisions.map((line) => `${line.decision}:${line.reason}`)).toEqual(['reject:unexpected_claims']);
    expect(outcome.primaryUserId).toBeUndefined();
    expect(fake.calls).toEqual([]);
  });

  it('refuses a proof for another tenant even where the platform does not compare iss', async () => {
    const fake = tenantWithPasswordUser();
    const event = makePostLoginEvent({ user: googleUser, secrets: secrets(fake, untrusted) });
    const { api, outcome } = createPostLoginApi({ event, cache: new ActionCache(), phase: 'continue' });
    // Whether Auth0's validateToken enforces iss is undocumented: model a platform that does not.
    api.redirect.validateToken = () => ({
      iss: 'other-tenant.eu.auth0.com',
      sub: googleUser.user_id,
      purpose: 'link-proof',
      decision: 'link',
      linked_user_id: 'auth0|old',
    });
    vi.stubGlobal('fetch', fake.fetch);
    vi.spyOn(console, 'log').mockImplementation(() => undefined);
    try {
      await onContinuePostLogin(event, api);
    } finally {
      vi.restoreAllMocks();
      vi.unstubAllGlobals();
    }
    expect(outcome.primaryUserId).toBeUndefined();
    expect(fake.callsTo('link')).toBe(0);
  });

  it('ignores extra claims in a valid proof: the oldest account stays primary and no roles travel', async () => {
    const fake = tenantWithPasswordUser().seed(
      makeUser('auth0|mallory', {
        email: 'mallory@example.com',
        created_at: '2019-01-01T00:00:00.000Z',
      }),
    );
    const { outcome } = await continueUntrusted(
      fake,
      validProof({ primary: 'auth0|mallory', app_metadata: { roles: ['admin'] } }),
    );
    expect(outcome.primaryUserId).toBe('auth0|old');
    // Only the link record arrives in app_metadata, and it archives the secondary as the tenant holds it.
    expect(Object.keys(fake.users.get('auth0|old')?.app_metadata ?? {})).toEqual([LINK_RECORDS_KEY]);
    expect(JSON.stringify(fake.users.get('auth0|old')?.app_metadata)).not.toContain('admin');
    expect(outcome.appMetadata).toEqual({});
    expect(fake.users.get('auth0|mallory')?.identities).toHaveLength(1);
  });

  it.each([
    ['was blocked', { blocked: true }],
    ['no longer has a verified email', { email_verified: false }],
  ])('re-checks the candidate at /continue and links nothing when it %s', async (_, change) => {
    const fake = tenantWithPasswordUser();
    fake.users.update('auth0|old', change);
    const { outcome } = await continueUntrusted(fake, validProof());
    expect(outcome.primaryUserId).toBeUndefined();
    expect(fake.callsTo('link')).toBe(0);
  });

  it('links nothing at /continue when the newer current user already holds linked identities', async () => {
    const identities = [
      { provider: 'google-oauth2', user_id: '1001', connection: 'google-oauth2', isSocial: true },
      { provider: 'github', user_id: '7', connection: 'github', isSocial: true },
    ];
    const fake = new InProcessTenant().seed(
      makeUser('auth0|old', { created_at: OLD }),
      makeUser('google-oauth2|1001', { created_at: NEW, identities }),
    );
    const { outcome } = await continueUntrusted(fake, validProof(), { user: { ...googleUser, identities } });
    expect(outcome.primaryUserId).toBeUndefined();
    expect(fake.callsTo('link')).toBe(0);
    expect(fake.users.get('google-oauth2|1001')?.identities).toHaveLength(2);
  });

  it('refuses a proof naming a user with another email', async () => {
    const fake = tenantWithPasswordUser().seed(
      makeUser('auth0|bob', { email: 'bob@example.com', created_at: OLD }),
    );
    const { outcome } = await continueUntrusted(
      fake,
      linkProof({ decision: 'link', linked_user_id: 'auth0|bob' }),
    );
    expect(outcome.primaryUserId).toBeUndefined();
    expect(fake.users.get('auth0|bob')).toBeDefined();
  });

  it('records "don\'t ask again" in app_metadata', async () => {
    const fake = tenantWithPasswordUser();
    const { outcome } = await continueUntrusted(fake, linkProof({ decision: 'never' }));
    expect(outcome.appMetadata).toEqual({ account_linking: { declined: ['auth0|old'] } });
    expect(outcome.userMetadata).toEqual({});
  });

  it('remembers "not now" for NOT_NOW_DAYS without a Management call, and asks nothing until then', async () => {
    const fake = tenantWithPasswordUser();
    const before = Date.now();
    const { outcome } = await continueUntrusted(fake, linkProof({ decision: 'not-now' }));
    expect(fake.calls).toEqual([]);
    const until = Date.parse(
      (outcome.appMetadata.account_linking as { snoozed_until: string }).snoozed_until,
    );
    expect(until - before).toBeGreaterThanOrEqual(7 * 86_400_000 - 1000);
    expect(until - before).toBeLessThan(7 * 86_400_000 + 60_000);

    const again = await login(fake, {
      user: { ...googleUser, app_metadata: outcome.appMetadata },
      secrets: secrets(fake, untrusted),
    });
    expect(again.outcome.redirect).toBeUndefined();
    expect(again.decisions).toContainEqual(expect.objectContaining({ decision: 'skip', reason: 'snoozed' }));
  });

  it('asks again once the "not now" has run out, and records nothing with NOT_NOW_DAYS=0', async () => {
    const fake = tenantWithPasswordUser();
    const expired = { account_linking: { snoozed_until: new Date(Date.now() - 1000).toISOString() } };
    const asked = await login(fake, {
      user: { ...googleUser, app_metadata: expired },
      secrets: secrets(fake, untrusted),
    });
    expect(asked.outcome.redirect?.url).toContain(CONSENT_URL);
    const { outcome } = await continueUntrusted(fake, linkProof({ decision: 'not-now' }), {
      settings: { ...untrusted, NOT_NOW_DAYS: '0' },
    });
    expect(outcome.appMetadata).toEqual({});
  });
});

describe('logs', () => {
  it('never contain a secret, an access token, a session token or an email address', async () => {
    const untrusted = { AUTO_LINK_CONNECTIONS: 'Username-Password-Authentication' };
    const proof = validProof();
    const failing = (route: 'token' | 'users-by-email' | 'patch-user' | 'link') => () => {
      const fake = tenantWithPasswordUser({ plan: 'pro' });
      fake.fail(route, { status: 503 }, { status: 503 }, { status: 503 });
      return login(fake, { user: { ...googleUser, user_metadata: { plan: 'pro' } }, secrets: secrets(fake) });
    };
    const scenarios = [
      () => login(tenantWithPasswordUser(), { user: googleUser, secrets: secrets(new InProcessTenant()) }),
      () =>
        login(tenantWithPasswordUser(), {
          user: googleUser,
          secrets: secrets(new InProcessTenant(), untrusted),
        }),
      () => continueWith(tenantWithPasswordUser(), proof, { settings: untrusted }),
      () => continueWith(tenantWithPasswordUser(), tamperLastSegment(proof), { settings: untrusted }),
      failing('token'),
      failing('users-by-email'),
      failing('patch-user'),
      failing('link'),
    ];
    const logs: string[] = [];
    for (const scenario of scenarios) logs.push(...(await scenario()).logs);
    expect(logs.length).toBeGreaterThanOrEqual(8);
    const text = logs.join('\n');
    for (const secret of ['action-client-secret', SESSION_TOKEN_SECRET, 'token-1']) {
      expect(text).not.toContain(secret);
    }
    expect(text).not.toMatch(/eyJ[\w-]+\./);
    expect(text).not.toMatch(/[^\s"@]+@[^\s"@]+\.[a-z]+/i);
  });
});

const recordsOf = (fake: InProcessTenant, userId: string) =>
  fake.users.get(userId)?.app_metadata?.[LINK_RECORDS_KEY] as LinkRecord[] | undefined;

describe('link records written by the Action', () => {
  it('archives the secondary metadata on the primary after a silent link, saying how and why', async () => {
    const fake = tenantWithPasswordUser({ theme: 'light' });
    await login(fake, {
      user: { ...googleUser, user_metadata: { theme: 'light' }, app_metadata: { roles: ['editor'] } },
      secrets: secrets(fake),
    });
    expect(recordsOf(fake, 'auth0|old')).toEqual([
      {
        user_id: 'google-oauth2|1001',
        connection: 'google-oauth2',
        at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        via: 'silent',
        reason: 'oldest',
        user_metadata: { theme: 'light' },
        app_metadata: { roles: ['editor'] },
      },
    ]);
    // The primary keeps its own value on conflicts; roles never travel, but the record keeps them for an undo.
    expect(fake.users.get('auth0|old')?.user_metadata).toEqual({ theme: 'dark' });
  });

  it('records a link made after the consent page as "consent"', async () => {
    const fake = tenantWithPasswordUser();
    await continueWith(fake, validProof(), { settings: { AUTO_LINK_CONNECTIONS: '' } });
    expect(recordsOf(fake, 'auth0|old')?.map(({ user_id, via }) => ({ user_id, via }))).toEqual([
      { user_id: 'google-oauth2|1001', via: 'consent' },
    ]);
  });
});
