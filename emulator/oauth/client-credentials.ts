import { OAuthError } from '../errors.ts';
import type { GrantHandler } from './grants.ts';

const ACCESS_TOKEN_SECONDS = 86_400;

/** `grant_type=client_credentials`: the scopes of the client's grant on the requested audience. */
export const clientCredentialsGrant: GrantHandler = async ({ params, client, authenticated }, tenant) => {
  if (!authenticated) throw new OAuthError(401, 'access_denied', 'Unauthorized');
  if (!client.grant_types.includes('client_credentials')) {
    throw new OAuthError(
      403,
      'unauthorized_client',
      "Grant type 'client_credentials' not allowed for the client.",
    );
  }
  const audience = params.audience;
  if (!audience) {
    throw new OAuthError(
      403,
      'access_denied',
      'No audience parameter was provided, and no default audience has been configured',
    );
  }
  const api = tenant.store.resourceServerByIdentifier(audience);
  if (!api) throw new OAuthError(403, 'access_denied', `Service not found: ${audience}`);
  const grant = tenant.store.findClientGrant(client.client_id, audience);
  if (!grant) {
    throw new OAuthError(
      403,
      'access_denied',
      `Client is not authorized to access "${audience}". You need to create a "client-grant" associated to this API.`,
    );
  }
  const requested = params.scope ? params.scope.split(' ').filter(Boolean) : grant.scope;
  const scope = requested.filter((s) => grant.scope.includes(s)).join(' ');
  const lifetime = typeof api.token_lifetime === 'number' ? api.token_lifetime : ACCESS_TOKEN_SECONDS;
  const access_token = await tenant.tokens.sign(
    { scope, gty: 'client-credentials', azp: client.client_id },
    { audience, subject: `${client.client_id}@clients`, expiresInSeconds: lifetime },
  );
  return { access_token, scope, expires_in: lifetime, token_type: 'Bearer' };
};
