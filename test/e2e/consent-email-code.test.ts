import { randomBytes } from 'node:crypto';
import { describe, expect, inject, it } from 'vitest';
import {
  answerConsent,
  codeOnOutboxPage,
  demoForFile,
  enterCodeAfterAWrongOne,
  seedPasswordUser,
  signedInUserId,
  snapshot,
  usersWithEmail,
} from './stack.ts';

const demo = demoForFile();

describe('Email me a code on the consent page', () => {
  it('links the accounts with a code read on the outbox page instead of signing in to the other account', async () => {
    const email = `emailcode-${randomBytes(4).toString('hex')}@example.com`;
    const password = await seedPasswordUser(demo(), email);
    const page = await answerConsent(demo(), email, async (consent) => {
      await consent.getByRole('button', { name: 'Email me a code' }).click();
      await consent.getByRole('heading', { name: 'Enter the code we emailed you' }).waitFor();
      await snapshot(consent, 'consent-email-code');

      const outbox = await consent.context().newPage();
      await outbox.goto(`${inject('e2eStack').tenantUrl}/__outbox`);
      const code = await codeOnOutboxPage(outbox, email);
      expect(await enterCodeAfterAWrongOne(consent, code, 'Confirm')).toContain('That code is not right.');
    });

    // The password account is the older one: it stays the main account and signs the person in.
    expect(await signedInUserId(page)).toBe(password.user_id);
    const [linked, ...others] = await usersWithEmail(demo(), email);
    expect(others).toEqual([]);
    expect(linked?.user_id).toBe(password.user_id);
    // The email| user the code signed in joined it too, as a sign-in method of the same address.
    expect(linked?.identities.map((identity) => identity.provider).sort()).toEqual([
      'auth0',
      'email',
      'google-oauth2',
    ]);
  });
});
