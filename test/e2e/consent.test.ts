import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  answerConsent,
  type Demo,
  openDemo,
  reachConsent,
  seedPasswordUser,
  signedInUserId,
  signInWithGoogle,
  snapshot,
  submitPassword,
  usersWithEmail,
} from './stack.ts';

let demo: Demo;

beforeAll(async () => {
  demo = await openDemo();
});

afterAll(async () => {
  await demo?.close();
});

function googleUser(users: Awaited<ReturnType<typeof usersWithEmail>>) {
  const user = users.find((candidate) => candidate.user_id.startsWith('google-oauth2|'));
  if (!user) throw new Error('no Google user');
  return user;
}

describe('the consent page in Chromium', () => {
  it('Not now: the login completes unlinked, and the next login asks again', async () => {
    const email = 'nico@example.com';
    const password = await seedPasswordUser(demo, email);
    const page = await answerConsent(demo, email, (consent) =>
      consent.getByRole('button', { name: 'Not now' }).click(),
    );

    const users = await usersWithEmail(demo, email);
    expect(users.map((user) => user.user_id)).toContain(password.user_id);
    const google = googleUser(users);
    expect(await signedInUserId(page)).toBe(google.user_id);
    expect(google.app_metadata?.account_linking).toBeUndefined();
    expect(users.every((user) => user.identities.length === 1)).toBe(true);

    const again = await reachConsent(demo, email);
    await expect(again.getByRole('button', { name: 'Not now' }).isVisible()).resolves.toBe(true);
  });

  it("Don't ask again: the login completes unlinked, the choice is recorded, and the next login is not asked", async () => {
    const email = 'olga@example.com';
    const password = await seedPasswordUser(demo, email);
    const page = await answerConsent(demo, email, (consent) =>
      consent.getByRole('button', { name: "Don't ask again" }).click(),
    );

    const google = googleUser(await usersWithEmail(demo, email));
    expect(google.identities).toHaveLength(1);
    expect(google.app_metadata?.account_linking).toEqual({ declined: [password.user_id] });
    expect(await signedInUserId(page)).toBe(google.user_id);

    const next = await signInWithGoogle(demo, email);
    expect(next.landedOn).toBe('account');
    expect(next.decisions.join('\n')).toContain('"reason":"no_candidates"');
    expect(await usersWithEmail(demo, email)).toHaveLength(2);
  });

  it('refuses a re-authentication as another account with a clear page, and can continue unlinked', async () => {
    const email = 'pia@example.com';
    const other = 'mallory@example.com';
    await seedPasswordUser(demo, email);
    await seedPasswordUser(demo, other);
    const page = await reachConsent(demo, email);
    await page.getByRole('button', { name: /^Link/ }).click();
    await submitPassword(page, other);
    await page.waitForURL(`${demo.webUrl}/consent/callback?*`);
    await expect(
      page.getByRole('heading', { name: 'That was a different account' }).isVisible(),
    ).resolves.toBe(true);
    await expect(page.getByRole('alert').textContent()).resolves.toContain('nothing was linked');
    await snapshot(page, 'consent-wrong-account');

    await page.getByRole('button', { name: 'Continue without linking' }).click();
    await page.waitForURL(`${demo.webUrl}/account`);
    const users = await usersWithEmail(demo, email);
    expect(users).toHaveLength(2);
    expect(await signedInUserId(page)).toBe(googleUser(users).user_id);
    expect(users.every((user) => user.identities.length === 1)).toBe(true);
    const [mallory] = await usersWithEmail(demo, other);
    expect(mallory?.identities).toHaveLength(1);
  });

  it('links with JavaScript off: every page works, and the return to the tenant is a button', async () => {
    const email = 'quinn@example.com';
    const password = await seedPasswordUser(demo, email);
    const page = await answerConsent(
      demo,
      email,
      async (consent) => {
        await snapshot(consent, 'consent-no-js');
        await consent.getByRole('button', { name: /^Link/ }).click();
        await submitPassword(consent, email);
        await consent.waitForURL(`${demo.webUrl}/consent/callback?*`);
        // Without JavaScript nothing submits the return form: the page waits for the button.
        await expect(consent.getByRole('heading', { name: 'Account confirmed' }).isVisible()).resolves.toBe(
          true,
        );
        await snapshot(consent, 'consent-continue-no-js');
        await consent.getByRole('button', { name: 'Continue' }).click();
      },
      { javaScriptEnabled: false },
    );

    const users = await usersWithEmail(demo, email);
    expect(users).toHaveLength(1);
    expect(users[0]?.user_id).toBe(password.user_id);
    expect(users[0]?.identities.map((identity) => identity.provider)).toEqual(['auth0', 'google-oauth2']);
    expect(await signedInUserId(page)).toBe(password.user_id);
  });
});
