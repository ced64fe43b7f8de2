import type { Context, Handler } from 'hono';
import type { TenantContext, TenantEnv } from '../context.ts';
import type { ClientRecord } from '../store.ts';

/** What auth0-spa-js sends beyond a simple request: its telemetry header, and a bearer token to `/userinfo`. */
const ALLOWED_HEADERS = 'Authorization, Content-Type, Auth0-Client';
const PREFLIGHT_MAX_AGE_SECONDS = 86_400;

/**
 * Whether `origin` is one of the client's Allowed Web Origins (`web_origins`): the origins that may receive a
 * `web_message` response and call the tenant from JavaScript (auth0.com/docs/get-started/applications/application-settings).
 */
export function allowsWebOrigin(client: ClientRecord, origin: string | undefined): boolean {
  if (origin === undefined || origin === 'null') return false;
  return client.web_origins.some((allowed) => originOf(allowed) === origin);
}

/**
 * Lets a page read this answer when its `Origin` is an Allowed Web Origin of the client the request is for; any other
 * origin gets no CORS header, so the browser withholds the answer
 * (auth0.com/docs/get-started/applications/set-up-cors).
 */
export function exposeToWebOrigin(c: Context<TenantEnv>, client: ClientRecord | undefined): void {
  c.header('vary', 'Origin');
  const origin = c.req.header('origin');
  if (client !== undefined && origin !== undefined && allowsWebOrigin(client, origin))
    c.header('access-control-allow-origin', origin);
}

/**
 * A preflight carries no client id, so it is answered for an origin some client allows; the request that follows
 * is then answered for its own client's origins only.
 */
export function corsPreflight(tenant: TenantContext, methods: string): Handler<TenantEnv> {
  return (c) => {
    c.header('vary', 'Origin');
    const origin = c.req.header('origin');
    if (
      tenant.store.listClients().some((client) => allowsWebOrigin(client, origin)) &&
      origin !== undefined
    ) {
      c.header('access-control-allow-origin', origin);
      c.header('access-control-allow-methods', methods);
      c.header('access-control-allow-headers', ALLOWED_HEADERS);
      c.header('access-control-max-age', String(PREFLIGHT_MAX_AGE_SECONDS));
    }
    return c.body(null, 204);
  };
}

function originOf(value: string): string | undefined {
  try {
    return new URL(value).origin;
  } catch {
    return undefined;
  }
}
