import { randomBytes, randomInt } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { demoForFile, seedPasswordUser, signedInUserId, signInWithPassword, snapshot } from './stack.ts';

const demo = demoForFile();

describe('Link a phone number on the account page (the passwordless sms connection)', () => {
  it('proves the number with a texted code and adds it as a sign-in method of the signed-in account', async () => {
    const email = `phone-${randomBytes(4).toString('hex')}@example.com`;
    const phone = `+1415555${String(randomInt(10_000)).padStart(4, '0')}`;
    const primary = await seedPasswordUser(demo(), email);
    const page = await demo().newPage({ javaScriptEnabled: false });
    await signInWithPassword(demo(), page, email);

    await page.getByRole('button', { name: 'Link a phone number' }).click();
    await page.waitForURL(/\/u\/login/);
    // The re-authentication asks for the sms connection only.
    await expect(page.locator('input[name="password"]').count()).resolves.toBe(0);
    const start = page.locator('form', { hasText: 'Text me a code' });
    await start.locator('input[name="phone_number"]').fill(phone);
    await start.getByRole('button', { name: 'Text me a code' }).click();
    await page.getByRole('heading', { name: 'Enter your code' }).waitFor();
    const [message] = await demo().control.outbox(phone);
    expect(message).toMatchObject({ channel: 'sms', connection: 'sms' });
    await page.locator('input[name="code"]').fill(message?.code ?? '');
    await page.getByRole('button', { name: 'Continue' }).click();

    await page.waitForURL(`${demo().webUrl}/account?notice=linked`);
    await snapshot(page, 'account-phone-linked');
    expect(await signedInUserId(page)).toBe(primary.user_id);
    await expect(page.locator('.who', { hasText: phone }).textContent()).resolves.toBe(`sms ${phone}`);
    const linked = (await demo().control.users()).find((user) => user.user_id === primary.user_id);
    expect(linked?.identities.map((identity) => identity.provider)).toEqual(['auth0', 'sms']);
    expect(linked?.identities[1]?.profileData).toMatchObject({ phone_number: phone, phone_verified: true });
  });
});
