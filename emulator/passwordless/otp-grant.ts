import { OAuthError } from '../errors.ts';
import { opaque } from '../login/transactions.ts';
import type { GrantHandler } from '../oauth/grants.ts';
import { requireSecretOfConfidentialClient } from '../oauth/grants.ts';
import type { LoginGrant } from '../oauth/login-grant.ts';
import { signAccessToken, signIdToken } from '../oauth/login-tokens.ts';
import { offlineRefreshToken, refreshClientOf } from '../oauth/refresh-token-grant.ts';
import { runTokenActions } from '../oauth/token-actions.ts';
import { saveMetadataChanges } from '../pipeline/apply-changes.ts';
import type { PostLoginPipeline } from '../pipeline/run-trigger.ts';
import { passwordlessConnection } from './start.ts';
import { passwordlessUser } from './users.ts';

export const PASSWORDLESS_OTP_GRANT = 'http://auth0.com/oauth/grant-type/passwordless/otp';

/**
 * The passwordless OTP grant (https://auth0.com/docs/api/authentication/passwordless/authenticate-user): `username`
 * (the email or phone number), `otp`, `realm` (`email` or `sms`), `scope`, `audience`. The client needs the grant
 * type enabled (https://auth0.com/docs/authenticate/passwordless/implement-login/embedded-login/webapps). A wrong,
 * expired or spent code answers 403 `invalid_grant` "Wrong email or verification code." ("Wrong phone number or
 * verification code." for SMS), Auth0's messages
 * (https://community.auth0.com/t/wrong-email-phone-number-or-verification-code/125693). The post-login Actions run
 * on the login, as on Auth0 (https://auth0.com/docs/customize/actions/explore-triggers/signup-and-login-triggers/login-trigger),
 * with `transaction.protocol` `oauth2-password`: Auth0 names no protocol of its own for this grant, and the password
 * realm grant it resembles is `oauth2-password` (inferred). What they refuse fails the login.
 */
export function passwordlessOtpGrant(pipeline: PostLoginPipeline): GrantHandler {
  return async ({ params, client, authenticated, http, facts }, tenant) => {
    if (!client.grant_types.includes(PASSWORDLESS_OTP_GRANT)) {
      throw new OAuthError(
        403,
        'unauthorized_client',
        `Grant type '${PASSWORDLESS_OTP_GRANT}' not allowed for the client.`,
      );
    }
    requireSecretOfConfidentialClient(client, authenticated);
    for (const name of ['username', 'otp', 'realm'] as const) {
      if (!params[name]) throw new OAuthError(400, 'invalid_request', `Missing required parameter: ${name}`);
    }
    let connection: ReturnType<typeof passwordlessConnection>;
    try {
      connection = passwordlessConnection(tenant, params.realm, client.client_id);
    } catch {
      throw new OAuthError(400, 'invalid_request', `Unknown or disabled realm: ${params.realm}`);
    }
    facts.connection = connection.name;
    const email = connection.strategy === 'email';
    const recipient = email ? (params.username ?? '').trim().toLowerCase() : (params.username ?? '').trim();
    const redeemed = tenant.passwordless.codes.redeem(
      connection.name,
      recipient,
      client.client_id,
      params.otp ?? '',
    );
    if (redeemed !== 'accepted') {
      const what = email ? 'email' : 'phone number';
      throw new OAuthError(403, 'invalid_grant', `Wrong ${what} or verification code.`);
    }
    if (
      params.audience !== undefined &&
      tenant.store.resourceServerByIdentifier(params.audience) === undefined
    )
      throw new OAuthError(403, 'access_denied', `Service not found: ${params.audience}`);
    const { user } = passwordlessUser(tenant, connection, recipient);
    facts.userId = user.user_id;
    if (user.blocked === true) throw new OAuthError(401, 'unauthorized', 'user is blocked');
    tenant.store.users.recordLogin(user.user_id);
    // No SSO session comes of a token-endpoint login; the sid only ties its refresh tokens together.
    const login: LoginGrant = {
      clientId: client.client_id,
      userId: user.user_id,
      connection: connection.name,
      scope: params.scope ?? 'openid',
      audience: params.audience,
      nonce: undefined,
      authTime: Math.floor(tenant.now() / 1000),
      sid: opaque(),
      idTokenClaims: {},
    };
    const run = await runTokenActions(
      pipeline,
      tenant,
      { grant: login, http, params, facts },
      'oauth2-password',
    );
    if (run === undefined) throw new Error(`user ${user.user_id} disappeared during the login`);
    facts.userId = run.subject;
    saveMetadataChanges(tenant, user.user_id, run.subject, run.changes);
    const grant: LoginGrant = { ...login, userId: run.subject, idTokenClaims: run.changes.idTokenClaims };
    const access = await signAccessToken(tenant, grant);
    const idToken = grant.scope.split(' ').includes('openid') ? await signIdToken(tenant, grant) : undefined;
    const refreshToken = offlineRefreshToken(tenant, client, grant, refreshClientOf(http));
    return {
      access_token: access.token,
      ...(idToken === undefined ? {} : { id_token: idToken }),
      ...(refreshToken === undefined ? {} : { refresh_token: refreshToken }),
      token_type: 'Bearer',
      expires_in: access.expiresIn,
      scope: grant.scope,
    };
  };
}
