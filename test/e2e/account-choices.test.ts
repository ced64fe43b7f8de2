import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  answerConsent,
  demoForFile,
  reachConsent,
  seedPasswordUser,
  signedInUserId,
  snapshot,
  submitPassword,
  usersWithEmail,
} from './stack.ts';

const demo = demoForFile();

async function userById(userId: string) {
  return (await demo().control.users()).find((user) => user.user_id === userId);
}

function accountLinking(user: { app_metadata?: Record<string, unknown> } | undefined) {
  return user?.app_metadata?.account_linking as { declined?: string[]; snoozed_until?: string } | undefined;
}

/** The notice the account page shows after a form (role status for a success). */
async function expectNotice(page: Page, notice: string, text: string): Promise<void> {
  await page.waitForURL(`${demo().webUrl}/account?notice=${notice}`);
  await expect(page.getByRole('status').first().textContent()).resolves.toContain(text);
}

describe('the account page after a choice at sign-in, in Chromium', () => {
  it("Don't ask again lists the other account; Take back lets the next sign-in ask again", async () => {
    const email = 'tove.choices@example.com';
    const password = await seedPasswordUser(demo(), email);
    const page = await answerConsent(demo(), email, "Don't ask again");
    const declined = page.getByRole('list', { name: 'Accounts you chose not to link' });
    await expect(declined.textContent()).resolves.toContain(`signs in with Username-Password-Authentication`);
    await expect(declined.textContent()).resolves.toContain('t•••s@example.com');
    await expect(page.content()).resolves.not.toContain('Other accounts with your email');
    await snapshot(page, 'account-declined-list');

    const me = await signedInUserId(page);
    await declined.getByRole('button', { name: /^Take back/ }).click();
    await expectNotice(page, 'decline_taken_back', 'a sign-in may ask again');
    expect(accountLinking(await userById(me))?.declined).toEqual([]);
    // The take-back made the account a suggestion again, and the next sign-in asks about it.
    await expect(page.getByRole('list', { name: 'Other accounts with your email' }).count()).resolves.toBe(1);
    await reachConsent(demo(), email);
    expect((await userById(password.user_id))?.identities).toHaveLength(1);
  });

  it('Not now shows until when sign-in will not ask; Ask me again lets the next sign-in ask', async () => {
    const email = 'rhea.choices@example.com';
    await seedPasswordUser(demo(), email);
    const page = await answerConsent(demo(), email, 'Not now');
    const me = await signedInUserId(page);
    const until = String(accountLinking(await userById(me))?.snoozed_until);
    await expect(page.content()).resolves.toContain(
      `we won't ask to link accounts until ${until.slice(0, 10)}`,
    );
    await snapshot(page, 'account-snoozed');

    await page.getByRole('button', { name: 'Ask me again at sign-in' }).click();
    await expectNotice(page, 'snooze_cleared', 'may ask again');
    expect(accountLinking(await userById(me))?.snoozed_until).toBeUndefined();
    await expect(page.content()).resolves.not.toContain("we won't ask");
    await reachConsent(demo(), email);
  });
});

describe.sequential('suggested accounts on the account page, in Chromium', () => {
  const email = 'sami.choices@example.com';
  let page: Page;
  let me: string;
  let passwordId: string;
  let githubId: string;

  beforeAll(async () => {
    const password = await seedPasswordUser(demo(), email, { user_metadata: { plan: 'pro' } });
    const [github] = await demo().control.seedUsers([{ connection: 'github', email, email_verified: true }]);
    if (!github) throw new Error('the tenant seeded no user');
    passwordId = password.user_id;
    githubId = github.user_id;
    // Not now at sign-in, then the account page: the same accounts are suggested there.
    page = await answerConsent(demo(), email, 'Not now');
    me = await signedInUserId(page);
  });

  it('lists the other accounts with the same verified email, each with Link and Not mine', async () => {
    const suggestions = page.getByRole('list', { name: 'Other accounts with your email' });
    await expect(suggestions.getByRole('listitem').count()).resolves.toBe(2);
    await expect(suggestions.textContent()).resolves.toContain('signs in with github');
    await expect(suggestions.textContent()).resolves.toContain(
      'signs in with Username-Password-Authentication',
    );
    await expect(suggestions.textContent()).resolves.not.toContain(email);
    await snapshot(page, 'account-suggestions');
  });

  it("Not mine records a decline on the user's own record and moves the account to the declined list", async () => {
    await page.getByRole('button', { name: /^Not mine: github/ }).click();
    await expectNotice(page, 'not_mine', 'that account is not yours');
    expect(accountLinking(await userById(me))?.declined).toEqual([githubId]);
    expect(accountLinking(await userById(githubId))).toBeUndefined();
    const suggestions = page.getByRole('list', { name: 'Other accounts with your email' });
    await expect(suggestions.getByRole('listitem').count()).resolves.toBe(1);
    const declined = page.getByRole('list', { name: 'Accounts you chose not to link' });
    await expect(declined.textContent()).resolves.toContain('signs in with github');
  });

  it("refuses a Not mine naming an account that is not the user's suggestion, writing nothing", async () => {
    const stranger = await seedPasswordUser(demo(), 'stranger.choices@example.com');
    const csrf = await page.locator('input[name="csrf"]').first().getAttribute('value');
    const response = await page.request.post(`${demo().webUrl}/account/not-mine`, {
      form: { csrf: csrf ?? '', user_id: stranger.user_id },
      // Playwright's request API sends no Origin; the page's own form would (the web app checks it).
      headers: { origin: demo().webUrl },
    });
    expect(new URL(response.url()).search).toBe('?notice=not_suggested');
    expect(accountLinking(await userById(me))?.declined).toEqual([githubId]);
    expect(accountLinking(await userById(stranger.user_id))).toBeUndefined();
  });

  it('Link signs in to the older suggested account, links the signed-in user into it, and moves the session there', async () => {
    await page.getByRole('button', { name: /^Link Username-Password-Authentication/ }).click();
    await submitPassword(page, email);
    // The password account is older than the Google sign-in: under PRIMARY_POLICY=oldest it stays the primary.
    await expectNotice(page, 'linked_to_older', 'you are now signed in to it');
    await snapshot(page, 'account-suggestion-linked');

    expect(await signedInUserId(page)).toBe(passwordId);
    const users = await usersWithEmail(demo(), email);
    expect(users.some((user) => user.user_id === me)).toBe(false);
    const primary = users.find((user) => user.user_id === passwordId);
    expect(primary?.identities.map((identity) => identity.provider)).toEqual(['auth0', 'google-oauth2']);
    expect(primary?.user_metadata).toEqual({ plan: 'pro' });
    expect(primary?.app_metadata?.account_linking_links).toEqual([
      expect.objectContaining({ user_id: me, via: 'account_page', reason: 'oldest' }),
    ]);
    // The moved session is the primary's: the page lists the Google sign-in as one of its methods.
    await expect(page.getByRole('button', { name: 'Unlink google-oauth2' }).count()).resolves.toBe(1);
  });
});
