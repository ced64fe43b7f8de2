import { WebError } from './errors.ts';
import type { IdTokenClaims } from './oidc.ts';

/** Tolerated clock difference between this server and the tenant when comparing `auth_time`. */
export const AUTH_TIME_SKEW_SECONDS = 5;

/**
 * The re-authentication asked for `max_age=0`, so the tenant must report a login that happened
 * after we sent the user there; an older `auth_time` means the tenant reused a session.
 */
export function requireFreshLogin(claims: IdTokenClaims, notBeforeSeconds: number): void {
  const authTime = claims.auth_time;
  if (typeof authTime !== 'number' || authTime < notBeforeSeconds - AUTH_TIME_SKEW_SECONDS) {
    throw new WebError('reauth_not_fresh', 'the sign-in was not fresh');
  }
}

export function requireSubject(claims: IdTokenClaims, expectedSub: string): void {
  if (claims.sub !== expectedSub) {
    throw new WebError('reauth_wrong_account', 'signed in with a different account than the one to link');
  }
}

export function epochSeconds(now: Date): number {
  return Math.floor(now.getTime() / 1000);
}
