import { createHmac } from 'node:crypto';
import type { EncodeTokenOptions, Request, ValidateTokenOptions } from '../../actions/types/post-login.ts';
import { constantTimeEqual } from '../../core/constant-time.ts';
import { ActionsRuntimeError, RedirectTokenError } from './errors.ts';

// Auth0's api.redirect.encodeToken / validateToken are synchronous, so HS256 is done with node:crypto
// here (jose only signs and verifies asynchronously); tests cross-check these tokens with jose.
// Claim logic: auth0/auth0-actions src/post-login/v3/test/index.js, class RedirectAPIImpl.

export const DEFAULT_TOKEN_LIFETIME_SECONDS = 900;
export const DEFAULT_TOKEN_PARAMETER = 'session_token';

/** Reasons appended to `The session token is invalid: `. Only `stateMismatch` is Auth0's verbatim text
 * (community.auth0.com/t/decode-session-token-in-continue-action/133463); the others are ours. */
export const SESSION_TOKEN_REASONS = Object.freeze({
  malformed: 'The token is not a well-formed JWT.',
  algorithm: 'The token must be signed with HS256.',
  type: 'The token type must be JWT.',
  signature: 'Failed signature validation.',
  claims: 'Missing or invalid standard claims.',
  expired: 'The token has expired.',
  notYetValid: 'The token is not yet valid.',
  issuer: 'The iss claim does not match the tenant hostname.',
  subject: 'The sub claim does not match the user_id.',
  stateMismatch: 'State in the token does not match the /continue state.',
});

export type JwtPayload = Record<string, unknown>;

export interface TokenIssuer {
  userId: string;
  hostname: string | undefined;
  ip: string;
  /** Epoch milliseconds. */
  now: number;
}

export function signHs256(payload: JwtPayload, secret: string): string {
  const header = base64urlJson({ alg: 'HS256', typ: 'JWT' });
  const body = base64urlJson(payload);
  return `${header}.${body}.${hmac(`${header}.${body}`, secret)}`;
}

export function encodeSessionToken(options: EncodeTokenOptions, issuer: TokenIssuer): string {
  assertSecret(options.secret);
  const iat = Math.floor(issuer.now / 1000);
  const payload: JwtPayload = {
    iat,
    iss: issuer.hostname,
    sub: issuer.userId,
    exp: iat + (options.expiresInSeconds ?? DEFAULT_TOKEN_LIFETIME_SECONDS),
    ip: issuer.ip,
    ...options.payload,
  };
  return signHs256(payload, options.secret);
}

export interface VerifySessionTokenInput {
  token: string;
  secret: string;
  issuer: string | undefined;
  expectedState: string | undefined;
  expectedSub: string;
  /** Epoch milliseconds. */
  now: number;
}

export type VerifySessionTokenResult =
  | { valid: true; payload: JwtPayload }
  | { valid: false; reason: string };

/** The platform half of validateToken: never throws, answers with a reason like Auth0's trigger API. */
export function verifySessionToken(input: VerifySessionTokenInput): VerifySessionTokenResult {
  const invalid = (reason: string): VerifySessionTokenResult => ({ valid: false, reason });
  const parts = input.token.split('.');
  if (parts.length !== 3) return invalid(SESSION_TOKEN_REASONS.malformed);
  const [rawHeader, rawPayload, signature] = parts as [string, string, string];
  const header = parseJsonSegment(rawHeader);
  const payload = parseJsonSegment(rawPayload);
  if (!header || !payload) return invalid(SESSION_TOKEN_REASONS.malformed);

  if (header.alg !== 'HS256') return invalid(SESSION_TOKEN_REASONS.algorithm);
  if (header.typ !== undefined && String(header.typ).toUpperCase() !== 'JWT') {
    return invalid(SESSION_TOKEN_REASONS.type);
  }
  if (!signatureMatches(`${rawHeader}.${rawPayload}`, signature, input.secret)) {
    return invalid(SESSION_TOKEN_REASONS.signature);
  }

  const { sub, iss, exp, nbf } = payload;
  if (typeof sub !== 'string' || typeof iss !== 'string' || typeof exp !== 'number') {
    return invalid(SESSION_TOKEN_REASONS.claims);
  }
  const nowSeconds = Math.floor(input.now / 1000);
  if (exp <= nowSeconds) return invalid(SESSION_TOKEN_REASONS.expired);
  if (typeof nbf === 'number' && nbf > nowSeconds) return invalid(SESSION_TOKEN_REASONS.notYetValid);
  if (iss !== input.issuer) return invalid(SESSION_TOKEN_REASONS.issuer);
  if (sub !== input.expectedSub) return invalid(SESSION_TOKEN_REASONS.subject);
  // A missing /continue state never matches: Auth0 rejects such a resume before the Action runs.
  if (input.expectedState === undefined || payload.state !== input.expectedState) {
    return invalid(SESSION_TOKEN_REASONS.stateMismatch);
  }
  return { valid: true, payload };
}

export interface TokenValidationContext {
  request: Request;
  userId: string;
  /** Epoch milliseconds. */
  now: number;
}

/** api.redirect.validateToken: reads the token from `{...query, ...body}` and throws Auth0's messages. */
export function validateSessionToken(
  options: ValidateTokenOptions,
  context: TokenValidationContext,
): JwtPayload {
  assertSecret(options.secret);
  const parameter = options.tokenParameterName || DEFAULT_TOKEN_PARAMETER;
  const params: Record<string, unknown> = { ...context.request.query, ...context.request.body };
  const token = params[parameter];
  if (typeof token !== 'string' || token.length === 0) {
    throw new ActionsRuntimeError(
      'missing_token_parameter',
      `There is no parameter called '${parameter}' available in either the POST body or query string.`,
    );
  }
  const state = params.state;
  const result = verifySessionToken({
    token,
    secret: options.secret,
    issuer: context.request.hostname,
    expectedState: typeof state === 'string' ? state : undefined,
    expectedSub: context.userId,
    now: context.now,
  });
  if (!result.valid) throw new RedirectTokenError(result.reason);
  return result.payload;
}

function assertSecret(secret: unknown): asserts secret is string {
  if (typeof secret !== 'string' || secret.length === 0) {
    throw new ActionsRuntimeError(
      'invalid_session_token_secret',
      'The session token secret must be a non-empty string.',
    );
  }
}

function hmac(input: string, secret: string): string {
  return createHmac('sha256', secret).update(input).digest('base64url');
}

function signatureMatches(input: string, signature: string, secret: string): boolean {
  return constantTimeEqual(hmac(input, secret), signature);
}

function base64urlJson(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

function parseJsonSegment(segment: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
    return value !== null && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
