import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Demo,
  openDemo,
  seedPasswordUser,
  signedInUserId,
  signInWithPassword,
  snapshot,
  submitPassword,
  submitSocial,
} from './stack.ts';

const EMAIL = 'rosa@example.com';
const WORK_EMAIL = 'rosa.work@example.com';

let demo: Demo;
let page: Page;
let primaryId: string;
let secondaryId: string;

const sessionCookie = async () =>
  (await page.context().cookies()).find((cookie) => cookie.name === 'session')?.value;

beforeAll(async () => {
  demo = await openDemo();
  const primary = await seedPasswordUser(demo, EMAIL, { user_metadata: { language: 'en' } });
  const [secondary] = await demo.control.seedUsers([
    {
      connection: 'google-oauth2',
      email: WORK_EMAIL,
      email_verified: true,
      user_metadata: { language: 'fr', theme: 'dark' },
    },
  ]);
  if (!secondary) throw new Error('the tenant seeded no user');
  primaryId = primary.user_id;
  secondaryId = secondary.user_id;
  // JavaScript off for the whole account page: it works with plain forms and redirects.
  page = await demo.newPage({ javaScriptEnabled: false });
  await signInWithPassword(demo, page, EMAIL);
});

afterAll(async () => {
  await demo?.close();
});

// One person's story in order (link, unlink, the last identity, sign out): each step starts where the last ended.
describe.sequential('the account page in Chromium (JavaScript off)', () => {
  it('links another account after a second sign-in that starts no new session, merging its profile data', async () => {
    const before = await sessionCookie();
    await page.getByLabel('Sign-in method of the other account').selectOption('google-oauth2');
    await page.getByRole('button', { name: 'Link another account' }).click();
    await submitSocial(page, 'google-oauth2', WORK_EMAIL);
    await page.waitForURL(`${demo.webUrl}/account?notice=linked`);
    await expect(page.getByRole('status').textContent()).resolves.toContain('The account was linked');
    await snapshot(page, 'account-linked-from-account-page');

    expect(await signedInUserId(page)).toBe(primaryId);
    expect(await sessionCookie()).toBe(before);
    const users = await demo.control.users();
    expect(users.some((user) => user.user_id === secondaryId)).toBe(false);
    const primary = users.find((user) => user.user_id === primaryId);
    expect(primary?.identities.map((identity) => identity.provider)).toEqual(['auth0', 'google-oauth2']);
    // The primary wins on conflicts; keys only the other account had are copied.
    expect(primary?.user_metadata).toEqual({ language: 'en', theme: 'dark' });
    await expect(page.locator('dl', { hasText: 'theme' }).textContent()).resolves.toContain('dark');
  });

  it('unlinks an identity, which becomes its own user again', async () => {
    await page.getByRole('button', { name: 'Unlink google-oauth2' }).click();
    await page.waitForURL(`${demo.webUrl}/account?notice=unlinked`);
    await expect(page.getByRole('status').textContent()).resolves.toContain('separate account again');
    await snapshot(page, 'account-unlinked');

    const users = await demo.control.users();
    const primary = users.find((user) => user.user_id === primaryId);
    const secondary = users.find((user) => user.user_id === secondaryId);
    expect(primary?.identities).toHaveLength(1);
    expect(secondary?.identities.map((identity) => identity.provider)).toEqual(['google-oauth2']);
    // Each side records the other as declined, so the Action never silently relinks them.
    expect(primary?.app_metadata?.account_linking).toEqual({ declined: [secondaryId] });
    expect(secondary?.app_metadata?.account_linking).toEqual({ declined: [primaryId] });
    // The undo gives the account back the profile data it had when it was linked, takes the copied key back off
    // the primary, and drops the link record.
    expect(secondary?.user_metadata).toEqual({ language: 'fr', theme: 'dark' });
    expect(primary?.user_metadata).toEqual({ language: 'en' });
    expect(primary?.app_metadata?.account_linking_links).toBeUndefined();
    expect(await signedInUserId(page)).toBe(primaryId);
    // The page lists the unlinked account as declined, with a take-back, and says it declined this one too.
    const declined = page.getByRole('list', { name: 'Accounts you chose not to link' });
    await expect(declined.textContent()).resolves.toContain('signs in with google-oauth2');
    await expect(declined.textContent()).resolves.toContain('declined this one too');
    await expect(declined.getByRole('button', { name: /^Take back/ }).count()).resolves.toBe(1);
  });

  it('refuses to unlink the last identity', async () => {
    await expect(page.getByRole('button', { name: /^Unlink/ }).count()).resolves.toBe(0);
    // The page offers no button; a hand-made form post with a valid CSRF token is refused by the server.
    const csrf = await page.locator('input[name="csrf"]').first().getAttribute('value');
    const response = await page.request.post(`${demo.webUrl}/account/unlink`, {
      form: { csrf: csrf ?? '', provider: 'auth0', user_id: primaryId.slice('auth0|'.length) },
      // Playwright's request API sends no Origin; the page's own form would (the web app checks it).
      headers: { origin: demo.webUrl },
    });
    expect(new URL(response.url()).search).toBe('?notice=unlink_last');
    expect(await response.text()).toContain('You cannot unlink your only sign-in method.');
    await page.goto(response.url());
    await snapshot(page, 'account-unlink-last-refused');
    const primary = (await demo.control.users()).find((user) => user.user_id === primaryId);
    expect(primary?.identities).toHaveLength(1);
  });

  it('signs out of the web app and the tenant: the next sign-in asks for a password again', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(`${demo.webUrl}/`);
    await expect(page.getByRole('button', { name: 'Sign in' }).count()).resolves.toBe(1);
    await page.getByRole('button', { name: 'Sign in' }).click();
    // Without /v2/logout the tenant's SSO session would skip its login page and land back on the account page.
    await page.waitForURL(/\/u\/login/);
    await submitPassword(page, EMAIL);
    await page.waitForURL(`${demo.webUrl}/account`);
    expect(await signedInUserId(page)).toBe(primaryId);
  });
});
