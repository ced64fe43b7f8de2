import { describe, expect, it } from 'vitest';
import { filterLinkCandidates } from '../../../core/policy.ts';
import type { ManagementUser } from '../../../core/users.ts';
import { OidcError } from '../../../web/errors.ts';
import { tamperLastSegment } from '../../support/tamper.ts';
import { makeUser } from '../../support/users.ts';
import { signInAs } from './account-support.ts';
import {
  expectSealedCookie,
  formActions,
  hiddenField,
  makeTestApp,
  NOW,
  NOW_SECONDS,
  openConsent,
  type TenantKeys,
  tenantKeys,
  testConfig,
  pageText as text,
} from './support.ts';

const PRIMARY = 'auth0|primary';
const GOOGLE = 'google-oauth2|104';

function seededApp(config = testConfig()) {
  const t = makeTestApp({ config });
  t.tenant.seed(
    makeUser(PRIMARY, {
      user_metadata: { theme: 'dark' },
      identities: [
        { provider: 'auth0', user_id: 'primary', connection: 'Username-Password-Authentication' },
        { provider: 'google-oauth2', user_id: '104', connection: 'google-oauth2', isSocial: true },
      ],
    }),
  );
  t.tenant.seed(
    makeUser('github|77', {
      user_metadata: { theme: 'light', city: 'Oslo' },
      app_metadata: { plan: 'pro', roles: ['admin'] },
    }),
  );
  return t;
}

function signIn(t = seededApp(), authTime = NOW_SECONDS) {
  return signInAs(t, PRIMARY, authTime);
}

async function linkAs(t: ReturnType<typeof seededApp>, csrf: string, sub: string, authTime = NOW_SECONDS) {
  await t.post('/account/link', { csrf, connection: 'github' });
  const { state } = t.oidc.lastAuthorization();
  t.oidc.claims = { sub, auth_time: authTime };
  return t.request(`/account/link/callback?code=link-code&state=${state}`);
}

describe('account page sign-in', () => {
  it('sends a visitor without a session to the login', async () => {
    const response = await makeTestApp().request('/account');
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe('/login');
  });

  it('logs in with the regular web client and PKCE', async () => {
    const t = seededApp();
    await t.request('/login');
    expect(t.oidc.lastAuthorization()).toMatchObject({
      client: 'web',
      redirectUri: 'https://link.example.com/callback',
    });
  });

  const SIGN_IN_FAILURES = [
    [
      'an unreachable tenant',
      'tenant_unreachable',
      'The sign-in service is unavailable',
      'We could not reach',
    ],
    [
      "the tenant's own error (a 5xx)",
      'tenant_error',
      'The sign-in service had a problem',
      'The sign-in service answered with an error',
    ],
  ] as const;

  it.each(SIGN_IN_FAILURES)('says the login callback met %s, with 502', async (_, code, heading, message) => {
    const t = seededApp();
    await t.request('/login');
    const { state } = t.oidc.lastAuthorization();
    t.oidc.failure = new OidcError(code, 'down');
    const response = await t.request(`/callback?code=login-code&state=${state}`);
    expect(response.status).toBe(502);
    const page = text(await response.text());
    expect(page).toContain(`${heading} ${message}`);
    expect(page.includes('could not reach')).toBe(code === 'tenant_unreachable');
    expect(t.jar.cookies.has('session')).toBe(false);
  });

  it.each(SIGN_IN_FAILURES)(
    'says the login could not start at %s, with 502',
    async (_, code, heading, message) => {
      const t = seededApp();
      t.oidc.failure = new OidcError(code, 'down');
      const response = await t.request('/login');
      expect(response.status).toBe(502);
      expect(text(await response.text())).toContain(`${heading} ${message}`);
    },
  );

  it('keeps the session in an encrypted HttpOnly, Secure, SameSite=Lax cookie', async () => {
    const { response } = await signIn();
    expectSealedCookie(response, 'session');
  });

  it('refuses a login callback whose state it did not issue', async () => {
    const t = seededApp();
    await t.request('/login');
    const response = await t.request('/callback?code=x&state=forged');
    expect(response.status).toBe(403);
    expect(t.oidc.exchanges).toHaveLength(0);
  });

  it('ignores a tampered session cookie', async () => {
    const { t } = await signIn();
    const value = t.jar.cookies.get('session') ?? '';
    t.jar.cookies.set('session', tamperLastSegment(value));
    expect((await t.request('/account')).headers.get('location')).toBe('/login');
  });

  it('refuses a sealed cookie written for another purpose as the session', async () => {
    const t = seededApp();
    await openConsent(t);
    t.jar.cookies.set('session', t.jar.cookies.get('consent') ?? '');
    expect((await t.request('/account')).headers.get('location')).toBe('/login');
  });

  it('shows the profile and every linked identity with connection, provider and id', async () => {
    const { page } = await signIn();
    expect(page).toContain('alice@example.com');
    expect(page).toContain('google-oauth2');
    expect(page).toContain('provider google-oauth2 · id 104');
    expect(page).toContain('Username-Password-Authentication');
  });

  it('offers Unlink for secondary identities only', async () => {
    const { page } = await signIn();
    expect(formActions(page).filter((action) => action === '/account/unlink')).toHaveLength(1);
    expect(hiddenField(page, 'user_id')).toBe('104');
  });

  it('signs out through the tenant logout with a return to the web app', async () => {
    const { t, csrf } = await signIn();
    const response = await t.post('/logout', { csrf });
    const location = new URL(response.headers.get('location') ?? '');
    expect(location.origin + location.pathname).toBe('https://tenant.example.com/v2/logout');
    expect(location.searchParams.get('returnTo')).toBe('https://link.example.com/');
    expect(t.jar.cookies.has('session')).toBe(false);
  });

  it('explains a rate-limited Management API when loading the account', async () => {
    const { t } = await signIn();
    t.tenant.fail('* /api/v2/*', { status: 429, retryAfter: 0, count: Infinity });
    const response = await t.request('/account');
    expect(response.status).toBe(429);
    expect(await response.text()).toContain('too many requests');
  });
});

