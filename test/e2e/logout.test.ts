import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type Demo, openDemo, seedPasswordUser, signInWithPassword, snapshot } from './stack.ts';

const EMAIL = 'lena@example.com';

let demo: Demo;

beforeAll(async () => {
  demo = await openDemo();
  await seedPasswordUser(demo, EMAIL);
});

afterAll(async () => {
  await demo?.close();
});

describe('sessions end at logout, on the server (Chromium)', () => {
  it('a session cookie copied before sign-out opens nothing afterwards, nor links anything', async () => {
    const page = await demo.newPage();
    await signInWithPassword(demo, page, EMAIL);
    const copied = (await page.context().cookies()).find((cookie) => cookie.name === 'session');
    const csrf = (await page.locator('input[name="csrf"]').first().getAttribute('value')) ?? '';
    if (copied === undefined) throw new Error('the web app set no session cookie');

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(`${demo.webUrl}/`);

    const thief = await demo.newPage();
    await thief.context().addCookies([copied]);
    await thief.goto(`${demo.webUrl}/account`);
    // Sent to sign in: the tenant's login page, not the account.
    await thief.waitForURL(/\/u\/login/);
    await snapshot(thief, 'copied-session-after-logout');
    const link = await thief.request.post(`${demo.webUrl}/account/link`, {
      form: { csrf, connection: 'google-oauth2' },
      headers: { origin: demo.webUrl },
      maxRedirects: 0,
    });
    expect(link.status()).toBe(303);
    expect(link.headers().location).toBe('/login');
  });

  it('a logout at the tenant ends the web app session (OIDC Back-Channel Logout)', async () => {
    const page = await demo.newPage();
    await signInWithPassword(demo, page, EMAIL);
    const after = (await demo.control.events()).at(-1)?.id ?? 0;

    // Another application (or the person) logs out at the tenant; the web app is never visited.
    await page.goto(`${inject('e2eStack').tenantUrl}/v2/logout`);
    await expect(page.getByRole('heading', { name: 'Logged out' }).count()).resolves.toBe(1);
    const deliveries = await demo.control.events({ type: 'backchannel_logout', after });
    expect(deliveries).toMatchObject([{ url: `${demo.webUrl}/backchannel-logout`, status: 200 }]);

    // The browser still holds the web app's cookie, and it opens nothing.
    expect((await page.context().cookies()).some((cookie) => cookie.name === 'session')).toBe(true);
    await page.goto(`${demo.webUrl}/account`);
    await page.waitForURL(/\/u\/login/);
  });
});
