import { OAuthError } from '../errors.ts';

/** The path a magic link points at, on the tenant; `GET` there completes the login. */
export const VERIFY_REDIRECT_PATH = '/passwordless/verify_redirect';

/**
 * `authParams` of `POST /passwordless/start` (https://auth0.com/docs/api/authentication/passwordless/get-code-or-link):
 * the authorization parameters the link carries, e.g. `redirect_uri`, `response_type`, `scope`, `state`, `nonce`.
 * Absent, it is empty; anything but an object of strings is `bad.authParams` (400).
 */
export function readAuthParams(json: string | undefined): Record<string, string> {
  if (json === undefined) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    parsed = undefined;
  }
  const entries =
    typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
      ? Object.entries(parsed)
      : undefined;
  if (entries === undefined || entries.some(([, value]) => typeof value !== 'string'))
    throw new OAuthError(
      400,
      'bad.authParams',
      'authParams must be an object of strings (redirect_uri, scope, state, ...)',
    );
  return Object.fromEntries(entries) as Record<string, string>;
}

export interface MagicLink {
  connection: string;
  clientId: string;
  email: string;
  code: string;
  authParams: Record<string, string>;
}

/**
 * The link the email carries: the authorization parameters (`response_type=code` and `scope=openid` unless given)
 * with the code and what it was issued for, which `authParams` cannot override.
 */
export function magicLinkUrl(issuer: string, link: MagicLink): string {
  const url = new URL(VERIFY_REDIRECT_PATH.slice(1), issuer);
  const params = {
    response_type: 'code',
    scope: 'openid',
    ...link.authParams,
    connection: link.connection,
    client_id: link.clientId,
    email: link.email,
    verification_code: link.code,
  };
  for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
  return url.toString();
}