describe('linking another account from the account page', () => {
  it('re-authenticates with the chosen connection as the re-authentication client', async () => {
    const { t, csrf } = await signIn();
    const response = await t.post('/account/link', { csrf, connection: 'github' });
    expect(response.status).toBe(303);
    expect(t.oidc.lastAuthorization()).toMatchObject({
      client: 'reauth',
      redirectUri: 'https://link.example.com/account/link/callback',
      params: { connection: 'github', prompt: 'login', max_age: '0' },
    });
  });

  it('refuses the link form without the CSRF token with 403', async () => {
    const { t } = await signIn();
    expect((await t.post('/account/link', { connection: 'github' })).status).toBe(403);
  });

  it('refuses a connection that is not offered', async () => {
    const { t, csrf } = await signIn();
    expect((await t.post('/account/link', { csrf, connection: 'evil-idp' })).status).toBe(403);
  });

  it('asks for a fresh login when the session is older than five minutes', async () => {
    const { t, csrf } = await signIn(seededApp(), NOW_SECONDS - 301);
    const response = await t.post('/account/link', { csrf, connection: 'github' });
    expect(response.headers.get('location')).toBe('/login?fresh=1');
  });

  it('forces the password prompt on the fresh login', async () => {
    const t = seededApp();
    await t.request('/login?fresh=1');
    expect(t.oidc.lastAuthorization().params).toEqual({ prompt: 'login', max_age: '0' });
  });

  it('merges the other account metadata into the primary before linking it', async () => {
    const { t, csrf } = await signIn();
    const response = await linkAs(t, csrf, 'github|77');
    expect(response.headers.get('location')).toBe('/account?notice=linked');
    expect(t.updates()).toEqual([
      {
        userId: PRIMARY,
        patch: {
          user_metadata: { city: 'Oslo' },
          app_metadata: {
            account_linking_links: [
              {
                user_id: 'github|77',
                connection: 'github',
                at: NOW.toISOString(),
                via: 'account_page',
                reason: 'user_choice',
                user_metadata: { theme: 'light', city: 'Oslo' },
                app_metadata: { plan: 'pro', roles: ['admin'] },
                merged: { user_metadata: ['city'] },
              },
            ],
          },
        },
      },
    ]);
    expect(t.links()).toEqual([{ primary: PRIMARY, provider: 'github', user_id: '77' }]);
  });

  it("copies the app_metadata keys the Action's MERGE_APP_METADATA_KEYS names, and no others", async () => {
    const { t, csrf } = await signIn(seededApp(testConfig({ MERGE_APP_METADATA_KEYS: 'plan' })));
    await linkAs(t, csrf, 'github|77');
    const primary = t.tenant.users.get(PRIMARY);
    expect(primary?.app_metadata).toMatchObject({ plan: 'pro' });
    expect(primary?.app_metadata).not.toHaveProperty('roles');
  });

  it('shows when and how each linked sign-in method was linked', async () => {
    const { t, csrf } = await signIn();
    await linkAs(t, csrf, 'github|77');
    const page = await (await t.request('/account')).text();
    expect(page).toContain(`Linked ${NOW.toISOString().slice(0, 10)} from this page`);
    // The Google identity was linked before link records existed: nothing is made up for it.
    expect(page.match(/class="muted linked-how"/g)).toHaveLength(1);
  });

  it('keeps the web app session on the primary user after linking', async () => {
    const { t, csrf } = await signIn();
    await linkAs(t, csrf, 'github|77');
    const page = await (await t.request('/account?notice=linked')).text();
    expect(page).toContain('The account was linked');
    expect(page).toContain(`<dd>${PRIMARY}</dd>`);
  });

  it('refuses a re-authentication older than the Link click', async () => {
    const { t, csrf } = await signIn();
    const response = await linkAs(t, csrf, 'github|77', NOW_SECONDS - 600);
    expect(response.headers.get('location')).toBe('/account?notice=reauth_not_fresh');
    expect(t.links()).toHaveLength(0);
  });

  it('reports an account that is already linked to another user and changes nothing', async () => {
    const { t, csrf } = await signIn();
    t.tenant.seed(
      makeUser('auth0|someone', {
        email: 'someone@example.com',
        identities: [
          { provider: 'auth0', user_id: 'someone', connection: 'Username-Password-Authentication' },
          { provider: 'github', user_id: '88', connection: 'github' },
        ],
      }),
    );
    const response = await linkAs(t, csrf, 'auth0|someone');
    expect(response.headers.get('location')).toBe('/account?notice=linked_elsewhere');
    expect(t.updates()).toHaveLength(0);
    expect(t.links()).toHaveLength(0);
  });

  it('reports signing in with an identity that is already part of the account', async () => {
    const { t, csrf } = await signIn();
    expect((await linkAs(t, csrf, PRIMARY)).headers.get('location')).toBe('/account?notice=already_linked');
  });

  it('reports an account that no longer exists', async () => {
    const { t, csrf } = await signIn();
    expect((await linkAs(t, csrf, 'github|gone')).headers.get('location')).toBe('/account?notice=not_found');
  });

  it('reports a rate-limited link', async () => {
    const { t, csrf } = await signIn();
    t.tenant.fail('link', { status: 429, retryAfter: 0, count: Infinity });
    expect((await linkAs(t, csrf, 'github|77')).headers.get('location')).toBe('/account?notice=rate_limited');
  });

  it('reports a link the tenant answered 503 as its error, not as an unreachable tenant', async () => {
    const { t, csrf } = await signIn();
    t.tenant.fail('link', { status: 503, count: Infinity });
    const response = await linkAs(t, csrf, 'github|77');
    expect(response.headers.get('location')).toBe('/account?notice=tenant_error');
    const page = await (await t.request('/account?notice=tenant_error')).text();
    expect(page).toContain('The sign-in service had a problem');
    expect(t.tenant.users.get(PRIMARY)?.identities).toHaveLength(2);
  });

  it('reports a link whose connection dropped as an unreachable tenant', async () => {
    const { t, csrf } = await signIn();
    t.tenant.fail('link', { drop: true, count: Infinity });
    expect((await linkAs(t, csrf, 'github|77')).headers.get('location')).toBe(
      '/account?notice=tenant_unreachable',
    );
  });

  it.each([
    ['an unreachable tenant', 'tenant_unreachable'],
    ["the tenant's own error (a 5xx)", 'tenant_error'],
  ] as const)('reports %s at re-authentication', async (_, code) => {
    const { t, csrf } = await signIn();
    await t.post('/account/link', { csrf, connection: 'github' });
    const { state } = t.oidc.lastAuthorization();
    t.oidc.failure = new OidcError(code, 'down');
    const response = await t.request(`/account/link/callback?code=c&state=${state}`);
    expect(response.headers.get('location')).toBe(`/account?notice=${code}`);
  });

  it.each([
    ['an unreachable tenant', 'tenant_unreachable'],
    ["the tenant's own error (a 5xx)", 'tenant_error'],
  ] as const)('reports %s when the re-authentication cannot start', async (_, code) => {
    const { t, csrf } = await signIn();
    t.oidc.failure = new OidcError(code, 'down');
    const response = await t.post('/account/link', { csrf, connection: 'github' });
    expect(response.headers.get('location')).toBe(`/account?notice=${code}`);
    expect(t.jar.cookies.has('account_link')).toBe(false);
  });

  it('refuses a link callback whose state it did not issue', async () => {
    const { t, csrf } = await signIn();
    await t.post('/account/link', { csrf, connection: 'github' });
    expect((await t.request('/account/link/callback?code=c&state=forged')).status).toBe(403);
  });

  it('renders each notice from a closed list only', async () => {
    const { t } = await signIn();
    const page = await (await t.request('/account?notice=%3Cscript%3E')).text();
    expect(page).not.toContain('<script');
    expect(page).not.toContain('class="notice');
  });
});

