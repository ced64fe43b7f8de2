import { WebError } from './errors.ts';
import {
  finishAuthorization,
  type IdTokenClaims,
  type OidcPort,
  type StartedAuthorization,
  startAuthorization,
} from './oidc.ts';

/** Tolerated clock difference between this server and the tenant when comparing `auth_time`. */
export const AUTH_TIME_SKEW_SECONDS = 5;

/**
 * The re-authentication asked for `max_age=0`, so the tenant must report a login that happened
 * after we sent the user there; an older `auth_time` means the tenant reused a session.
 */
function requireFreshLogin(claims: IdTokenClaims, notBeforeSeconds: number): void {
  const authTime = claims.auth_time;
  if (typeof authTime !== 'number' || authTime < notBeforeSeconds - AUTH_TIME_SKEW_SECONDS) {
    throw new WebError('reauth_not_fresh', 'the sign-in was not fresh');
  }
}

function requireSubject(claims: IdTokenClaims, expectedSub: string): void {
  if (claims.sub !== expectedSub) {
    throw new WebError('reauth_wrong_account', 'signed in with a different account than the one to link');
  }
}

export function epochSeconds(now: Date): number {
  return Math.floor(now.getTime() / 1000);
}

/**
 * Starts a sign-in to `connection` with the re-authentication client that the tenant may not answer from its session
 * (`prompt=login`, `max_age=0`), so that `finishReauthentication` can require a login made after it started.
 */
export function startReauthentication(
  oidc: OidcPort,
  redirectUri: string,
  target: { readonly connection: string; readonly loginHint?: string | undefined },
): Promise<StartedAuthorization> {
  const hint = target.loginHint === undefined ? {} : { login_hint: target.loginHint };
  return startAuthorization(oidc, {
    client: 'reauth',
    redirectUri,
    params: { connection: target.connection, ...hint, prompt: 'login', max_age: '0' },
  });
}

/**
 * Ends a re-authentication at its callback: the validated claims of a login made after `started.startedAt` (epoch
 * seconds) and, when `expectedSub` is named, to exactly that account.
 */
export async function finishReauthentication(
  oidc: OidcPort,
  callback: { webUrl: string; path: string; requestUrl: string },
  started: Pick<StartedAuthorization, 'state' | 'nonce' | 'codeVerifier'> & { readonly startedAt: number },
  expectedSub?: string,
): Promise<IdTokenClaims> {
  const claims = await finishAuthorization(oidc, 'reauth', callback, started);
  if (expectedSub !== undefined) requireSubject(claims, expectedSub);
  requireFreshLogin(claims, started.startedAt);
  return claims;
}
