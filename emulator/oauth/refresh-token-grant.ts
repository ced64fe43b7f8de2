import type { TenantContext } from '../context.ts';
import { OAuthError } from '../errors.ts';
import type { ClientRecord } from '../store.ts';
import { type GrantHandler, requireSecretOfConfidentialClient } from './grants.ts';
import type { LoginGrant } from './login-grant.ts';
import { signAccessToken, signIdToken } from './login-tokens.ts';
import { refreshPolicyOf } from './refresh-tokens.ts';

const INVALID = 'Unknown or invalid refresh token.';

/**
 * A refresh token for a login's code exchange, when Auth0 would issue one: `offline_access` asked for, the client
 * allowed the `refresh_token` grant, and the API (if an `audience` was named) has Allow Offline Access
 * (auth0.com/docs/secure/tokens/refresh-tokens/get-refresh-tokens).
 */
export function offlineRefreshToken(
  tenant: TenantContext,
  client: ClientRecord,
  grant: LoginGrant,
): string | undefined {
  if (!grant.scope.split(' ').includes('offline_access')) return undefined;
  if (!client.grant_types.includes('refresh_token')) return undefined;
  const api =
    grant.audience === undefined ? undefined : tenant.store.resourceServerByIdentifier(grant.audience);
  if (api !== undefined && api.allow_offline_access !== true) return undefined;
  return tenant.refreshTokens.issue(grant, refreshPolicyOf(client));
}

/**
 * `grant_type=refresh_token` (auth0.com/docs/secure/tokens/refresh-tokens/use-refresh-tokens): new access and ID
 * tokens for the login's grant, narrowed by `scope`, and the next token of the family when the client rotates. A bad
 * token answers 403 `invalid_grant`, as Auth0 does.
 */
export const refreshTokenGrant: GrantHandler = async ({ params, client, authenticated }, tenant) => {
  if (!client.grant_types.includes('refresh_token')) {
    throw new OAuthError(
      403,
      'unauthorized_client',
      "Grant type 'refresh_token' not allowed for the client.",
    );
  }
  requireSecretOfConfidentialClient(client, authenticated);
  if (!params.refresh_token)
    throw new OAuthError(400, 'invalid_request', 'Missing required parameter: refresh_token');
  const used = tenant.refreshTokens.use(params.refresh_token, client.client_id, refreshPolicyOf(client));
  if (used === undefined) throw new OAuthError(403, 'invalid_grant', INVALID);
  const granted = used.grant.scope.split(' ');
  const asked = params.scope?.split(' ').filter(Boolean);
  if (asked?.some((scope) => !granted.includes(scope)))
    throw new OAuthError(403, 'invalid_scope', 'Scope must be a subset of the refresh token scopes.');
  // A refreshed ID token names no nonce: none was sent for it (OIDC Core 12.2).
  const grant: LoginGrant = { ...used.grant, scope: (asked ?? granted).join(' '), nonce: undefined };
  const idToken = granted.includes('openid') ? await signIdToken(tenant, grant) : undefined;
  if (tenant.store.users.get(grant.userId) === undefined) {
    // The user was deleted or linked into another account: its tokens open nothing any more.
    tenant.refreshTokens.revokeWhere((family) => family.userId === grant.userId);
    throw new OAuthError(403, 'invalid_grant', INVALID);
  }
  const access = await signAccessToken(tenant, grant);
  return {
    access_token: access.token,
    ...(idToken === undefined ? {} : { id_token: idToken }),
    ...(used.next === undefined ? {} : { refresh_token: used.next }),
    scope: grant.scope,
    expires_in: access.expiresIn,
    token_type: 'Bearer',
  };
};
