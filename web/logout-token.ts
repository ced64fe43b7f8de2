import { createRemoteJWKSet, type JWTPayload, type JWTVerifyGetKey, jwtVerify } from 'jose';
import type { WebConfig } from './config.ts';
import { WebError } from './errors.ts';

export const BACKCHANNEL_LOGOUT_EVENT = 'http://schemas.openid.net/event/backchannel-logout';
/** Auth0's own sample receiver accepts logout tokens up to 2 minutes old; replays are bounded by this window. */
const MAX_TOKEN_AGE_SECONDS = 120;
const CLOCK_TOLERANCE_SECONDS = 30;
const JWKS_TIMEOUT_MS = 5_000;

export interface LogoutTokenClaims {
  readonly sub: string;
  readonly sid?: string;
}

export type LogoutTokenVerifier = (token: string, now: Date) => Promise<LogoutTokenClaims>;

/**
 * Validates a logout token as OpenID Connect Back-Channel Logout 1.0 section 2.6 asks: RS256 signature by the
 * tenant's JWKS, `iss`, `aud` (the web app's login client), a recent `iat`, `exp`, `jti`, the back-channel logout
 * event, and no `nonce` (so an ID token can never pass as one). `sub` is required here: the user's metadata is where
 * the session's end is recorded. `keys` defaults to the tenant's published JWKS.
 */
export function createLogoutTokenVerifier(config: WebConfig, keys?: JWTVerifyGetKey): LogoutTokenVerifier {
  const jwks =
    keys ??
    createRemoteJWKSet(new URL(`${config.tenantOrigin}/.well-known/jwks.json`), {
      timeoutDuration: JWKS_TIMEOUT_MS,
    });
  return async (token, now) => {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, jwks, {
        issuer: `${config.tenantOrigin}/`,
        audience: config.webClient.clientId,
        algorithms: ['RS256'],
        currentDate: now,
        maxTokenAge: MAX_TOKEN_AGE_SECONDS,
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
        requiredClaims: ['iat', 'exp', 'jti', 'sub'],
      }));
    } catch (cause) {
      throw invalid(`the logout token failed validation (${errorCode(cause)})`, cause);
    }
    const events = payload.events as Record<string, unknown> | undefined;
    const event =
      typeof events === 'object' && events !== null ? events[BACKCHANNEL_LOGOUT_EVENT] : undefined;
    if (typeof event !== 'object' || event === null) throw invalid('missing the back-channel logout event');
    if ('nonce' in payload) throw invalid('a logout token must not carry a "nonce" claim');
    if (payload.sid !== undefined && typeof payload.sid !== 'string') throw invalid('"sid" must be a string');
    return { sub: String(payload.sub), ...(payload.sid === undefined ? {} : { sid: payload.sid }) };
  };
}

function errorCode(cause: unknown): string {
  return typeof cause === 'object' && cause !== null && 'code' in cause ? String(cause.code) : 'unknown';
}

function invalid(message: string, cause?: unknown): WebError {
  return new WebError('logout_token_invalid', message, { cause });
}
