import { compactDecrypt, errors, jwtVerify, SignJWT } from 'jose';
import { NOTICE_PURPOSES, type NoticeAnswer } from '../core/link-notice.ts';
import { deriveKey, LINK_REQUEST_JWE_HEADER } from '../core/link-request.ts';
import type { ConsentAnswer } from '../core/policy.ts';
import { aesGcmKey, hmacSha256Key } from './crypto-keys.ts';
import { SessionTokenError, type TokenErrorCode } from './errors.ts';

export interface LinkCandidate {
  readonly user_id: string;
  readonly email: string;
  readonly connection: string;
  readonly created_at?: string;
  /** Whether this account stays the main (primary) one if linked; otherwise the login's account does. */
  readonly primary: boolean;
}

/** The sign-in that asked: its connection and email, and when the Action asked (the request's `iat`). */
export interface LinkRequestLogin {
  readonly connection: string;
  readonly email: string;
  readonly created_at?: string;
  readonly at: string;
}

export interface LinkRequest {
  readonly sub: string;
  readonly login: LinkRequestLogin;
  readonly candidates: readonly LinkCandidate[];
  /** The Action's binding of the login's browser, returned unchanged in the proof (core/link-request.ts). */
  readonly browser: string;
}

export interface LinkProof {
  readonly sub: string;
  readonly state: string;
  readonly browser: string;
  readonly decision: ConsentAnswer;
  readonly linkedUserId?: string;
}

/** The Action's notice of a silent link it just made (actions/account-linking/notice.ts), for the notice page. */
export interface SilentLinkNotice {
  readonly sub: string;
  readonly browser: string;
  /** When the Action linked (ISO 8601). */
  readonly at: string;
  /** The email both accounts share. */
  readonly email: string;
  readonly linked: { readonly connection: string };
  readonly primary: { readonly user_id: string; readonly connection: string };
  readonly secondary: string;
}

/** The notice page's answer, back to the Action at /continue. */
export interface NoticeAnswerToken {
  readonly sub: string;
  readonly state: string;
  readonly browser: string;
  readonly decision: NoticeAnswer;
  readonly primary: string;
  readonly secondary: string;
}

export interface TokenContext {
  readonly secret: string;
  readonly issuer: string;
  readonly now: Date;
}

export const TOKEN_LIMITS = {
  proofLifetimeSeconds: 120,
  maxCandidates: 10,
  clockToleranceSeconds: 5,
} as const;

const STATE_CHARSET = /^[A-Za-z0-9._~-]{1,2048}$/;

export function isOpaqueState(value: string | undefined): value is string {
  return value !== undefined && STATE_CHARSET.test(value);
}

/** How a page the Action redirects to (`/consent`, `/notice`) was opened. */
export type RoundTripOpening<T> =
  /** Neither token nor state: the page itself reloaded once the query was stripped; its cookie holds the rest. */
  | { readonly kind: 'reload' }
  | { readonly kind: 'opened'; readonly request: T; readonly state: string }
  /** `state` is the tenant's only when it is an opaque token: then the page may still post it back to /continue. */
  | { readonly kind: 'refused'; readonly code: TokenErrorCode; readonly state: string | undefined };

/** Reads the Action's sealed `session_token` and the tenant's `state` from the query, and opens the token. */
export async function openRoundTrip<T>(
  request: { query(name: string): string | undefined },
  open: (token: string) => Promise<T>,
): Promise<RoundTripOpening<T>> {
  const token = request.query('session_token');
  const state = request.query('state');
  if (token === undefined && state === undefined) return { kind: 'reload' };
  if (!isOpaqueState(state) || token === undefined) return { kind: 'refused', code: 'token_invalid', state };
  try {
    return { kind: 'opened', request: await open(token), state };
  } catch (error) {
    const code =
      error instanceof SessionTokenError && error.code === 'token_expired'
        ? 'token_expired'
        : 'token_invalid';
    return { kind: 'refused', code, state };
  }
}

/** Opens the Action's sealed link request (core/link-request.ts), then verifies the signed token inside. */
export async function verifyLinkRequest(token: string, context: TokenContext): Promise<LinkRequest> {
  const { payload, sub, browser } = await verifySealed(token, context, 'link-request');
  return {
    sub,
    login: parseLogin(payload.login, new Date(Number(payload.iat) * 1000).toISOString()),
    candidates: parseCandidates(payload.candidates, sub),
    browser,
  };
}

/** Opens the Action's sealed notice of a silent link, checked like a link request. */
export async function verifyLinkNotice(token: string, context: TokenContext): Promise<SilentLinkNotice> {
  const { payload, sub, browser } = await verifySealed(token, context, NOTICE_PURPOSES.notice);
  const { at, email, linked, primary, secondary } = payload as Record<string, Record<string, unknown>>;
  const linkedConnection = linked?.connection;
  const primaryId = primary?.user_id;
  const primaryConnection = primary?.connection;
  if (
    !nonEmpty(at) ||
    !nonEmpty(email) ||
    !nonEmpty(linkedConnection) ||
    !nonEmpty(primaryId) ||
    !nonEmpty(primaryConnection) ||
    !nonEmpty(secondary) ||
    (sub !== primaryId && sub !== secondary)
  ) {
    throw new SessionTokenError('token_invalid', 'invalid link notice claims');
  }
  return {
    sub,
    browser,
    at,
    email,
    linked: { connection: linkedConnection },
    primary: { user_id: primaryId, connection: primaryConnection },
    secondary,
  };
}

