import { badRequest } from '../errors.ts';

const INITIATORS = new Set([
  'rp-logout',
  'idp-logout',
  'password-changed',
  'session-expired',
  'session-revoked',
  'account-deleted',
  'email-identifier-changed',
  'mfa-phone-unenrolled',
  'account-deactivated',
]);

/**
 * A client's `oidc_logout` as the Management API accepts it
 * (https://auth0.com/docs/authenticate/login/logout/back-channel-logout/configure-back-channel-logout and
 * .../oidc-back-channel-logout-initiators): one back-channel logout URL over HTTPS and optional initiators. Auth0
 * also refuses loopback addresses; the local tenant accepts `http://localhost` so the local demo can receive them.
 */
export function checkOidcLogout(value: unknown): void {
  if (value === null || value === undefined) return;
  if (typeof value !== 'object' || Array.isArray(value)) invalid("'oidc_logout' must be an object");
  const { backchannel_logout_urls: urls, backchannel_logout_initiators: initiators } = value as Record<
    string,
    unknown
  >;
  if (urls !== undefined) {
    if (!Array.isArray(urls) || urls.length > 1)
      invalid("'oidc_logout.backchannel_logout_urls' must be an array of at most one URL");
    for (const url of urls) if (!isBackchannelUrl(url)) invalid(`'${String(url)}' is not an https URL`);
  }
  if (initiators === undefined) return;
  const { mode, selected_initiators: selected } = (initiators ?? {}) as Record<string, unknown>;
  if (mode !== 'custom' && mode !== 'all')
    invalid("'oidc_logout.backchannel_logout_initiators.mode' must be custom or all");
  if (mode === 'custom' && !Array.isArray(selected))
    invalid("'oidc_logout.backchannel_logout_initiators.selected_initiators' is required in custom mode");
  for (const initiator of Array.isArray(selected) ? selected : []) {
    if (!INITIATORS.has(initiator)) invalid(`'${String(initiator)}' is not a back-channel logout initiator`);
  }
}

function isBackchannelUrl(value: unknown): boolean {
  if (typeof value !== 'string' || !URL.canParse(value)) return false;
  const url = new URL(value);
  if (url.hash !== '' || url.username !== '' || url.password !== '') return false;
  return (
    url.protocol === 'https:' ||
    (url.protocol === 'http:' && ['localhost', '127.0.0.1'].includes(url.hostname))
  );
}

function invalid(detail: string): never {
  throw badRequest(`Payload validation error: ${detail}.`, 'invalid_body');
}
