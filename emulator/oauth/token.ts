import { Hono } from 'hono';
import { constantTimeEqual } from '../../core/constant-time.ts';
import type { TenantContext, TenantEnv } from '../context.ts';
import { OAuthError } from '../errors.ts';
import type { ClientRecord } from '../store.ts';

/** `POST /oauth/token`: parses the body, authenticates the client, then dispatches on `grant_type`. */
export function tokenRoutes(tenant: TenantContext): Hono<TenantEnv> {
  const app = new Hono<TenantEnv>();

  app.post('/token', async (c) => {
    try {
      const params = await readParams(c.req.raw);
      const grantType = params.grant_type;
      if (!grantType) throw new OAuthError(400, 'invalid_request', 'Missing required parameter: grant_type');
      const handler = tenant.grants.get(grantType);
      if (!handler)
        throw new OAuthError(400, 'unsupported_grant_type', `Unsupported grant type: ${grantType}`);
      const { client, authenticated } = authenticateClient(tenant, params, c.req.header('authorization'));
      const body = await handler({ params, client, authenticated, http: c }, tenant);
      c.header('cache-control', 'no-store');
      return c.json(body);
    } catch (error) {
      if (!(error instanceof OAuthError)) throw error;
      c.header('cache-control', 'no-store');
      return c.json(error.toBody(), error.status as 400);
    }
  });

  return app;
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
    for (const [key, value] of Object.entries(parsed)) if (typeof value === 'string') out[key] = value;
    return out;
  }
  if (type.includes('application/x-www-form-urlencoded') || type === '') {
    return Object.fromEntries(new URLSearchParams(text));
  }
  throw new OAuthError(400, 'invalid_request', 'Unsupported content type');
}

/** `client_secret_basic` (RFC 6749 2.3.1, form-encoded id and secret) or `client_secret_post`; none for public clients. */
function authenticateClient(
  tenant: TenantContext,
  params: Record<string, string>,
  authorization: string | undefined,
): { client: ClientRecord; authenticated: boolean } {
  let clientId = params.client_id;
  let secret = params.client_secret;
  if (authorization?.toLowerCase().startsWith('basic ')) {
    const decoded = Buffer.from(authorization.slice(6).trim(), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) throw new OAuthError(401, 'invalid_client', 'Malformed Basic authorization header');
    const basicId = decodeFormComponent(decoded.slice(0, colon));
    if (clientId !== undefined && clientId !== basicId) {
      throw new OAuthError(
        400,
        'invalid_request',
        'client_id in the body and in the Authorization header differ',
      );
    }
    clientId = basicId;
    secret = decodeFormComponent(decoded.slice(colon + 1));
  }
  if (!clientId) throw new OAuthError(401, 'access_denied', 'Unauthorized');
  const client = tenant.store.getClient(clientId);
  if (!client || client.is_global) throw new OAuthError(401, 'access_denied', 'Unauthorized');
  if (secret === undefined) return { client, authenticated: false };
  if (!constantTimeEqual(secret, client.client_secret))
    throw new OAuthError(401, 'access_denied', 'Unauthorized');
  return { client, authenticated: true };
}

function decodeFormComponent(value: string): string {
  try {
    return decodeURIComponent(value.replace(/\+/g, ' '));
  } catch {
    return value;
  }
}
