import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  answerConsent,
  type Demo,
  openDemo,
  PASSWORD,
  signedInUserId,
  snapshot,
  submitPassword,
  usersWithEmail,
} from './stack.ts';

const EMAIL = 'dana@example.com';

let demo: Demo;

beforeAll(async () => {
  demo = await openDemo();
});

afterAll(async () => {
  await demo?.close();
});

describe('the demo in Chromium', () => {
  it('signs up with a password, logs in with Google, links on the consent page and shows two sign-in methods', async () => {
    const started = Date.now();
    const first = await demo.newPage();
    await first.goto(`${demo.webUrl}/`);
    await snapshot(first, 'signed-out');
    await first.getByRole('button', { name: 'Sign in' }).click();
    await first.waitForURL(/\/u\/login/);
    await snapshot(first, 'tenant-login');
    const database = first.locator('form', { has: first.locator('input[name="password"]') });
    await database.locator('input[name="email"]').fill(EMAIL);
    await database.locator('input[name="password"]').fill(PASSWORD);
    await database.locator('input[name="signup"]').check();
    await database.getByRole('button', { name: 'Continue' }).click();
    await first.getByRole('link', { name: /Verify/ }).click();
    await first.waitForURL(`${demo.webUrl}/account`);
    await expect(first.getByRole('heading', { name: 'Your account' }).isVisible()).resolves.toBe(true);
    await snapshot(first, 'account-one-identity');
    const [password] = await usersWithEmail(demo, EMAIL);
    await first.context().close();

    const page = await answerConsent(demo, EMAIL, async (consent) => {
      await expect(consent.getByRole('heading', { name: 'Link your accounts?' }).isVisible()).resolves.toBe(
        true,
      );
      // The email is masked and the token is gone from the address bar.
      expect(await consent.locator('.accounts').textContent()).not.toContain(EMAIL);
      expect(consent.url()).toBe(`${demo.webUrl}/consent`);
      await snapshot(consent, 'consent');
      await consent.getByRole('button', { name: /^Link/ }).click();
      await submitPassword(consent, EMAIL);
    });
    await snapshot(page, 'account-linked');
    console.log(`e2e: full link flow took ${Date.now() - started} ms`);

    const users = await usersWithEmail(demo, EMAIL);
    expect(users).toHaveLength(1);
    expect(users[0]?.user_id).toBe(password?.user_id);
    expect(users[0]?.identities.map((identity) => identity.provider)).toEqual(['auth0', 'google-oauth2']);
    expect(await signedInUserId(page)).toBe(password?.user_id);
    await expect(page.getByRole('button', { name: 'Unlink google-oauth2' }).isVisible()).resolves.toBe(true);
  });
});
