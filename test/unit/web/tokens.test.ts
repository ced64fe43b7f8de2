import { base64url, SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { SessionTokenError } from '../../../web/errors.ts';
import { signLinkProof, verifyLinkRequest } from '../../../web/tokens.ts';
import { BROWSER, CANDIDATE, linkRequestToken, NOW, NOW_SECONDS, TEST_ENV } from './support.ts';

const context = { secret: TEST_ENV.SESSION_TOKEN_SECRET, issuer: TEST_ENV.AUTH0_DOMAIN, now: NOW };

async function rejection(token: string): Promise<SessionTokenError> {
  try {
    await verifyLinkRequest(token, context);
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
    const request = await verifyLinkRequest(await linkRequestToken(), context);
    expect(request).toEqual({ sub: 'google-oauth2|current', candidates: [CANDIDATE], browser: BROWSER });
  });

  it('rejects a token without the browser binding', async () => {
    const error = await rejection(await linkRequestToken({ browser: '' }));
    expect(error.message).toBe('missing required "browser" claim');
  });

  it('rejects a token whose payload was changed', async () => {
    const [header, , signature] = (await linkRequestToken()).split('.');
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
    const token = await linkRequestToken({ iat: NOW_SECONDS - 600, expiresIn: 300 });
    expect((await rejection(token)).code).toBe('token_expired');
  });

  it('rejects a token signed with another secret', async () => {
    const token = await linkRequestToken({ secret: 'another-secret-of-at-least-32-characters!' });
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
    const [, payload, signature] = (await linkRequestToken()).split('.');
    const header = base64url.encode(JSON.stringify({ alg: 'RS256', typ: 'JWT' }));
    expect((await rejection(`${header}.${payload}.${signature}`)).message).toBe(
      'unexpected signing algorithm',
    );
  });

  it('rejects a token issued for another tenant', async () => {
    const token = await linkRequestToken({ issuer: 'other-tenant.example.com' });
    expect((await rejection(token)).message).toBe('invalid "iss" claim');
  });

  it('rejects a token with another purpose, such as a returned link proof', async () => {
    const token = await linkRequestToken({ purpose: 'link-proof' });
    expect((await rejection(token)).message).toBe('unexpected "purpose" claim');
  });

  it('rejects a token without candidates', async () => {
    expect((await rejection(await linkRequestToken({ candidates: [] }))).message).toBe(
      'invalid "candidates" claim',
    );
  });

  it('rejects a token that names the current user as a candidate', async () => {
    const token = await linkRequestToken({
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
