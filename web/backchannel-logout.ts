import type { Hono } from 'hono';
import { SESSION_SECONDS } from './account.ts';
import type { LogoutTokenClaims, LogoutTokenVerifier } from './logout-token.ts';
import { type ManagementPort, managementFailure } from './management.ts';
import { WEB_ROUTES } from './routes.ts';
import type { WebEnv } from './security-headers.ts';
import { revocationPatch } from './session-revocation.ts';

export interface BackchannelLogoutDeps {
  readonly management: ManagementPort;
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
      const user = await deps.management.getUser(claims.sub);
      const target = claims.sid === undefined ? 'all' : { sid: claims.sid };
      const patch = revocationPatch(user.app_metadata, target, deps.now().getTime(), SESSION_SECONDS * 1000);
      await deps.management.updateUser(claims.sub, { app_metadata: patch });
    } catch (error) {
      const failure = managementFailure(error);
      // A user who no longer exists (deleted, or linked into another) has no session left to end.
      if (failure !== 'not_found') {
        deps.log('backchannel_logout_failed', { code: failure });
        return refuse('temporarily_unavailable', 'the session could not be ended; send the logout again');
      }
    }
    deps.log('backchannel_logout', { sub: claims.sub, scope: claims.sid === undefined ? 'user' : 'session' });
    return c.body(null, 200);
  });
}