export function signLinkProof(proof: LinkProof, context: TokenContext): Promise<string> {
  const claims: Record<string, string> = {
    purpose: 'link-proof',
    state: proof.state,
    decision: proof.decision,
    browser: proof.browser,
  };
  if (proof.linkedUserId !== undefined) claims.linked_user_id = proof.linkedUserId;
  return signReturnToken(proof.sub, claims, context);
}

export function signNoticeAnswer(answer: NoticeAnswerToken, context: TokenContext): Promise<string> {
  const { sub, ...claims } = answer;
  return signReturnToken(sub, { purpose: NOTICE_PURPOSES.answer, ...claims }, context);
}

/** What goes back to /continue: HS256, the Action's `sub` and the transaction's `state`, short-lived. */
async function signReturnToken(
  sub: string,
  claims: Record<string, string>,
  context: TokenContext,
): Promise<string> {
  const iat = Math.floor(context.now.getTime() / 1000);
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(sub)
    .setIssuer(context.issuer)
    .setIssuedAt(iat)
    .setExpirationTime(iat + TOKEN_LIMITS.proofLifetimeSeconds)
    .sign(await hmacSha256Key(context.secret));
}

async function verifySealed(
  token: string,
  context: TokenContext,
  purpose: string,
): Promise<{ payload: Record<string, unknown>; sub: string; browser: string }> {
  const signed = await openLinkRequest(token, context.secret);
  let payload: Record<string, unknown>;
  try {
    ({ payload } = await jwtVerify(signed, await hmacSha256Key(context.secret), {
      algorithms: ['HS256'],
      issuer: context.issuer,
      requiredClaims: ['exp', 'sub', 'iat'],
      currentDate: context.now,
      clockTolerance: TOKEN_LIMITS.clockToleranceSeconds,
    }));
  } catch (cause) {
    if (cause instanceof errors.JWTExpired) {
      throw new SessionTokenError('token_expired', 'the link request has expired', { cause });
    }
    throw new SessionTokenError('token_invalid', describeJoseFailure(cause), { cause });
  }
  if (payload.purpose !== purpose) {
    throw new SessionTokenError('token_invalid', 'unexpected "purpose" claim');
  }
  if (typeof payload.sub !== 'string' || payload.sub === '') {
    throw new SessionTokenError('token_invalid', 'missing required "sub" claim');
  }
  if (!nonEmpty(payload.browser))
    throw new SessionTokenError('token_invalid', 'missing required "browser" claim');
  return { payload, sub: payload.sub, browser: payload.browser };
}

async function openLinkRequest(token: string, secret: string): Promise<string> {
  try {
    const { plaintext, protectedHeader } = await compactDecrypt(
      token,
      await aesGcmKey(`link-request:${secret}`, () => deriveKey(secret, 'link-request-encryption')),
      {
        keyManagementAlgorithms: [LINK_REQUEST_JWE_HEADER.alg],
        contentEncryptionAlgorithms: [LINK_REQUEST_JWE_HEADER.enc],
      },
    );
    if (protectedHeader.cty !== LINK_REQUEST_JWE_HEADER.cty) throw new TypeError('unexpected "cty" header');
    return new TextDecoder().decode(plaintext);
  } catch (cause) {
    throw new SessionTokenError('token_invalid', 'the link request could not be decrypted', { cause });
  }
}

function describeJoseFailure(cause: unknown): string {
  if (cause instanceof errors.JWTClaimValidationFailed) return `invalid "${cause.claim}" claim`;
  if (cause instanceof errors.JOSEAlgNotAllowed) return 'unexpected signing algorithm';
  if (cause instanceof errors.JWSSignatureVerificationFailed) return 'signature verification failed';
  return 'malformed link request';
}

function parseCandidates(value: unknown, sub: string): LinkCandidate[] {
  if (!Array.isArray(value) || value.length === 0 || value.length > TOKEN_LIMITS.maxCandidates) {
    throw new SessionTokenError('token_invalid', 'invalid "candidates" claim');
  }
  return value.map((entry) => {
    const candidate = parseCandidate(entry);
    if (candidate.user_id === sub) throw new SessionTokenError('token_invalid', 'invalid "candidates" claim');
    return candidate;
  });
}

function parseLogin(value: unknown, at: string): LinkRequestLogin {
  const { connection, email, created_at } = (
    typeof value === 'object' && value !== null ? value : {}
  ) as Record<string, unknown>;
  if (!nonEmpty(connection) || !nonEmpty(email))
    throw new SessionTokenError('token_invalid', 'invalid "login" claim');
  return nonEmpty(created_at) ? { connection, email, created_at, at } : { connection, email, at };
}

function parseCandidate(entry: unknown): LinkCandidate {
  if (typeof entry !== 'object' || entry === null) {
    throw new SessionTokenError('token_invalid', 'invalid "candidates" claim');
  }
  const { user_id, email, connection, created_at, primary } = entry as Record<string, unknown>;
  if (!nonEmpty(user_id) || !nonEmpty(email) || !nonEmpty(connection) || typeof primary !== 'boolean') {
    throw new SessionTokenError('token_invalid', 'invalid "candidates" claim');
  }
  const candidate = { user_id, email, connection, primary };
  return nonEmpty(created_at) ? { ...candidate, created_at } : candidate;
}

function nonEmpty(value: unknown): value is string {
  return typeof value === 'string' && value !== '';
}
