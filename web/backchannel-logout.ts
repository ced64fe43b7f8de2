import type { Hono } from 'hono';
import { SESSION_SECONDS } from './account.ts';
import type { LogoutTokenClaims, LogoutTokenVerifier } from './logout-token.ts';
import { type ManagedUser, managementFailure, type WebManagementPort } from './management.ts';
import { WEB_ROUTES } from './routes.ts';
import type { WebEnv } from './security-headers.ts';
import { revocationPatch } from './session-revocation.ts';

export interface BackchannelLogoutDeps {
  readonly management: WebManagementPort;
  readonly verifyLogoutToken: LogoutTokenVerifier;
  readonly now: () => Date;
  readonly log: (event: string, fields: Record<string, string | number>) => void;
}

/**
 * The OIDC Back-Channel Logout receiver (https://auth0.com/docs/authenticate/login/logout/back-channel-logout): the
 * tenant POSTs `logout_token` when a session ends, and the web app records the end in the user's metadata, where every
 * instance reads it (session-revocation.ts). 200 once recorded; 400 with an OAuth error body otherwise, as the
 * specification asks (Auth0 logs the failure as `fslo`).
 */
export function mountBackchannelLogout(app: Hono<WebEnv>, deps: BackchannelLogoutDeps): void {
  app.post(WEB_ROUTES.backchannelLogout, async (c) => {
    const refuse = (error: string, description: string) =>
      c.json({ error, error_description: description }, 400);
    const token = (await c.req.parseBody()).logout_token;
    if (typeof token !== 'string' || token === '')
      return refuse('invalid_request', 'logout_token is required');
    let claims: LogoutTokenClaims;
    try {
      claims = await deps.verifyLogoutToken(token, deps.now());
    } catch (error) {
      deps.log('backchannel_logout_refused', { reason: error instanceof Error ? error.message : 'unknown' });
      return refuse('invalid_request', 'the logout token is invalid');
    }
    try {
      const user = await sessionOwner(deps.management, claims.sub);
      const target = claims.sid === undefined ? 'all' : { sid: claims.sid };
      // A user who no longer exists and is no one's identity (deleted) has no session left to end.
      if (user !== undefined) {
        const patch = revocationPatch(
          user.app_metadata,
          target,
          deps.now().getTime(),
          SESSION_SECONDS * 1000,
        );
        await deps.management.updateUser(user.user_id, { app_metadata: patch });
      }
    } catch (error) {
      const failure = managementFailure(error);
      if (failure !== 'not_found') {
        deps.log('backchannel_logout_failed', { code: failure });
        return refuse('temporarily_unavailable', 'the session could not be ended; send the logout again');
      }
    }
    deps.log('backchannel_logout', { sub: claims.sub, scope: claims.sid === undefined ? 'user' : 'session' });
    return c.body(null, 200);
  });
}

/**
 * Whose sessions a logout token for `sub` ends: that user's, or, once it was linked into another, the primary's. The
 * tenant names the user its application was given at login, and the account page moves a session to the primary
 * when it links the signed-in user into another account (docs/sessions.md).
 */
async function sessionOwner(management: WebManagementPort, sub: string): Promise<ManagedUser | undefined> {
  try {
    return await management.getUser(sub);
  } catch (error) {
    if (managementFailure(error) !== 'not_found') throw error;
  }
  return management.userWithIdentity(sub);
}
