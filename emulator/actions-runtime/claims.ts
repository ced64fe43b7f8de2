import { ActionsRuntimeError } from './errors.ts';

// Claims Auth0 refuses in api.idToken/accessToken.setCustomClaim ("Create custom claims", restrictions):
// registered JWT/OIDC claims and Auth0's own. Custom claims should be namespaced URLs.
const RESTRICTED_CLAIMS = new Set([
  'acr',
  'act',
  'amr',
  'at_hash',
  'aud',
  'auth_time',
  'authorization_details',
  'azp',
  'c_hash',
  'client_id',
  'cnf',
  'cty',
  'exp',
  'gty',
  'iat',
  'iss',
  'jti',
  'nbf',
  'nonce',
  'org_id',
  'org_name',
  'permissions',
  's_hash',
  'scope',
  'sid',
  'sub',
  'typ',
]);

const AUTH0_NAMESPACES = ['https://auth0.com', 'https://www.auth0.com', 'auth0.com'];

export function assertSettableClaim(name: string): void {
  const restricted =
    typeof name !== 'string' ||
    name.length === 0 ||
    RESTRICTED_CLAIMS.has(name) ||
    AUTH0_NAMESPACES.some((namespace) => name.startsWith(namespace));
  if (restricted) {
    throw new ActionsRuntimeError('reserved_claim', `The claim "${name}" is restricted and cannot be set.`);
  }
}
