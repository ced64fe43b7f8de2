import { describe, expect, it } from 'vitest';
import type { ManagementUser } from '../../../core/users.ts';
import { makeUser } from '../../support/users.ts';
import { signInAs } from './account-support.ts';
import { formActions, makeTestApp, NOW, NOW_SECONDS } from './support.ts';

const ME = 'auth0|me';
const DECLINED = 'github|21';
const SUGGESTED = 'google-oauth2|31';
const SNOOZED_UNTIL = '2025-06-05T12:00:00.000Z';

/** The signed-in user (alice@example.com, password) and the other accounts of the test. */
function appWith(me: Partial<ManagementUser> = {}, others: ManagementUser[] = []) {
  const t = makeTestApp();
  t.tenant.seed(makeUser(ME, { ...me }));
  for (const other of others) t.tenant.seed(other);
  return t;
}

function declining(...ids: string[]): Partial<ManagementUser> {
  return { app_metadata: { account_linking: { declined: ids } } };
}

const appMetadataOf = (t: ReturnType<typeof makeTestApp>, userId: string) =>
  t.tenant.users.get(userId)?.app_metadata;

describe('the accounts a user chose not to link', () => {
  it("lists each with the other account's sign-in method and masked email, never the full email", async () => {
    const work = makeUser(DECLINED, { email: 'alice.work@corp.example' });
    const { page } = await signInAs(appWith(declining(DECLINED), [work]), ME);
    expect(page).toContain('Accounts you chose not to link');
    expect(page).toContain('signs in with github');
    expect(page).toContain('a•••k@corp.example');
    expect(page).not.toContain('alice.work@corp.example');
    expect(formActions(page)).toContain('/account/declined/take-back');
  });

  it('lists a declined account that no longer exists, which can still be taken back', async () => {
    const { t, csrf, page } = await signInAs(appWith(declining('github|gone')), ME);
    expect(page).toContain('An account that no longer exists');
    const response = await t.post('/account/declined/take-back', { csrf, user_id: 'github|gone' });
    expect(response.headers.get('location')).toBe('/account?notice=decline_taken_back');
    expect(appMetadataOf(t, ME)).toEqual({ account_linking: { declined: [] } });
  });

  it('looks up at most ten declined accounts per page, listing the others by their provider', async () => {
    const ids = Array.from({ length: 12 }, (_, i) => `github|gone${i}`);
    const t = appWith(declining(...ids));
    const { page } = await signInAs(t, ME);
    const lookups = t.tenant.callsTo('get-user');
    await t.request('/account');
    expect(t.tenant.callsTo('get-user') - lookups).toBe(1 + 10);
    expect(page.match(/An account that no longer exists/g)).toHaveLength(10);
    expect(page.match(/signs in with github \(details not loaded\)/g)).toHaveLength(2);
    expect(page.match(/>Take back</g)).toHaveLength(12);
  });

  it('says when the other account declined this one too (an unlink records both sides)', async () => {
    const other = makeUser(DECLINED, { ...declining(ME) });
    const { page } = await signInAs(appWith(declining(DECLINED), [other]), ME);
    expect(page).toContain('That account declined this one too');
  });

  it("Take back removes the decline from the user's own record only, keeping its other choices", async () => {
    const other = makeUser(DECLINED, { ...declining(ME) });
    const me = {
      app_metadata: { account_linking: { declined: [DECLINED, 'github|22'], snoozed_until: 'x' } },
    };
    const { t, csrf } = await signInAs(appWith(me, [other]), ME);
    const response = await t.post('/account/declined/take-back', { csrf, user_id: DECLINED });
    expect(response.headers.get('location')).toBe('/account?notice=decline_taken_back');
    expect(t.updates()).toEqual([
      {
        userId: ME,
        patch: { app_metadata: { account_linking: { declined: ['github|22'], snoozed_until: 'x' } } },
      },
    ]);
    expect(appMetadataOf(t, DECLINED)).toEqual(declining(ME).app_metadata);
  });

  it("refuses a forged target: another user's declined account is not taken back, and nothing is written", async () => {
    const victim = makeUser('auth0|victim', { email: 'bob@example.com', ...declining(DECLINED) });
    const { t, csrf } = await signInAs(appWith(declining('github|22'), [victim]), ME);
    const response = await t.post('/account/declined/take-back', { csrf, user_id: DECLINED });
    expect(response.headers.get('location')).toBe('/account?notice=not_declined');
    expect(t.updates()).toHaveLength(0);
    expect(appMetadataOf(t, 'auth0|victim')).toEqual(declining(DECLINED).app_metadata);
  });

  it('refuses Take back without the CSRF token with 403', async () => {
    const { t } = await signInAs(appWith(declining(DECLINED)), ME);
    expect((await t.post('/account/declined/take-back', { user_id: DECLINED })).status).toBe(403);
    expect(t.updates()).toHaveLength(0);
  });

  it('refuses Take back from another origin with 403, even with a valid CSRF token', async () => {
    const { t, csrf } = await signInAs(appWith(declining(DECLINED)), ME);
    const crossSite = { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' };
    const response = await t.post(
      '/account/declined/take-back',
      { csrf, user_id: DECLINED },
      true,
      crossSite,
    );
    expect(response.status).toBe(403);
    expect(t.updates()).toHaveLength(0);
  });

  it('sends a visitor without a session to the login and writes nothing', async () => {
    const t = appWith(declining(DECLINED));
    const response = await t.post('/account/declined/take-back', { csrf: 'x', user_id: DECLINED });
    expect(response.headers.get('location')).toBe('/login');
    expect(t.updates()).toHaveLength(0);
  });

  it('reports a rate-limited take-back and keeps the decline', async () => {
    const { t, csrf } = await signInAs(appWith(declining(DECLINED)), ME);
    t.tenant.fail('patch-user', { status: 429, retryAfter: 0, count: Infinity });
    const response = await t.post('/account/declined/take-back', { csrf, user_id: DECLINED });
    expect(response.headers.get('location')).toBe('/account?notice=rate_limited');
    expect(appMetadataOf(t, ME)).toEqual(declining(DECLINED).app_metadata);
  });
});

describe('a "Not now" on the account page', () => {
  const snoozed = {
    app_metadata: { account_linking: { snoozed_until: SNOOZED_UNTIL, declined: [DECLINED] } },
  };

  it("says until when sign-in won't ask, while the snooze holds", async () => {
    const { page } = await signInAs(appWith(snoozed), ME);
    expect(page).toContain("we won't ask to link accounts until 2025-06-05");
    expect(formActions(page)).toContain('/account/snooze/clear');
  });

  it('says nothing once the snooze has run out', async () => {
    const t = appWith(snoozed);
    t.setNow(new Date('2025-06-06T00:00:00Z'));
    const { page } = await signInAs(t, ME, Math.floor(Date.parse('2025-06-06T00:00:00Z') / 1000));
    expect(page).not.toContain("we won't ask");
  });

  it('clears the snooze on request, keeping the declines', async () => {
    const { t, csrf } = await signInAs(appWith(snoozed), ME);
    const response = await t.post('/account/snooze/clear', { csrf });
    expect(response.headers.get('location')).toBe('/account?notice=snooze_cleared');
    expect(appMetadataOf(t, ME)).toEqual({ account_linking: { declined: [DECLINED] } });
  });

  it('refuses clearing the snooze without the CSRF token with 403', async () => {
    const { t } = await signInAs(appWith(snoozed), ME);
    expect((await t.post('/account/snooze/clear', {})).status).toBe(403);
    expect(t.updates()).toHaveLength(0);
  });
});

function suggested(overrides: Partial<ManagementUser> = {}): ManagementUser {
  return makeUser(SUGGESTED, { created_at: '2025-01-01T00:00:00.000Z', ...overrides });
}

describe('suggested accounts', () => {
  it('lists another account with the same verified email, with Link and Not mine', async () => {
    const { page } = await signInAs(appWith({}, [suggested()]), ME);
    expect(page).toContain('Other accounts with your email');
    expect(page).toContain('signs in with google-oauth2');
    expect(page).toContain('aria-label="Link google-oauth2 a•••e@example.com"');
    expect(formActions(page)).toEqual(expect.arrayContaining(['/account/link', '/account/not-mine']));
  });

  it.each([
    ['an unverified email', suggested({ email_verified: false })],
    ['"true" as a string', suggested({ email_verified: 'true' as unknown as boolean })],
    ['a blocked account', suggested({ blocked: true })],
    ['an account that declined this one', suggested(declining(ME))],
    [
      'an account holding linked identities',
      suggested({
        identities: [
          { provider: 'google-oauth2', user_id: '31', connection: 'google-oauth2' },
          { provider: 'github', user_id: '9', connection: 'github' },
        ],
      }),
    ],
    ['another email', suggested({ email: 'alice2@example.com' })],
  ])('does not suggest %s (the Action’s filters)', async (_name, other) => {
    const { page } = await signInAs(appWith({}, [other]), ME);
    expect(page).not.toContain('Other accounts with your email');
  });

  it('does not suggest an account the user declined', async () => {
    const { page } = await signInAs(appWith(declining(SUGGESTED), [suggested()]), ME);
    expect(page).not.toContain('Other accounts with your email');
    expect(page).toContain('Accounts you chose not to link');
  });

  it('searches nothing for a user whose own email is not verified', async () => {
    const t = appWith({ email_verified: false }, [suggested()]);
    t.tenant.fail('users-by-email', { status: 400, count: Infinity });
    const { page } = await signInAs(t, ME);
    expect(page).not.toContain('Other accounts with your email');
    expect(page).not.toContain('could not be loaded');
  });

  it('finds the lower-cased account for an email with capitals, as the Action does', async () => {
    const t = appWith({ email: 'Alice@Example.com' }, [suggested({ email: 'alice@example.com' })]);
    const { page } = await signInAs(t, ME);
    expect(page).toContain('Other accounts with your email');
  });

  it('still shows the account when suggestions cannot be loaded', async () => {
    const t = appWith({}, [suggested()]);
    t.tenant.fail('users-by-email', { status: 429, retryAfter: 0, count: Infinity });
    const response = await (await signInAs(t, ME)).t.request('/account');
    expect(response.status).toBe(200);
    const page = await response.text();
    expect(page).toContain('could not be loaded just now');
    expect(page).toContain(`<dd>${ME}</dd>`);
  });

  it("Not mine records a decline on the user's own record, and the account is no longer suggested", async () => {
    const { t, csrf } = await signInAs(appWith({}, [suggested()]), ME);
    const response = await t.post('/account/not-mine', { csrf, user_id: SUGGESTED });
    expect(response.headers.get('location')).toBe('/account?notice=not_mine');
    expect(t.updates()).toEqual([
      { userId: ME, patch: { app_metadata: { account_linking: { declined: [SUGGESTED] } } } },
    ]);
    const page = await (await t.request('/account?notice=not_mine')).text();
    expect(page).not.toContain('Other accounts with your email');
    expect(page).toContain('that account is not yours');
  });

  it('refuses Not mine for an account that is not a suggestion (a forged id) and writes nothing', async () => {
    const stranger = makeUser('auth0|stranger', { email: 'bob@example.com' });
    const { t, csrf } = await signInAs(appWith({}, [suggested(), stranger]), ME);
    const response = await t.post('/account/not-mine', { csrf, user_id: 'auth0|stranger' });
    expect(response.headers.get('location')).toBe('/account?notice=not_suggested');
    expect(t.updates()).toHaveLength(0);
  });

  it('refuses Not mine without the CSRF token with 403', async () => {
    const { t } = await signInAs(appWith({}, [suggested()]), ME);
    expect((await t.post('/account/not-mine', { user_id: SUGGESTED })).status).toBe(403);
    expect(t.updates()).toHaveLength(0);
  });
});

describe('linking a suggested account', () => {
  async function clickLink(t = appWith({}, [suggested()]), authTime = NOW_SECONDS) {
    const { csrf } = await signInAs(t, ME, authTime);
    const response = await t.post('/account/link', { csrf, user_id: SUGGESTED });
    return { t, response };
  }

  async function reauthenticateAs(t: ReturnType<typeof appWith>, sub: string) {
    const { state } = t.oidc.lastAuthorization();
    t.oidc.claims = { sub, auth_time: NOW_SECONDS };
    return t.request(`/account/link/callback?code=link-code&state=${state}`);
  }

  it("re-authenticates at the suggestion's own connection with its email as login_hint", async () => {
    const { t, response } = await clickLink();
    expect(response.status).toBe(303);
    expect(t.oidc.lastAuthorization()).toMatchObject({
      client: 'reauth',
      redirectUri: 'https://link.example.com/account/link/callback',
      params: { connection: 'google-oauth2', login_hint: 'alice@example.com', prompt: 'login', max_age: '0' },
    });
  });

  it('links the suggestion once the re-authentication signs in to it, with a link record', async () => {
    const { t } = await clickLink();
    const response = await reauthenticateAs(t, SUGGESTED);
    expect(response.headers.get('location')).toBe('/account?notice=linked');
    expect(t.links()).toEqual([{ primary: ME, provider: 'google-oauth2', user_id: '31' }]);
    const records = appMetadataOf(t, ME)?.account_linking_links as { user_id: string; via: string }[];
    expect(records).toEqual([
      expect.objectContaining({ user_id: SUGGESTED, via: 'account_page', at: NOW.toISOString() }),
    ]);
  });

  it('refuses a re-authentication to another account than the suggestion, linking nothing', async () => {
    const other = makeUser('github|99');
    const { t } = await clickLink(appWith({}, [suggested(), other]));
    const response = await reauthenticateAs(t, 'github|99');
    expect(response.headers.get('location')).toBe('/account?notice=reauth_wrong_account');
    expect(t.links()).toHaveLength(0);
    expect(t.updates()).toHaveLength(0);
  });

  it('links nothing when the suggestion stopped being one during the re-authentication', async () => {
    const { t } = await clickLink();
    t.tenant.users.update(SUGGESTED, { blocked: true });
    const response = await reauthenticateAs(t, SUGGESTED);
    expect(response.headers.get('location')).toBe('/account?notice=not_suggested');
    expect(t.links()).toHaveLength(0);
  });

  it('refuses Link for an account that is not a suggestion (a forged id), starting no sign-in', async () => {
    const stranger = makeUser('auth0|stranger', { email: 'bob@example.com' });
    const t = appWith({}, [stranger]);
    const { csrf } = await signInAs(t, ME);
    const signIns = t.oidc.authorizations.length;
    const response = await t.post('/account/link', { csrf, user_id: 'auth0|stranger' });
    expect(response.headers.get('location')).toBe('/account?notice=not_suggested');
    expect(t.oidc.authorizations).toHaveLength(signIns);
    expect(t.updates()).toHaveLength(0);
  });

  it('asks for a fresh login first when the session is older than five minutes', async () => {
    const { response } = await clickLink(undefined, NOW_SECONDS - 301);
    expect(response.headers.get('location')).toBe('/login?fresh=1');
  });
});
