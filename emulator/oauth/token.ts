import type { Context } from 'hono';
import { Hono } from 'hono';
import { constantTimeEqual } from '../../core/constant-time.ts';
import type { TenantContext, TenantEnv } from '../context.ts';
import { OAuthError } from '../errors.ts';
import type { ClientRecord } from '../store.ts';
import { corsPreflight, exposeToWebOrigin } from './cors.ts';
import { type ExchangeLogFacts, type GrantHandler, requireSecretOfConfidentialClient } from './grants.ts';
import { logExchange } from './token-log.ts';

/** `POST /oauth/token`: parses the body, authenticates the client, then dispatches on `grant_type` to `grants`. */
export function tokenRoutes(
  tenant: TenantContext,
  grants: ReadonlyMap<string, GrantHandler>,
): Hono<TenantEnv> {
  const app = new Hono<TenantEnv>();

  app.options('/token', corsPreflight(tenant, 'POST'));
  app.post(
    '/token',
    oauthEndpoint(tenant, async (c, params) => {
      const grantType = params.grant_type;
      if (!grantType) throw new OAuthError(400, 'invalid_request', 'Missing required parameter: grant_type');
      const handler = grants.get(grantType);
      if (!handler)
        throw new OAuthError(400, 'unsupported_grant_type', `Unsupported grant type: ${grantType}`);
      const { client, authenticated } = authenticateClient(tenant, params, c.req.header('authorization'));
      const logged = logExchange(tenant, c, grantType, client);
      const facts: ExchangeLogFacts = {};
      try {
        const tokens = await handler({ params, client, authenticated, http: c, facts }, tenant);
        logged.succeeded(tokens.scope, facts);
        return c.json(tokens);
      } catch (error) {
        if (error instanceof OAuthError) logged.failed(error.message, facts);
        throw error;
      }
    }),
  );

  // RFC 7009 as Auth0 serves it (auth0.com/docs/secure/tokens/refresh-tokens/revoke-refresh-tokens): 200 with an
  // empty body, also for a token that is unknown or already revoked.
  app.options('/revoke', corsPreflight(tenant, 'POST'));
  app.post(
    '/revoke',
    oauthEndpoint(tenant, async (c, params) => {
      const client = authenticateCaller(tenant, params, c.req.header('authorization'));
      if (!params.token) throw new OAuthError(400, 'invalid_request', 'Missing required parameter: token');
      tenant.refreshTokens.revoke(params.token, client.client_id);
      return c.body(null, 200);
    }),
  );

  return app;
}

type Ctx = Context<TenantEnv>;

/**
 * One `/oauth/*` endpoint: reads the body, lets the client's Allowed Web Origins read the answer (an SPA calls these
 * from the browser), answers `no-store`, and turns an `OAuthError` into RFC 6749's error body.
 */
export function oauthEndpoint(
  tenant: TenantContext,
  handle: (c: Ctx, params: Record<string, string>) => Promise<Response>,
): (c: Ctx) => Promise<Response> {
  return async (c) => {
    c.header('cache-control', 'no-store');
    try {
      const params = await readParams(c.req.raw);
      const { clientId } = claimedCredentials(params, c.req.header('authorization'));
      exposeToWebOrigin(c, clientId === undefined ? undefined : tenant.store.getClient(clientId));
      return await handle(c, params);
    } catch (error) {
      if (!(error instanceof OAuthError)) throw error;
      return c.json(error.toBody(), error.status as 400);
    }
  };
}

async function readParams(request: Request): Promise<Record<string, string>> {
  const type = request.headers.get('content-type') ?? '';
  const text = await request.text();
  if (type.includes('application/json')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new OAuthError(400, 'invalid_request', 'Invalid JSON body');
    }
    if (typeof parsed !== 'object' || parsed === null)
      throw new OAuthError(400, 'invalid_request', 'Invalid body');
    const out: Record<string, string> = {};
    for (const [key, value] of Object.entries(parsed)) {
      if (typeof value === 'string') out[key] = value;
      // An object (/passwordless/start's authParams) arrives as its JSON text, for the endpoint to read.
      else if (typeof value === 'object' && value !== null && !Array.isArray(value))
        out[key] = JSON.stringify(value);
    }
    return out;
  }
  if (type.includes('application/x-www-form-urlencoded') || type === '') {
    return Object.fromEntries(new URLSearchParams(text));
  }
  throw new OAuthError(400, 'invalid_request', 'Unsupported content type');
}

/** `client_secret_basic` (RFC 6749 2.3.1, form-encoded id and secret) or `client_secret_post`; none for public clients. */
export function authenticateClient(
  tenant: TenantContext,
  params: Record<string, string>,
  authorization: string | undefined,
): { client: ClientRecord; authenticated: boolean } {
  const { clientId, secret } = claimedCredentials(params, authorization);
  if (!clientId) throw new OAuthError(401, 'access_denied', 'Unauthorized');
  const client = tenant.store.getClient(clientId);
  if (!client || client.is_global) throw new OAuthError(401, 'access_denied', 'Unauthorized');
  if (secret === undefined) return { client, authenticated: false };
  if (!constantTimeEqual(secret, client.client_secret))
    throw new OAuthError(401, 'access_denied', 'Unauthorized');
  return { client, authenticated: true };
}

/**
 * The calling client of an endpoint that is not a grant (`/oauth/revoke`, `/passwordless/start`): a confidential
 * client must prove its secret, a public one (`none`) names itself by `client_id`.
 */
export function authenticateCaller(
  tenant: TenantContext,
  params: Record<string, string>,
  authorization: string | undefined,
): ClientRecord {
  const { client, authenticated } = authenticateClient(tenant, params, authorization);
  requireSecretOfConfidentialClient(client, authenticated);
  return client;
}

/** The client id and secret a request claims, from the Basic header or the body; nothing is checked yet. */
function claimedCredentials(
  params: Record<string, string>,
  authorization: string | undefined,
): { clientId: string | undefined; secret: string | undefined } {
  if (!authorization?.toLowerCase().startsWith('basic '))
    return { clientId: params.client_id, secret: params.client_secret };
  const decoded = Buffer.from(authorization.slice(6).trim(), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) throw new OAuthError(401, 'invalid_client', 'Malformed Basic authorization header');
  const basicId = decodeFormComponent(decoded.slice(0, colon));
  if (params.client_id !== undefined && params.client_id !== basicId) {
    throw new OAuthError(
      400,
      'invalid_request',
      'client_id in the body and in the Authorization header differ',
    );
  }
  return { clientId: basicId, secret: decodeFormComponent(decoded.slice(colon + 1)) };
}

function decodeFormComponent(value: string): string {
  try {
    return decodeURIComponent(value.replace(/\+/g, ' '));
  } catch {
    return value;
  }
}