describe('unlinking from the account page', () => {
  it('unlinks a secondary identity', async () => {
    const { t, csrf } = await signIn();
    const response = await t.post('/account/unlink', { csrf, provider: 'google-oauth2', user_id: '104' });
    expect(response.headers.get('location')).toBe('/account?notice=unlinked');
    expect(t.unlinks()).toEqual([{ primary: PRIMARY, provider: 'google-oauth2', user_id: '104' }]);
  });

  it('gives the unlinked account back the metadata its link record kept, and drops the record', async () => {
    const { t, csrf } = await signIn();
    await linkAs(t, csrf, 'github|77');
    const response = await t.post('/account/unlink', { csrf, provider: 'github', user_id: '77' });
    expect(response.headers.get('location')).toBe('/account?notice=unlinked');
    expect(t.tenant.users.get('github|77')).toMatchObject({
      user_metadata: { theme: 'light', city: 'Oslo' },
      app_metadata: { account_linking: { declined: [PRIMARY] } },
    });
    expect(t.tenant.users.get(PRIMARY)?.app_metadata).toEqual({
      account_linking: { declined: ['github|77'] },
    });
  });

  it('records the unlinked pair as declined on both sides so the Action does not relink them', async () => {
    const { t, csrf } = await signIn();
    await t.post('/account/unlink', { csrf, provider: 'google-oauth2', user_id: '104' });
    expect(t.tenant.users.get(PRIMARY)?.app_metadata).toEqual({
      account_linking: { declined: [GOOGLE] },
    });
    expect(t.tenant.users.get(GOOGLE)?.app_metadata).toEqual({
      account_linking: { declined: [PRIMARY] },
    });
  });

  it('keeps the identity linked and shows an error when the decline cannot be recorded', async () => {
    const { t, csrf } = await signIn();
    t.tenant.fail('patch-user', { drop: true, count: Infinity });
    const response = await t.post('/account/unlink', { csrf, provider: 'google-oauth2', user_id: '104' });
    expect(response.headers.get('location')).toBe('/account?notice=tenant_unreachable');
    expect(t.unlinks()).toHaveLength(0);
    expect(t.tenant.users.get(PRIMARY)?.identities.map((i) => i.provider)).toContain('google-oauth2');
  });

  it.each([
    ['both records are written', true],
    ["only the primary's record is written", false],
  ])('writes declines the Action reads as excluding the unlinked pair both ways when %s', async (_, both) => {
    const { t, csrf } = await signIn();
    // Recording the unlinked user's side may fail: the primary's record must suffice.
    if (!both) t.tenant.fail(`GET /api/v2/users/${GOOGLE}`, { status: 404, count: Infinity });
    const response = await t.post('/account/unlink', { csrf, provider: 'google-oauth2', user_id: '104' });
    expect(response.headers.get('location')).toBe('/account?notice=unlinked');
    const asActionUser = (id: string): ManagementUser => {
      const user = t.tenant.users.get(id);
      if (user === undefined) throw new Error(`${id} is no user`);
      return { ...user, identities: [...user.identities] };
    };
    const primary = asActionUser(PRIMARY);
    const unlinked = asActionUser(GOOGLE);
    expect(filterLinkCandidates(primary, [unlinked])).toEqual([]);
    expect(filterLinkCandidates(unlinked, [primary])).toEqual([]);
  });

  it("refuses to unlink the primary's own identity", async () => {
    const { t, csrf } = await signIn();
    const response = await t.post('/account/unlink', { csrf, provider: 'auth0', user_id: 'primary' });
    expect(response.headers.get('location')).toBe('/account?notice=unlink_primary');
    expect(t.unlinks()).toHaveLength(0);
  });

  it('refuses to unlink the last identity', async () => {
    const { t, csrf } = await signIn();
    t.tenant.users.delete(PRIMARY);
    t.tenant.seed(makeUser(PRIMARY));
    const response = await t.post('/account/unlink', { csrf, provider: 'auth0', user_id: 'primary' });
    expect(response.headers.get('location')).toBe('/account?notice=unlink_last');
    expect(t.unlinks()).toHaveLength(0);
  });

  it('refuses to unlink an identity the account does not hold', async () => {
    const { t, csrf } = await signIn();
    const response = await t.post('/account/unlink', { csrf, provider: 'github', user_id: '999' });
    expect(response.headers.get('location')).toBe('/account?notice=not_found');
  });

  it('refuses the unlink form without the CSRF token with 403', async () => {
    const { t } = await signIn();
    expect((await t.post('/account/unlink', { provider: 'google-oauth2', user_id: '104' })).status).toBe(403);
    expect(t.unlinks()).toHaveLength(0);
  });

  it('asks for a fresh login before unlinking with an old session', async () => {
    const { t, csrf } = await signIn(seededApp(), NOW_SECONDS - 3600);
    const response = await t.post('/account/unlink', { csrf, provider: 'google-oauth2', user_id: '104' });
    expect(response.headers.get('location')).toBe('/login?fresh=1');
    expect(t.unlinks()).toHaveLength(0);
  });

  it('reports an unreachable tenant while unlinking', async () => {
    const { t, csrf } = await signIn();
    t.tenant.fail('unlink', { drop: true, count: Infinity });
    const response = await t.post('/account/unlink', { csrf, provider: 'google-oauth2', user_id: '104' });
    expect(response.headers.get('location')).toBe('/account?notice=tenant_unreachable');
  });

  it('uses the clock to judge freshness', async () => {
    const { t, csrf } = await signIn();
    t.setNow(new Date(NOW.getTime() + 10 * 60_000));
    const response = await t.post('/account/unlink', { csrf, provider: 'google-oauth2', user_id: '104' });
    expect(response.headers.get('location')).toBe('/login?fresh=1');
  });
});

