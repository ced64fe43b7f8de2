import { describe, expect, it } from 'vitest';
import {
  answerConsent,
  demoForFile,
  reachConsent,
  seedPasswordUser,
  signedInUserId,
  signInWith,
  signInWithGoogle,
  snapshot,
  submitPassword,
  usersWithEmail,
} from './stack.ts';

const demo = demoForFile();

function googleUser(users: Awaited<ReturnType<typeof usersWithEmail>>) {
  const user = users.find((candidate) => candidate.user_id.startsWith('google-oauth2|'));
  if (!user) throw new Error('no Google user');
  return user;
}

/** The next Google login of `email` is not asked (the Action names `reason`) and links nothing. */
async function expectNextLoginNotAsked(email: string, reason: string): Promise<void> {
  const next = await signInWithGoogle(demo(), email);
  expect(next.landedOn).toBe('account');
  expect(next.decisions.join('\n')).toContain(`"reason":"${reason}"`);
  expect(await usersWithEmail(demo(), email)).toHaveLength(2);
}

describe('the consent page in Chromium', () => {
  it('Not now: the login completes unlinked, and the next logins are not asked for NOT_NOW_DAYS (default 7)', async () => {
    const email = 'nico@example.com';
    const password = await seedPasswordUser(demo(), email);
    const page = await answerConsent(demo(), email, 'Not now');

    const users = await usersWithEmail(demo(), email);
    expect(users.map((user) => user.user_id)).toContain(password.user_id);
    const google = googleUser(users);
    expect(await signedInUserId(page)).toBe(google.user_id);
    const linking = google.app_metadata?.account_linking as { snoozed_until?: string; declined?: string[] };
    expect(Date.parse(String(linking.snoozed_until)) - Date.now()).toBeGreaterThan(6.9 * 86_400_000);
    expect(linking.declined).toBeUndefined();
    expect(users.every((user) => user.identities.length === 1)).toBe(true);

    await expectNextLoginNotAsked(email, 'snoozed');
  });

  it("Don't ask again: the login completes unlinked, the choice is recorded, and the next login is not asked", async () => {
    const email = 'olga@example.com';
    const password = await seedPasswordUser(demo(), email);
    const page = await answerConsent(demo(), email, "Don't ask again");

    const google = googleUser(await usersWithEmail(demo(), email));
    expect(google.identities).toHaveLength(1);
    expect(google.app_metadata?.account_linking).toEqual({ declined: [password.user_id] });
    expect(await signedInUserId(page)).toBe(google.user_id);

    await expectNextLoginNotAsked(email, 'no_candidates');
  });

  it('refuses a re-authentication as another account with a clear page, and can continue unlinked', async () => {
    const email = 'pia@example.com';
    const other = 'mallory@example.com';
    await seedPasswordUser(demo(), email);
    await seedPasswordUser(demo(), other);
    const page = await reachConsent(demo(), email);
    await page.getByRole('button', { name: /^Link/ }).click();
    await submitPassword(page, other);
    await page.waitForURL(`${demo().webUrl}/consent/callback?*`);
    await expect(
      page.getByRole('heading', { name: 'That was a different account' }).isVisible(),
    ).resolves.toBe(true);
    await expect(page.getByRole('alert').textContent()).resolves.toContain('nothing was linked');
    await snapshot(page, 'consent-wrong-account');

    await page.getByRole('button', { name: 'Continue without linking' }).click();
    await page.waitForURL(`${demo().webUrl}/account`);
    const users = await usersWithEmail(demo(), email);
    expect(users).toHaveLength(2);
    expect(await signedInUserId(page)).toBe(googleUser(users).user_id);
    expect(users.every((user) => user.identities.length === 1)).toBe(true);
    const [mallory] = await usersWithEmail(demo(), other);
    expect(mallory?.identities).toHaveLength(1);
  });

  it('links with JavaScript off: every page works, and the return to the tenant is a button', async () => {
    const email = 'quinn@example.com';
    const password = await seedPasswordUser(demo(), email);
    const page = await answerConsent(
      demo(),
      email,
      async (consent) => {
        await snapshot(consent, 'consent-no-js');
        await consent.getByRole('button', { name: /^Link/ }).click();
        await submitPassword(consent, email);
        await consent.waitForURL(`${demo().webUrl}/consent/callback?*`);
        // Without JavaScript nothing submits the return form: the page waits for the button.
        await expect(consent.getByRole('heading', { name: 'Account confirmed' }).isVisible()).resolves.toBe(
          true,
        );
        await snapshot(consent, 'consent-continue-no-js');
        await consent.getByRole('button', { name: 'Continue' }).click();
      },
      { javaScriptEnabled: false },
    );

    const users = await usersWithEmail(demo(), email);
    expect(users).toHaveLength(1);
    expect(users[0]?.user_id).toBe(password.user_id);
    expect(users[0]?.identities.map((identity) => identity.provider)).toEqual(['auth0', 'google-oauth2']);
    expect(await signedInUserId(page)).toBe(password.user_id);
  });
});

describe('a consent URL forwarded to someone else (security cases 33 and 34)', () => {
  const ENTERPRISE = 'acme-oidc';

  it.each([
    ["the victim's account is older", false],
    ["the attacker's account is older", true],
  ])('links nothing when %s, and the victim sees the tenant refuse', async (_, attackerOlder) => {
    const email = attackerOlder ? 'rita@example.com' : 'sam@example.com';
    const victim = await seedPasswordUser(demo(), email);
    if (attackerOlder) {
      await demo().control.seedUsers([
        {
          connection: ENTERPRISE,
          email,
          email_verified: true,
          created_at: new Date(Date.now() - 2 * 365 * 86_400_000).toISOString(),
        },
      ]);
    }
    // The attacker signs in through a connection that asserts the victim's address, and copies the consent URL.
    const attacker = await signInWith(demo(), ENTERPRISE, email);
    expect(attacker.landedOn, attacker.decisions.join(' | ')).toBe('consent');
    const forwarded = attacker.consentUrl ?? '';
    expect(forwarded).toContain('session_token=');
    for (const personal of [email, victim.user_id, '@example.com']) expect(forwarded).not.toContain(personal);

    // The victim opens it in their own browser: the page names the sign-in and who would stay main.
    const page = await demo().newPage();
    await page.goto(forwarded);
    const text = (await page.locator('main').textContent()) ?? '';
    expect(text).toContain(`This request comes from a sign-in with ${ENTERPRISE}`);
    expect(text).toContain(`Did not just sign in with ${ENTERPRISE}?`);
    expect(text).toContain(
      attackerOlder
        ? `the account of the ${ENTERPRISE} sign-in becomes the main account`
        : 'this account stays the main account',
    );
    await snapshot(page, attackerOlder ? 'consent-forwarded-attacker-older' : 'consent-forwarded');

    // Clicking Link anyway: the victim proves their own account, and the tenant refuses to resume the login.
    await page.getByRole('button', { name: /^Link/ }).click();
    await submitPassword(page, email);
    await page.getByRole('heading', { name: 'Oops!, something went wrong' }).waitFor();
    await expect(page.getByRole('alert').textContent()).resolves.toContain('invalid_request');

    const users = await usersWithEmail(demo(), email);
    expect(users).toHaveLength(2);
    expect(users.every((user) => user.identities.length === 1)).toBe(true);
    const after = users.find((user) => user.user_id === victim.user_id);
    expect(after?.identities.map((identity) => identity.connection)).toEqual([
      'Username-Password-Authentication',
    ]);
  });
});
