import { createHash } from 'node:crypto';
import { constantTimeEqual } from '../../core/constant-time.ts';
import { OAuthError } from '../errors.ts';
import type { LoginState } from '../login/transactions.ts';
import type { GrantHandler } from './grants.ts';
import { signAccessToken, signIdToken } from './login-tokens.ts';
import { offlineRefreshToken, refreshClientOf } from './refresh-token-grant.ts';

/** `grant_type=authorization_code`: a single-use code bound to the client, redirect_uri and PKCE challenge. */
export function authorizationCodeGrant(state: LoginState): GrantHandler {
  return async ({ params, client, authenticated, http }, tenant) => {
    const code = state.redeemCode(params.code);
    const invalid = (description: string) => new OAuthError(403, 'invalid_grant', description);
    if (code === undefined) throw invalid('Invalid authorization code');
    if (code.clientId !== client.client_id) throw invalid('Invalid authorization code');
    if (code.redirectUri !== params.redirect_uri)
      throw invalid('Redirect URI does not match the authorization request');
    if (code.codeChallenge !== undefined) {
      if (!verifierMatches(params.code_verifier, code.codeChallenge))
        throw invalid('Failed to verify code verifier');
    } else if (!authenticated) {
      throw new OAuthError(401, 'invalid_client', 'Client authentication is required without PKCE');
    }
    // The code names the user the login ended as: its own, or the one an Action passed to setPrimaryUser. Auth0
    // does not switch to a primary by itself: a user linked into another during the login gets "an error in the
    // Authorization Code flow" (auth0/docs, user account linking, server-side rule: "if the primary account
    // changes during the authorization transaction"; auth0/rules#122; for Actions, setPrimaryUser in
    // https://auth0.com/docs/customize/actions/explore-triggers/signup-and-login-triggers/login-trigger/post-login-api-object).
    const idToken = await signIdToken(tenant, code);
    if (idToken === undefined) throw invalid('The user no longer exists');
    const access = await signAccessToken(tenant, code);
    const refreshToken = offlineRefreshToken(tenant, client, code, refreshClientOf(http));
    return {
      access_token: access.token,
      id_token: idToken,
      ...(refreshToken === undefined ? {} : { refresh_token: refreshToken }),
      token_type: 'Bearer',
      expires_in: access.expiresIn,
      scope: code.scope,
    };
  };
}

function verifierMatches(verifier: string | undefined, challenge: string): boolean {
  if (verifier === undefined) return false;
  return constantTimeEqual(createHash('sha256').update(verifier).digest('base64url'), challenge);
}
