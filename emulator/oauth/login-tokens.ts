import { createHash } from 'node:crypto';
import type { TenantContext } from '../context.ts';
import type { LoginGrant } from './login-grant.ts';

const ID_TOKEN_LIFETIME_SECONDS = 36_000;
const ACCESS_TOKEN_LIFETIME_SECONDS = 86_400;

export interface SignedAccessToken {
  token: string;
  expiresIn: number;
}

/**
 * The ID token for `grant`, with the user's current profile; `hashes` adds `c_hash`/`at_hash` for tokens issued
 * beside it at `/authorize` (OIDC Core 3.3.2.11). Undefined when the user no longer exists (deleted, or linked away).
 */
export async function signIdToken(
  tenant: TenantContext,
  grant: LoginGrant,
  hashes: { c_hash?: string; at_hash?: string } = {},
): Promise<string | undefined> {
  const user = tenant.store.users.get(grant.userId);
  if (user === undefined) return undefined;
  return tenant.tokens.sign(
    {
      ...grant.idTokenClaims,
      email: user.email,
      email_verified: user.email_verified,
      name: user.name,
      nickname: user.nickname,
      ...(user.phone_number === undefined
        ? {}
        : { phone_number: user.phone_number, phone_verified: user.phone_verified === true }),
      auth_time: grant.authTime,
      sid: grant.sid,
      ...(grant.nonce === undefined ? {} : { nonce: grant.nonce }),
      ...hashes,
    },
    { audience: grant.clientId, subject: user.user_id, expiresInSeconds: ID_TOKEN_LIFETIME_SECONDS },
  );
}

/**
 * The access token for `grant`: for the API named by `audience` (and `/userinfo` too when `openid` was asked for, as
 * Auth0 issues it), living the API's `token_lifetime`.
 */
export async function signAccessToken(tenant: TenantContext, grant: LoginGrant): Promise<SignedAccessToken> {
  const userinfo = `${tenant.issuer}userinfo`;
  const api =
    grant.audience === undefined ? undefined : tenant.store.resourceServerByIdentifier(grant.audience);
  const openid = grant.scope.split(' ').includes('openid');
  const audience = api === undefined ? userinfo : openid ? [api.identifier, userinfo] : api.identifier;
  const expiresIn = api?.token_lifetime ?? ACCESS_TOKEN_LIFETIME_SECONDS;
  const token = await tenant.tokens.sign(
    { scope: grant.scope, azp: grant.clientId },
    { audience, subject: grant.userId, expiresInSeconds: expiresIn },
  );
  return { token, expiresIn };
}

/** `c_hash` / `at_hash`: the left half of the SHA-256 of the value, base64url (RS256 ID tokens, OIDC Core 3.3.2.11). */
export function halfHash(value: string): string {
  const digest = createHash('sha256').update(value, 'ascii').digest();
  return digest.subarray(0, digest.length / 2).toString('base64url');
}
