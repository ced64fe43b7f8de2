import { base64url, SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { sealLinkRequest } from '../../../core/link-request.ts';
import { SessionTokenError } from '../../../web/errors.ts';
import { signLinkProof, verifyLinkRequest } from '../../../web/tokens.ts';
import { tamperLastSegment } from '../../support/tamper.ts';
import { BROWSER, CANDIDATE, LOGIN, NOW, NOW_SECONDS, signedLinkRequest, TEST_ENV } from './support.ts';

const context = { secret: TEST_ENV.SESSION_TOKEN_SECRET, issuer: TEST_ENV.AUTH0_DOMAIN, now: NOW };

const sealed = (signed: string) => sealLinkRequest(signed, TEST_ENV.SESSION_TOKEN_SECRET);

/** Why the consent page refuses a signed link request, sealed as the Action seals it unless `seal` says otherwise. */
async function rejection(signed: string, seal = sealed): Promise<SessionTokenError> {
  try {
    await verifyLinkRequest(seal(signed), context);
  } catch (error) {
    if (error instanceof SessionTokenError) return error;
    throw error;
  }
  throw new Error('expected the token to be rejected');
}

function unsignedToken(header: Record<string, string>, claims: Record<string, unknown>): string {
  const encode = (value: object) => base64url.encode(JSON.stringify(value));
  return `${encode(header)}.${encode(claims)}.`;
}

describe('link request verification', () => {
  it('accepts a token signed by the Action and returns the user, candidates and browser binding', async () => {
    const request = await verifyLinkRequest(sealed(await signedLinkRequest()), context);
    expect(request).toEqual({
      sub: 'google-oauth2|current',
      login: { ...LOGIN, at: NOW.toISOString() },
      candidates: [CANDIDATE],
      browser: BROWSER,
    });
  });

  it('seals the request so that no part of it reads as the email, user ids, dates or IP address', async () => {
    const token = sealed(await signedLinkRequest());
    const readable = [
      token,
      ...token.split('.').map((part) => Buffer.from(part, 'base64url').toString('latin1')),
    ];
    for (const secret of [
      CANDIDATE.email,
      'alice',
      CANDIDATE.user_id,
      'google-oauth2|current',
      '2023-03-04',
    ]) {
      expect(readable.join('\n')).not.toContain(secret);
    }
    expect(readable.join('\n')).not.toContain('127.0.0.1');
  });

  it.each([
    ['a signed request that was not sealed', (signed: string) => signed],
    ['a request sealed with another secret', (signed: string) => sealLinkRequest(signed, 'x'.repeat(40))],
    ['a sealed request whose GCM tag was changed', (signed: string) => tamperLastSegment(sealed(signed))],
  ])('rejects %s', async (_, seal) => {
    const error = await rejection(await signedLinkRequest(), seal);
    expect(error.code).toBe('token_invalid');
    expect(error.message).toBe('the link request could not be decrypted');
  });

  it.each([
    ['without the login', { login: 'gone' }],
    ['whose login has no connection', { login: { ...LOGIN, connection: '' } }],
    [
      'whose candidate does not say which account stays main',
      { candidates: [{ ...CANDIDATE, primary: 'yes' }] },
    ],
  ])('rejects a token %s', async (_, options) => {
    expect((await rejection(await signedLinkRequest(options))).code).toBe('token_invalid');
  });

  it('rejects a token without the browser binding', async () => {
    const error = await rejection(await signedLinkRequest({ browser: '' }));
    expect(error.message).toBe('missing required "browser" claim');
  });

  it('rejects a token whose payload was changed', async () => {
    const [header, , signature] = (await signedLinkRequest()).split('.');
    const forged = base64url.encode(
      JSON.stringify({
        sub: 'google-oauth2|current',
        purpose: 'link-request',
        candidates: [{ ...CANDIDATE, user_id: 'auth0|attacker' }],
      }),
    );
    expect((await rejection(`${header}.${forged}.${signature}`)).code).toBe('token_invalid');
  });

  it('rejects an expired token as expired', async () => {
    const token = await signedLinkRequest({ iat: NOW_SECONDS - 600, expiresIn: 300 });
    expect((await rejection(token)).code).toBe('token_expired');
  });

  it('rejects a token signed with another secret', async () => {
    const token = await signedLinkRequest({ secret: 'another-secret-of-at-least-32-characters!' });
    expect((await rejection(token)).message).toBe('signature verification failed');
  });

  it('rejects an unsigned token with alg none', async () => {
    const token = unsignedToken(
      { alg: 'none', typ: 'JWT' },
      {
        sub: 'google-oauth2|current',
        iss: TEST_ENV.AUTH0_DOMAIN,
        exp: NOW_SECONDS + 300,
        purpose: 'link-request',
        candidates: [CANDIDATE],
      },
    );
    expect((await rejection(token)).code).toBe('token_invalid');
  });

  it('rejects a token whose header claims RS256', async () => {
    const [, payload, signature] = (await signedLinkRequest()).split('.');
    const header = base64url.encode(JSON.stringify({ alg: 'RS256', typ: 'JWT' }));
    expect((await rejection(`${header}.${payload}.${signature}`)).message).toBe(
      'unexpected signing algorithm',
    );
  });

  it('rejects a token issued for another tenant', async () => {
    const token = await signedLinkRequest({ issuer: 'other-tenant.example.com' });
    expect((await rejection(token)).message).toBe('invalid "iss" claim');
  });

  it('rejects a token with another purpose, such as a returned link proof', async () => {
    const token = await signedLinkRequest({ purpose: 'link-proof' });
    expect((await rejection(token)).message).toBe('unexpected "purpose" claim');
  });

  it('rejects a token without candidates', async () => {
    expect((await rejection(await signedLinkRequest({ candidates: [] }))).message).toBe(
      'invalid "candidates" claim',
    );
  });

  it('rejects a token that names the current user as a candidate', async () => {
    const token = await signedLinkRequest({
      candidates: [{ ...CANDIDATE, user_id: 'google-oauth2|current' }],
    });
    expect((await rejection(token)).code).toBe('token_invalid');
  });

  it('rejects a token without an expiry', async () => {
    const token = await new SignJWT({ purpose: 'link-request', candidates: [CANDIDATE] })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('google-oauth2|current')
      .setIssuer(TEST_ENV.AUTH0_DOMAIN)
      .sign(new TextEncoder().encode(TEST_ENV.SESSION_TOKEN_SECRET));
    expect((await rejection(token)).code).toBe('token_invalid');
  });
});

describe('link proof signing', () => {
  it('signs a short-lived HS256 proof naming the original user, state, browser and decision', async () => {
    const token = await signLinkProof(
      {
        sub: 'google-oauth2|current',
        state: 'abc',
        browser: BROWSER,
        decision: 'link',
        linkedUserId: 'auth0|candidate',
      },
      context,
    );
    const [header = '', payload = ''] = token.split('.');
    expect(JSON.parse(new TextDecoder().decode(base64url.decode(header)))).toEqual({
      alg: 'HS256',
      typ: 'JWT',
    });
    expect(JSON.parse(new TextDecoder().decode(base64url.decode(payload)))).toEqual({
      purpose: 'link-proof',
      state: 'abc',
      decision: 'link',
      browser: BROWSER,
      linked_user_id: 'auth0|candidate',
      sub: 'google-oauth2|current',
      iss: TEST_ENV.AUTH0_DOMAIN,
      iat: NOW_SECONDS,
      exp: NOW_SECONDS + 120,
    });
  });
});
