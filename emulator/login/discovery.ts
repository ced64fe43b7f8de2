import { Hono } from 'hono';
import type { TenantContext, TenantEnv } from '../context.ts';
import { PUBLISHED_RESPONSE_MODES, RESPONSE_TYPES } from './authorize-response.ts';

/** OpenID Connect discovery and the JWKS that verify ID tokens. */
export function discoveryRoutes(tenant: TenantContext): Hono<TenantEnv> {
  const app = new Hono<TenantEnv>();
  app.get('/openid-configuration', (c) =>
    c.json({
      issuer: tenant.issuer,
      authorization_endpoint: `${tenant.issuer}authorize`,
      token_endpoint: `${tenant.issuer}oauth/token`,
      revocation_endpoint: `${tenant.issuer}oauth/revoke`,
      userinfo_endpoint: `${tenant.issuer}userinfo`,
      jwks_uri: `${tenant.issuer}.well-known/jwks.json`,
      // Auth0 advertises RP-initiated logout (on by default for tenants created since November 2023).
      end_session_endpoint: `${tenant.issuer}oidc/logout`,
      backchannel_logout_supported: true,
      backchannel_logout_session_supported: true,
      response_types_supported: RESPONSE_TYPES,
      response_modes_supported: PUBLISHED_RESPONSE_MODES,
      grant_types_supported: ['authorization_code', 'implicit', 'refresh_token', 'client_credentials'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['RS256'],
      code_challenge_methods_supported: ['S256'],
      token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
      scopes_supported: ['openid', 'profile', 'offline_access', 'email'],
    }),
  );
  app.get('/jwks.json', (c) => c.json(tenant.tokens.jwks()));
  return app;
}
