import type { Context } from 'hono';
import type { TenantContext, TenantEnv } from '../context.ts';
import { OAuthError } from '../errors.ts';
import { clientIp } from '../login/event.ts';
import { saveMetadataChanges } from '../pipeline/apply-changes.ts';
import type { PostLoginPipeline } from '../pipeline/run-trigger.ts';
import type { ClientRecord } from '../store.ts';
import { type GrantHandler, requireSecretOfConfidentialClient } from './grants.ts';
import type { LoginGrant } from './login-grant.ts';
import { signAccessToken, signIdToken } from './login-tokens.ts';
import { type RefreshClient, refreshPolicyOf } from './refresh-tokens.ts';
import { runTokenActions } from './token-actions.ts';

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
  from: RefreshClient,
): string | undefined {
  if (!grant.scope.split(' ').includes('offline_access')) return undefined;
  if (!client.grant_types.includes('refresh_token')) return undefined;
  const api =
    grant.audience === undefined ? undefined : tenant.store.resourceServerByIdentifier(grant.audience);
  if (api !== undefined && api.allow_offline_access !== true) return undefined;
  return tenant.refreshTokens.issue(grant, refreshPolicyOf(client), from);
}

/** The address and browser a token request comes from (`event.refresh_token.device`). */
export function refreshClientOf(http: Context<TenantEnv>): RefreshClient {
  return { ip: clientIp(http), userAgent: http.req.header('user-agent') };
}

/**
 * `grant_type=refresh_token` (auth0.com/docs/secure/tokens/refresh-tokens/use-refresh-tokens): new access and ID
 * tokens for the login's grant, narrowed by `scope`, and the next token of the family when the client rotates. A bad
 * token answers 403 `invalid_grant`, as Auth0 does. The post-login Actions run first, as on Auth0, with
 * `transaction.protocol` `oauth2-refresh-token`; what they refuse fails the exchange and leaves the token unused.
 */
export function refreshTokenGrant(pipeline: PostLoginPipeline): GrantHandler {
  return async ({ params, client, authenticated, http, facts }, tenant) => {
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
    const policy = refreshPolicyOf(client);
    const peeked = tenant.refreshTokens.peek(params.refresh_token, client.client_id, policy);
    if (peeked === undefined) throw new OAuthError(403, 'invalid_grant', INVALID);
    const { grant: stored, token } = peeked;
    const granted = stored.scope.split(' ');
    const asked = params.scope?.split(' ').filter(Boolean);
    if (asked?.some((scope) => !granted.includes(scope)))
      throw new OAuthError(403, 'invalid_scope', 'Scope must be a subset of the refresh token scopes.');
    facts.userId = stored.userId;
    facts.connection = stored.connection;
    const run = await runTokenActions(
      pipeline,
      tenant,
      { grant: stored, http, params, facts, refreshToken: token },
      'oauth2-refresh-token',
    );
    if (run === undefined) {
      // The user was deleted or linked into another account: its tokens open nothing any more.
      tenant.refreshTokens.revokeWhere((family) => family.userId === stored.userId);
      throw new OAuthError(403, 'invalid_grant', INVALID);
    }
    const { subject, changes } = run;
    facts.userId = subject;
    const used = tenant.refreshTokens.use(
      params.refresh_token,
      client.client_id,
      policy,
      refreshClientOf(http),
    );
    if (used === undefined) throw new OAuthError(403, 'invalid_grant', INVALID);
    saveMetadataChanges(tenant, stored.userId, subject, changes);
    // A refreshed ID token names no nonce: none was sent for it (OIDC Core 12.2). Its custom claims are the ones
    // the Actions set on this exchange, as each issuance runs them again.
    const grant: LoginGrant = {
      ...used.grant,
      userId: subject,
      scope: (asked ?? granted).join(' '),
      nonce: undefined,
      idTokenClaims: changes.idTokenClaims,
    };
    const idToken = granted.includes('openid') ? await signIdToken(tenant, grant) : undefined;
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
}
