import { decodeJwt, decodeProtectedHeader, exportJWK, generateKeyPair, jwtVerify, SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { createPostLoginApi } from '../../../emulator/actions-runtime/api.ts';
import { ActionsRuntimeError, RedirectTokenError } from '../../../emulator/actions-runtime/errors.ts';
import { SESSION_TOKEN_REASONS, signHs256 } from '../../../emulator/actions-runtime/redirect-token.ts';
import type { PostLoginEventOverrides } from '../../support/post-login-event.ts';
import { makePostLoginEvent } from '../../support/post-login-event.ts';
import { thrownBy } from '../../support/thrown.ts';

const SECRET = 'a-session-token-secret-of-32-chars!';
const NOW = Date.parse('2025-03-14T09:30:00.000Z');
const NOW_S = NOW / 1000;
const USER_ID = 'auth0|65f1c2a9e4b0d1a2b3c4d5e6';
const HOST = 'acme.eu.auth0.com';
const STATE = 'continue-state-123';

const key = new TextEncoder().encode(SECRET);

function runAt(overrides: PostLoginEventOverrides = {}, now = NOW) {
  return createPostLoginApi({
    event: makePostLoginEvent({ user: { user_id: USER_ID }, request: { hostname: HOST }, ...overrides }),
    phase: 'continue',
    now: () => now,
  });
}

function returnToken(claims: Record<string, unknown> = {}, secret = key) {
  const payload = {
    sub: USER_ID,
    iss: HOST,
    iat: NOW_S,
    exp: NOW_S + 120,
    state: STATE,
    purpose: 'link-proof',
  };
  return new SignJWT({ ...payload, ...claims }).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(secret);
}

function continueWith(token: string, params: Record<string, string> = { state: STATE }) {
  return runAt({
    request: { method: 'POST', query: { state: STATE }, body: { ...params, session_token: token } },
  });
}

describe('api.redirect.encodeToken', () => {
  it('signs an HS256 JWT with header {alg: HS256, typ: JWT} that jose verifies with the raw secret', async () => {
    const token = runAt().api.redirect.encodeToken({ secret: SECRET, payload: {} });
    expect(decodeProtectedHeader(token)).toEqual({ alg: 'HS256', typ: 'JWT' });
    const { payload } = await jwtVerify(token, key, { algorithms: ['HS256'], currentDate: new Date(NOW) });
    expect(payload.sub).toBe(USER_ID);
  });

  it("sets iat, iss = request.hostname, sub = user_id, exp = iat + 900 and ip, like Auth0's RedirectAPIImpl", () => {
    const { api } = runAt({ request: { ip: '198.51.100.7' } });
    const claims = decodeJwt(
      api.redirect.encodeToken({ secret: SECRET, payload: { purpose: 'link-request' } }),
    );
    expect(claims).toEqual({
      iat: NOW_S,
      iss: HOST,
      sub: USER_ID,
      exp: NOW_S + 900,
      ip: '198.51.100.7',
      purpose: 'link-request',
    });
  });

  it('uses expiresInSeconds for exp', () => {
    const token = runAt().api.redirect.encodeToken({ secret: SECRET, payload: {}, expiresInSeconds: 300 });
    expect(decodeJwt(token).exp).toBe(NOW_S + 300);
  });

  it('lets the payload override the standard claims, as Auth0 spreads it last', () => {
    const token = runAt().api.redirect.encodeToken({ secret: SECRET, payload: { sub: 'other', exp: 1 } });
    expect(decodeJwt(token)).toMatchObject({ sub: 'other', exp: 1 });
  });

  it('refuses an empty secret', () => {
    expect(() => runAt().api.redirect.encodeToken({ secret: '', payload: {} })).toThrow(ActionsRuntimeError);
  });
});

describe('api.redirect.validateToken', () => {
  it('returns the payload of a valid return token posted to /continue', async () => {
    const { api } = continueWith(await returnToken({ decision: 'link' }));
    expect(api.redirect.validateToken({ secret: SECRET })).toMatchObject({
      sub: USER_ID,
      state: STATE,
      decision: 'link',
    });
  });

  it('reads the token from the query string too', async () => {
    const token = await returnToken();
    const { api } = runAt({ request: { query: { state: STATE, session_token: token }, body: {} } });
    expect(api.redirect.validateToken({ secret: SECRET }).sub).toBe(USER_ID);
  });

  it('prefers the POST body over the query string', async () => {
    const good = await returnToken();
    const { api } = runAt({
      request: {
        query: { state: STATE, session_token: 'garbage' },
        body: { state: STATE, session_token: good },
      },
    });
    expect(api.redirect.validateToken({ secret: SECRET }).sub).toBe(USER_ID);
  });

  it('reads a custom tokenParameterName', async () => {
    const token = await returnToken();
    const { api } = runAt({ request: { query: {}, body: { state: STATE, proof: token } } });
    expect(api.redirect.validateToken({ secret: SECRET, tokenParameterName: 'proof' }).sub).toBe(USER_ID);
  });

  it("names the missing parameter in Auth0's words", () => {
    const { api } = runAt({ request: { query: { state: STATE }, body: {} } });
    expect(() => api.redirect.validateToken({ secret: SECRET, tokenParameterName: 'proof' })).toThrow(
      "There is no parameter called 'proof' available in either the POST body or query string.",
    );
  });

  it('reports a missing parameter with code missing_token_parameter', () => {
    const { api } = runAt({ request: { query: {}, body: {} } });
    expect(() => api.redirect.validateToken({ secret: SECRET })).toThrow(
      expect.objectContaining({ code: 'missing_token_parameter' }),
    );
  });

  it('rejects a token whose payload was tampered with after signing', async () => {
    const [header, , signature] = (await returnToken()).split('.');
    const forged = Buffer.from(
      JSON.stringify({ sub: USER_ID, iss: HOST, exp: NOW_S + 60, state: STATE, admin: true }),
    );
    const { api } = continueWith(`${header}.${forged.toString('base64url')}.${signature}`);
    const error = thrownBy(RedirectTokenError, () => api.redirect.validateToken({ secret: SECRET }));
    expect(error.message).toBe(`The session token is invalid: ${SESSION_TOKEN_REASONS.signature}`);
  });

  it.each([
    [
      'signed with another secret',
      {},
      new TextEncoder().encode('another-secret-of-at-least-32-characters'),
      SESSION_TOKEN_REASONS.signature,
    ],
    ['expired', { exp: NOW_S }, key, SESSION_TOKEN_REASONS.expired],
    ['without a state claim', { state: undefined }, key, SESSION_TOKEN_REASONS.stateMismatch],
    ['issued for another user', { sub: 'auth0|someone-else' }, key, SESSION_TOKEN_REASONS.subject],
    ['from another issuer', { iss: 'evil.example.com' }, key, SESSION_TOKEN_REASONS.issuer],
  ])('rejects a token %s', async (_case, claims, secret, reason) => {
    const token = await returnToken(claims, secret);
    const error = thrownBy(RedirectTokenError, () =>
      continueWith(token).api.redirect.validateToken({ secret: SECRET }),
    );
    expect(error.reason).toBe(reason);
  });

  it("rejects a token whose state does not match the /continue state, with Auth0's message", async () => {
    const token = await returnToken({ state: 'some-other-state' });
    const error = thrownBy(RedirectTokenError, () =>
      continueWith(token).api.redirect.validateToken({ secret: SECRET }),
    );
    expect(error.message).toBe(
      'The session token is invalid: State in the token does not match the /continue state.',
    );
  });

  it('rejects a token when /continue carries no state at all', async () => {
    const token = await returnToken();
    const { api } = runAt({ request: { query: {}, body: { session_token: token } } });
    expect(thrownBy(RedirectTokenError, () => api.redirect.validateToken({ secret: SECRET })).reason).toBe(
      SESSION_TOKEN_REASONS.stateMismatch,
    );
  });

  it('rejects an unsigned token with alg none', () => {
    const header = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
    const claims = { sub: USER_ID, iss: HOST, iat: NOW_S, exp: NOW_S + 60, state: STATE };
    const token = `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.`;
    const error = thrownBy(RedirectTokenError, () =>
      continueWith(token).api.redirect.validateToken({ secret: SECRET }),
    );
    expect(error.reason).toBe(SESSION_TOKEN_REASONS.algorithm);
  });

  it('rejects an RS256 token even when it verifies with its own key', async () => {
    const { privateKey, publicKey } = await generateKeyPair('RS256');
    const token = await new SignJWT({ state: STATE })
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT', jwk: await exportJWK(publicKey) })
      .setSubject(USER_ID)
      .setIssuer(HOST)
      .setExpirationTime(NOW_S + 60)
      .sign(privateKey);
    const error = thrownBy(RedirectTokenError, () =>
      continueWith(token).api.redirect.validateToken({ secret: SECRET }),
    );
    expect(error.reason).toBe(SESSION_TOKEN_REASONS.algorithm);
  });

  it('rejects a token that is not a JWT', () => {
    const error = thrownBy(RedirectTokenError, () =>
      continueWith('not-a-jwt').api.redirect.validateToken({ secret: SECRET }),
    );
    expect(error.reason).toBe(SESSION_TOKEN_REASONS.malformed);
  });

  it('rejects a correctly signed token missing exp', () => {
    const token = signHs256({ sub: USER_ID, iss: HOST, state: STATE }, SECRET);
    const error = thrownBy(RedirectTokenError, () =>
      continueWith(token).api.redirect.validateToken({ secret: SECRET }),
    );
    expect(error.reason).toBe(SESSION_TOKEN_REASONS.claims);
  });

  it('accepts a token it encoded itself once the consent page adds the state', () => {
    const { api } = runAt();
    const outbound = decodeJwt(api.redirect.encodeToken({ secret: SECRET, payload: {} }));
    const token = signHs256({ ...outbound, state: STATE }, SECRET);
    expect(continueWith(token).api.redirect.validateToken({ secret: SECRET }).sub).toBe(USER_ID);
  });
});
