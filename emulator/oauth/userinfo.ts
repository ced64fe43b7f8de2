import type { Context } from 'hono';
import { Hono } from 'hono';
import type { TenantContext, TenantEnv } from '../context.ts';
import { corsPreflight, exposeToWebOrigin } from './cors.ts';

const PROFILE_CLAIMS = ['name', 'nickname', 'picture', 'given_name', 'family_name', 'updated_at'] as const;

/**
 * `GET|POST /userinfo` (OIDC Core 5.3): the claims of the user an access token from a login was issued for,
 * limited by the token's scopes, readable from the token client's Allowed Web Origins. A bad token answers 401
 * with `WWW-Authenticate`, as RFC 6750 asks.
 */
export function userinfoRoutes(tenant: TenantContext): Hono<TenantEnv> {
  const app = new Hono<TenantEnv>();
  const answer = async (c: Context<TenantEnv>) => {
    // Auth0 also takes the token as `?access_token=` (RFC 6750 2.3), which passport-auth0 uses to load the profile.
    const token =
      /^Bearer (\S+)$/i.exec(c.req.header('authorization') ?? '')?.[1] ?? c.req.query('access_token');
    const unauthorized = (error: string) => {
      c.header('www-authenticate', `Bearer realm="${tenant.domain}", error="${error}"`);
      return c.text('Unauthorized', 401);
    };
    if (token === undefined) return unauthorized('invalid_request');
    let claims: Awaited<ReturnType<TenantContext['tokens']['verify']>>;
    try {
      claims = await tenant.tokens.verify(token, `${tenant.issuer}userinfo`);
    } catch {
      return unauthorized('invalid_token');
    }
    exposeToWebOrigin(c, claims.azp === undefined ? undefined : tenant.store.getClient(claims.azp));
    const user = tenant.store.users.get(claims.sub);
    if (user === undefined) return unauthorized('invalid_token');
    const scopes = (claims.scope ?? '').split(' ');
    const body: Record<string, unknown> = { sub: user.user_id };
    if (scopes.includes('profile')) {
      for (const claim of PROFILE_CLAIMS) if (user[claim] !== undefined) body[claim] = user[claim];
    }
    if (scopes.includes('email') && user.email !== undefined) {
      body.email = user.email;
      body.email_verified = user.email_verified;
    }
    return c.json(body);
  };
  app.options('/', corsPreflight(tenant, 'GET, POST'));
  app.get('/', answer);
  app.post('/', answer);
  return app;
}
