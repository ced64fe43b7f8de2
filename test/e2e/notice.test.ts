import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  demoForFile,
  deployActionSettings,
  seedPasswordUser,
  signedInUserId,
  signInWithGoogle,
  snapshot,
  usersWithEmail,
} from './stack.ts';

const demo = demoForFile();

// Silent links between the password and Google connections, told on the notice page; restored for the other files.
beforeAll(async () => {
  await deployActionSettings({
    AUTO_LINK_CONNECTIONS: 'Username-Password-Authentication,google-oauth2',
    LINK_NOTICE: 'page',
  });
});

afterAll(async () => {
  await deployActionSettings();
});

/** Signs in with Google where an older password account shares the email, and lands on the notice page. */
async function reachNotice(email: string) {
  const password = await seedPasswordUser(demo(), email, { user_metadata: { theme: 'dark' } });
  await demo().control.seedUsers([
    {
      connection: 'google-oauth2',
      email,
      email_verified: true,
      created_at: new Date(Date.now() - 86_400_000).toISOString(),
      user_metadata: { plan: 'pro' },
    },
  ]);
  const signedIn = await signInWithGoogle(demo(), email);
  if (signedIn.landedOn !== 'notice') {
    throw new Error(
      `the Action did not send the login to the notice page: ${signedIn.decisions.join(' | ')}`,
    );
  }
  return { ...signedIn, password };
}

async function answer(page: Page, button: 'OK' | "This wasn't me", webUrl: string): Promise<void> {
  await page.getByRole('button', { name: button }).click();
  await page.waitForURL(`${webUrl}/account`);
}

describe('the notice page in Chromium (LINK_NOTICE=page)', () => {
  it('OK: the sign-in ends on the main account, linked', async () => {
    const email = 'petra.notice@example.com';
    const { page, password, noticeUrl } = await reachNotice(email);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe(
      'We linked your Google sign-in to your account',
    );
    expect(page.url()).toBe(`${demo().webUrl}/notice`);
    expect(noticeUrl).not.toContain('petra.notice');
    expect(await page.textContent('body')).toContain('p•••e@example.com');
    await snapshot(page, 'notice');

    await answer(page, 'OK', demo().webUrl);
    expect(await signedInUserId(page)).toBe(password.user_id);
    const users = await usersWithEmail(demo(), email);
    expect(users).toHaveLength(1);
    expect(users[0]?.identities.map((identity) => identity.connection)).toEqual([
      'Username-Password-Authentication',
      'google-oauth2',
    ]);
  });

  it("This wasn't me: the link is undone and restored, the pair declined, and the sign-in ends as the Google user", async () => {
    const email = 'quinn.notice@example.com';
    const { page, password } = await reachNotice(email);
    await answer(page, "This wasn't me", demo().webUrl);

    const users = await usersWithEmail(demo(), email);
    expect(users).toHaveLength(2);
    const google = users.find((user) => user.identities[0]?.connection === 'google-oauth2');
    const main = users.find((user) => user.user_id === password.user_id);
    expect(await signedInUserId(page)).toBe(google?.user_id);
    expect(google?.user_metadata).toEqual({ plan: 'pro' });
    expect(main?.identities).toHaveLength(1);
    // The other account's metadata, copied onto this one at link time, is gone again.
    expect(main?.user_metadata).toEqual({ theme: 'dark' });
    expect(main?.app_metadata?.account_linking).toMatchObject({ declined: [google?.user_id] });
    expect(google?.app_metadata?.account_linking).toMatchObject({ declined: [password.user_id] });

    // The next Google sign-in goes straight to the account page, unlinked.
    const next = await signInWithGoogle(demo(), email);
    expect(next.landedOn).toBe('account');
    expect(await usersWithEmail(demo(), email)).toHaveLength(2);
  });

  it("a notice URL forwarded to someone else undoes nothing, and the owner's sign-in still finishes linked", async () => {
    const email = 'rosa.notice@example.com';
    const { page, password, noticeUrl } = await reachNotice(email);
    const stranger = await demo().newPage();
    await stranger.goto(noticeUrl ?? '');
    await stranger.getByRole('button', { name: "This wasn't me" }).click();
    await stranger.waitForURL((url) => url.pathname === '/continue');
    expect(await stranger.textContent('body')).toContain('invalid_request');
    await snapshot(stranger, 'notice-forwarded');
    expect(await usersWithEmail(demo(), email)).toHaveLength(1);

    await answer(page, 'OK', demo().webUrl);
    expect(await signedInUserId(page)).toBe(password.user_id);
    expect(await usersWithEmail(demo(), email)).toHaveLength(1);
  });
});