describe('the primary of a link from the account page (PRIMARY_POLICY, as at sign-in)', () => {
  const NEWER = 'google-oauth2|205';
  const OLDER = 'auth0|older';

  /** A newer Google user signed in, and an older password account of the same person. */
  async function newerSignedIn(env: Record<string, string> = {}, keys?: TenantKeys, sid?: string) {
    const t = makeTestApp({ config: testConfig(env), ...(keys === undefined ? {} : { jwks: keys.jwks }) });
    t.tenant.seed(
      makeUser(NEWER, { created_at: '2025-05-01T00:00:00.000Z', user_metadata: { theme: 'dark' } }),
      makeUser(OLDER, { created_at: '2021-01-01T00:00:00.000Z', app_metadata: { purchases: 3 } }),
    );
    return signInAs(t, NEWER, NOW_SECONDS, sid);
  }

  const reasonOf = (t: ReturnType<typeof makeTestApp>, primary: string) =>
    (
      t.tenant.users.get(primary)?.app_metadata?.account_linking_links as { reason: string }[] | undefined
    )?.[0]?.reason;

  it('links the newer signed-in user into the older account it proved, and moves the session there', async () => {
    const { t, csrf } = await newerSignedIn();
    const response = await linkAs(t, csrf, OLDER);
    expect(response.headers.get('location')).toBe('/account?notice=linked_to_older');
    expect(t.links()).toEqual([{ primary: OLDER, provider: 'google-oauth2', user_id: '205' }]);
    expect(t.tenant.users.get(NEWER)).toBeUndefined();
    expect(t.tenant.users.get(OLDER)?.user_metadata).toEqual({ theme: 'dark' });
    expect(reasonOf(t, OLDER)).toBe('oldest');
    const page = await (await t.request('/account?notice=linked_to_older')).text();
    expect(text(page)).toContain('The other account is the older one, so it stays your main account');
    expect(page).toContain(`<dd>${OLDER}</dd>`);
  });

  it("carries the signed-in user's Not mine answers to the account it moves to, which is not offered that account", async () => {
    const { t, csrf } = await newerSignedIn();
    t.tenant.seed(makeUser('github|9', { created_at: '2025-06-01T00:00:00.000Z' }));
    t.tenant.users.update(NEWER, { app_metadata: { account_linking: { declined: ['github|9'] } } });
    await linkAs(t, csrf, OLDER);
    expect(t.tenant.users.get(OLDER)?.app_metadata).toMatchObject({
      purchases: 3,
      account_linking: { declined: ['github|9'] },
    });
    const page = await (await t.request('/account?notice=linked_to_older')).text();
    expect(page).toContain(`<dd>${OLDER}</dd>`);
    expect(page).not.toContain('Other accounts with your email');
    expect(page).toContain('Accounts you chose not to link');
  });

  it('keeps the session after the move: the same CSRF token unlinks from the primary', async () => {
    const { t, csrf } = await newerSignedIn();
    await linkAs(t, csrf, OLDER);
    const response = await t.post('/account/unlink', { csrf, provider: 'google-oauth2', user_id: '205' });
    expect(response.headers.get('location')).toBe('/account?notice=unlinked');
    expect(t.unlinks()).toEqual([{ primary: OLDER, provider: 'google-oauth2', user_id: '205' }]);
  });

  it('signing out after the move ends the session on the primary', async () => {
    const { t, csrf } = await newerSignedIn();
    await linkAs(t, csrf, OLDER);
    const copy = [...t.jar.cookies];
    await t.post('/logout', { csrf });
    for (const [name, value] of copy) t.jar.cookies.set(name, value);
    expect((await t.request('/account')).headers.get('location')).toBe('/login');
  });

  it("ends the signed-in user's session in another browser, which cannot move: signing in again reaches the primary", async () => {
    const { t, csrf } = await newerSignedIn();
    const { t: other } = await signInAs(makeTestApp({ tenant: t.tenant }), NEWER);
    await linkAs(t, csrf, OLDER);
    expect((await other.request('/account')).headers.get('location')).toBe('/login');
    expect(other.jar.cookies.has('session')).toBe(false);
  });

  it('a back-channel logout naming the signed-in account, now an identity of the primary, ends the moved session', async () => {
    const keys = await tenantKeys();
    const { t, csrf } = await newerSignedIn({}, keys, 'sid-9');
    await linkAs(t, csrf, OLDER);
    const response = await t.request('/backchannel-logout', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ logout_token: await keys.logoutToken({ sub: NEWER, sid: 'sid-9' }) }),
    });
    expect(response.status).toBe(200);
    expect(t.updates().at(-1)?.userId).toBe(OLDER);
    expect((await t.request('/account')).headers.get('location')).toBe('/login');
  });

  it('keeps the older signed-in user the primary when it links a newer account, as before', async () => {
    const t = makeTestApp();
    t.tenant.seed(
      makeUser(NEWER, { created_at: '2025-05-01T00:00:00.000Z' }),
      makeUser(OLDER, { created_at: '2021-01-01T00:00:00.000Z' }),
    );
    const { csrf } = await signInAs(t, OLDER);
    expect((await linkAs(t, csrf, NEWER)).headers.get('location')).toBe('/account?notice=linked');
    expect(t.links()).toEqual([{ primary: OLDER, provider: 'google-oauth2', user_id: '205' }]);
    expect(reasonOf(t, OLDER)).toBe('user_choice');
    expect(await (await t.request('/account')).text()).toContain(`<dd>${OLDER}</dd>`);
  });

  it('follows PRIMARY_POLICY=connections:<a>: the newer Google user stays the primary', async () => {
    const { t, csrf } = await newerSignedIn({ PRIMARY_POLICY: 'connections:google-oauth2' });
    expect((await linkAs(t, csrf, OLDER)).headers.get('location')).toBe('/account?notice=linked');
    expect(t.links()).toEqual([{ primary: NEWER, provider: 'auth0', user_id: 'older' }]);
  });

  it('moves to the account PRIMARY_POLICY=connections:<a> ranks first, saying it is the main one', async () => {
    const t = makeTestApp({ config: testConfig({ PRIMARY_POLICY: 'connections:github' }) });
    t.tenant.seed(makeUser(OLDER, { created_at: '2021-01-01T00:00:00.000Z' }), makeUser('github|77'));
    const { csrf } = await signInAs(t, OLDER);
    const response = await linkAs(t, csrf, 'github|77');
    expect(response.headers.get('location')).toBe('/account?notice=linked_to_main');
    expect(t.links()).toEqual([{ primary: 'github|77', provider: 'auth0', user_id: 'older' }]);
    expect(reasonOf(t, 'github|77')).toBe('connections:github');
    expect(await (await t.request('/account')).text()).toContain('<dd>github|77</dd>');
  });

  /** `userId` with a GitHub identity linked to it already. */
  const holdingGithub = (userId: string, created_at: string, githubId: string) => {
    const own = makeUser(userId).identities ?? [];
    return makeUser(userId, {
      created_at,
      identities: [...own, { provider: 'github', user_id: githubId, connection: 'github' }],
    });
  };

  it('keeps the signed-in user the primary when it holds linked identities, which cannot become a secondary', async () => {
    const t = makeTestApp();
    t.tenant.seed(
      holdingGithub(NEWER, '2025-05-01T00:00:00.000Z', '9'),
      makeUser(OLDER, { created_at: '2021-01-01T00:00:00.000Z' }),
    );
    const { csrf } = await signInAs(t, NEWER);
    expect((await linkAs(t, csrf, OLDER)).headers.get('location')).toBe('/account?notice=linked');
    expect(t.links()).toEqual([{ primary: NEWER, provider: 'auth0', user_id: 'older' }]);
    expect(reasonOf(t, NEWER)).toBe('user_choice');
  });

  it('refuses when neither account can become the secondary, changing nothing', async () => {
    const t = makeTestApp();
    t.tenant.seed(
      holdingGithub(NEWER, '2025-05-01T00:00:00.000Z', '9'),
      holdingGithub(OLDER, '2021-01-01T00:00:00.000Z', '10'),
    );
    const { csrf } = await signInAs(t, NEWER);
    expect((await linkAs(t, csrf, OLDER)).headers.get('location')).toBe('/account?notice=linked_elsewhere');
    expect(t.updates()).toHaveLength(0);
    expect(t.links()).toHaveLength(0);
  });
});
