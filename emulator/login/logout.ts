import { randomBytes } from 'node:crypto';
import type { Context } from 'hono';
import { Hono } from 'hono';
import { deleteCookie, getCookie } from 'hono/cookie';
import type { JWTPayload } from 'jose';
import type { TenantContext, TenantEnv } from '../context.ts';
import type { ClientRecord } from '../store.ts';
import { sendBackchannelLogout } from './backchannel-logout.ts';
import { formOf } from './form.ts';
import { errorPage, logoutConfirmationPage, messagePage } from './page.ts';
import { SSO_COOKIE, type SsoSessions } from './sso-sessions.ts';

type Ctx = Context<TenantEnv>;

const LOGOUT_PARAMETERS = [
  'id_token_hint',
  'logout_hint',
  'client_id',
  'post_logout_redirect_uri',
  'state',
] as const;

/**
 * `/v2/logout` (https://auth0.com/docs/authenticate/login/logout/redirect-users-after-logout) and `/oidc/logout`
 * (https://auth0.com/docs/authenticate/login/logout/log-users-out-of-auth0). Both end the browser's SSO session and
 * send each of its applications a back-channel logout token; neither ever redirects to an unregistered URL.
 */
export function logoutRoutes(tenant: TenantContext, sessions: SsoSessions): Hono<TenantEnv> {
  const app = new Hono<TenantEnv>();

  async function endSession(c: Ctx): Promise<void> {
    const ended = sessions.end(getCookie(c, SSO_COOKIE));
    deleteCookie(c, SSO_COOKIE, { path: '/', secure: true, sameSite: 'None' });
    if (ended === undefined) return;
    // The session's refresh tokens name its sid (auth0.com/docs/secure/tokens/manage-refresh-tokens-with-auth0-management-api,
    // "Session ID"); a logout ends them with it, so a token copied before the logout opens nothing after it.
    const { sid } = ended;
    tenant.refreshTokens.revokeWhere((grant) => grant.sid === sid);
    await sendBackchannelLogout(tenant, ended);
  }

  app.get('/v2/logout', async (c) => {
    const { client_id: clientId, returnTo } = c.req.query();
    const client = clientId === undefined ? undefined : tenant.store.getClient(clientId);
    if (clientId !== undefined && client === undefined)
      return c.html(errorPage('Unknown client: check client_id.'), 400);
    const allowed = allowedLogoutUrls(tenant, client);
    // Auth0 compares returnTo without its query string and fragment.
    if (returnTo !== undefined && !allowed.includes(withoutQuery(returnTo))) {
      return c.html(errorPage(notAllowedMessage('returnTo', returnTo)), 400);
    }
    await endSession(c);
    const target = returnTo ?? (client === undefined ? undefined : allowed[0]);
    if (target === undefined) return c.html(loggedOutPage());
    return c.redirect(target);
  });

  const oidcLogout = async (c: Ctx) => {
    const params = c.req.method === 'POST' ? await formOf(c) : c.req.query();
    let hint: JWTPayload | undefined;
    if (params.id_token_hint !== undefined) {
      hint = await tenant.tokens.verifyHint(params.id_token_hint).catch(() => undefined);
      if (hint === undefined) return refuse(c, 'The id_token_hint is not an ID token this tenant issued.');
    }
    const hintClient = typeof hint?.aud === 'string' ? hint.aud : undefined;
    if (params.client_id !== undefined && hint !== undefined && params.client_id !== hintClient)
      return refuse(c, 'The client_id does not match the aud claim of the id_token_hint.');
    if (params.logout_hint !== undefined && hint !== undefined && params.logout_hint !== hint.sid)
      return refuse(c, 'The logout_hint does not match the sid claim of the id_token_hint.');
    const clientId = params.client_id ?? hintClient;
    const client = clientId === undefined ? undefined : tenant.store.getClient(clientId);
    if (clientId !== undefined && client === undefined) return refuse(c, 'Unknown client: check client_id.');
    const redirect = params.post_logout_redirect_uri;
    const allowed = allowedLogoutUrls(tenant, client);
    if (redirect !== undefined && !allowed.includes(redirect))
      return refuse(c, notAllowedMessage('post_logout_redirect_uri', redirect));

    const cookie = getCookie(c, SSO_COOKIE);
    const session = sessions.get(cookie);
    const named = typeof hint?.sid === 'string' ? hint.sid : params.logout_hint;
    // Auth0 asks the person to confirm a logout that does not name the browser's current session.
    if (session !== undefined && named !== session.sid) {
      const confirmed = params.confirm !== undefined && params.confirm === session.logoutConfirmation;
      if (!confirmed) {
        session.logoutConfirmation = randomBytes(16).toString('base64url');
        const fields = Object.fromEntries(
          LOGOUT_PARAMETERS.flatMap((name) => (params[name] === undefined ? [] : [[name, params[name]]])),
        );
        return c.html(
          logoutConfirmationPage(tenant.domain, { ...fields, confirm: session.logoutConfirmation }),
        );
      }
    }
    await endSession(c);
    const target = redirect ?? (client === undefined ? undefined : allowed[0]);
    if (target === undefined) return c.html(loggedOutPage());
    const url = new URL(target);
    if (params.state !== undefined) url.searchParams.set('state', params.state);
    return c.redirect(url.toString());
  };
  app.get('/oidc/logout', oidcLogout);
  app.post('/oidc/logout', oidcLogout);

  return app;
}

/** The client's Allowed Logout URLs, or the tenant's when the request names no client. */
function allowedLogoutUrls(tenant: TenantContext, client: ClientRecord | undefined): string[] {
  const urls =
    client === undefined ? tenant.store.settings().allowed_logout_urls : client.allowed_logout_urls;
  return Array.isArray(urls) ? urls.filter((url): url is string => typeof url === 'string') : [];
}

function withoutQuery(url: string): string {
  return url.replace(/[?#].*$/s, '');
}

/** Auth0's wording, e.g. `The "returnTo" querystring parameter "…" is not defined as a valid URL in …`. */
function notAllowedMessage(parameter: string, value: string): string {
  return `The "${parameter}" querystring parameter "${value}" is not defined as a valid URL in "Allowed Logout URLs".`;
}

function refuse(c: Ctx, message: string) {
  return c.html(errorPage(`invalid_request: ${message}`), 400);
}

function loggedOutPage(): string {
  return messagePage('Logged out', 'You are logged out of the local tenant.');
}
