import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  codeOnOutboxPage,
  demoForFile,
  enterCodeAfterAWrongOne,
  retryWhenFailedOpen,
  seedPasswordUser,
  snapshot,
} from './stack.ts';

const demo = demoForFile();

describe('the Universal Login code page (passwordless email)', () => {
  it('signs in with a code read on the outbox page, after a wrong one; the Action offers the older password account', async () => {
    const email = `code-${randomBytes(4).toString('hex')}@example.com`;
    const password = await seedPasswordUser(demo(), email);
    const { page, decisions } = await retryWhenFailedOpen(demo(), async () => {
      const page = await demo().newPage();
      await page.goto(`${demo().webUrl}/login`);
      await page.waitForURL(/\/u\/login/);
      const start = page.locator('form', { hasText: 'Email me a code' });
      await start.locator('input[name="email"]').fill(email);
      await start.getByRole('button', { name: 'Send me a code' }).click();
      await page.getByRole('heading', { name: 'Enter your code' }).waitFor();
      await snapshot(page, 'passwordless-code-page');

      // The code page links to the outbox page, where a person running the demo reads the code.
      const [outbox] = await Promise.all([
        page.context().waitForEvent('page'),
        page.getByRole('link', { name: 'outbox' }).click(),
      ]);
      await outbox.waitForLoadState();
      const code = await codeOnOutboxPage(outbox, email);
      expect(await enterCodeAfterAWrongOne(page, code, 'Continue')).toBe('Wrong email or verification code.');
      await page.waitForURL((url) => url.pathname === '/consent' || url.pathname === '/account');
      return { page };
    });
    // The new email| user is the login's user; the password account with the same verified email is its candidate.
    expect(new URL(page.url()).pathname).toBe('/consent');
    expect(decisions.join('\n')).toContain('"reason":"connection_not_trusted"');
    const users = await demo().control.users();
    const passwordless = users.find((user) => user.user_id.startsWith('email|') && user.email === email);
    expect(passwordless).toMatchObject({ email_verified: true });
    expect(users.some((user) => user.user_id === password.user_id)).toBe(true);
  });
});
