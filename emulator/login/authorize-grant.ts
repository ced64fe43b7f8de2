import type { TenantContext } from '../context.ts';
import type { LoginGrant } from '../oauth/login-grant.ts';
import { halfHash, signAccessToken, signIdToken } from '../oauth/login-tokens.ts';
import type { AuthorizeTransaction, LoginState } from './transactions.ts';

const CODE_LIFETIME_MS = 60_000;

/**
 * The parameters of a successful authorization response: a code, an access token and an ID token, as many as the
 * response type asks for (OIDC Core 3.3.2.5). An ID token issued beside a code or an access token carries its hash.
 */
export async function authorizeParams(
  tenant: TenantContext,
  state: LoginState,
  transaction: AuthorizeTransaction,
  grant: LoginGrant,
): Promise<Record<string, string>> {
  const parts = transaction.responseParts;
  const params: Record<string, string> = {};
  if (parts.includes('code')) {
    params.code = state.issueCode({
      ...grant,
      redirectUri: transaction.redirectUri,
      codeChallenge: transaction.codeChallenge,
      expiresAt: tenant.now() + CODE_LIFETIME_MS,
    });
  }
  if (parts.includes('token')) {
    const access = await signAccessToken(tenant, grant);
    Object.assign(params, {
      access_token: access.token,
      token_type: 'Bearer',
      expires_in: String(access.expiresIn),
    });
  }
  if (parts.includes('id_token')) {
    const hashes = {
      ...(params.code === undefined ? {} : { c_hash: halfHash(params.code) }),
      ...(params.access_token === undefined ? {} : { at_hash: halfHash(params.access_token) }),
    };
    const idToken = await signIdToken(tenant, grant, hashes);
    if (idToken !== undefined) params.id_token = idToken;
  }
  return params;
}
