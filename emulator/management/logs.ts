import { Hono, type MiddlewareHandler } from 'hono';
import type { TenantContext, TenantEnv } from '../context.ts';
import { badRequest, found } from '../errors.ts';
import { requireScope } from './auth.ts';
import { project } from './http.ts';
import { type LogQuery, parseLogQuery, searchLogs } from './log-search.ts';

/**
 * `GET /api/v2/logs` (https://auth0.com/docs/api/management/v2/logs/get-logs), `GET /api/v2/logs/{id}`,
 * `GET /api/v2/users/{id}/logs`, and `GET /api/v2/actions/executions/{id}`, which a login event's
 * `details.actions.executions` points to (https://auth0.com/docs/api/management/v2/actions/get-execution).
 */
export function logRoutes(tenant: TenantContext): Hono<TenantEnv> {
  const app = new Hono<TenantEnv>();

  app.get('/logs', requireScope('read:logs'), (c) => {
    const query = parseLogQuery(c.req.query());
    if (query.kind === 'search') return c.json(searchPage(tenant, query, (event) => project(c, event)));
    const events = query.from === undefined ? tenant.logs.all() : tenant.logs.after(query.from);
    if (events === undefined)
      throw badRequest("Query validation error: 'from' must be a log_id.", 'invalid_query_string');
    const page = events.slice(0, query.take);
    // Checkpoint readers follow the Link header's `next`; with nothing new it repeats the same checkpoint.
    const next = new URL(c.req.url);
    const last = page.at(-1)?.log_id ?? query.from;
    if (last !== undefined) next.searchParams.set('from', last);
    next.searchParams.set('take', String(query.take));
    c.header('link', `<${next.toString()}>; rel="next"`);
    return c.json(page);
  });

  app.get('/logs/:id', requireScope('read:logs'), (c) =>
    c.json(found(tenant.logs.get(c.req.param('id')), 'The log does not exist.', 'inexistent_log')),
  );

  app.get('/users/:id/logs', requireScope('read:logs', 'read:logs_users'), (c) => {
    const { page, per_page, sort, include_totals } = c.req.query();
    const query = parseLogQuery({ page, per_page, sort, include_totals }) as SearchQuery;
    const own = { ...query, terms: [{ field: 'user_id' as const, values: [c.req.param('id')] }] };
    return c.json(searchPage(tenant, own, (event) => event));
  });

  app.get('/actions/executions/:id', requireScope('read:actions'), (c) =>
    c.json(
      found(
        tenant.logs.execution(c.req.param('id')),
        'The execution does not exist.',
        'inexistent_execution',
      ),
    ),
  );

  return app;
}

type SearchQuery = Extract<LogQuery, { kind: 'search' }>;

/** A bare array, or `{start, limit, length, total, logs}` with `include_totals=true`. */
function searchPage(tenant: TenantContext, query: SearchQuery, present: (event: object) => unknown): unknown {
  const { logs, total } = searchLogs(tenant.logs.all(), query);
  const shown = logs.map(present);
  if (!query.includeTotals) return shown;
  return {
    start: query.page * query.perPage,
    limit: query.perPage,
    length: shown.length,
    total,
    logs: shown,
  };
}

const READS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Logs each Management API write as `sapi` (answered below 400) or `fapi`, as Auth0's log event type codes name them;
 * reads are not logged. Request bodies stay out: they may carry passwords and client secrets.
 */
export function logApiOperations(tenant: TenantContext): MiddlewareHandler<TenantEnv> {
  return async (c, next) => {
    await next();
    if (READS.has(c.req.method)) return;
    const token = c.get('token');
    const clientId = token.azp ?? token.sub.replace(/@clients$/, '');
    const status = c.res.status;
    const ip = c.env?.incoming?.socket.remoteAddress ?? '127.0.0.1';
    const userAgent = c.req.header('user-agent');
    const path = c.req.path;
    tenant.logs.record({
      type: status < 400 ? 'sapi' : 'fapi',
      description: operationName(c.req.method, path.replace(/^\/api\/v2\//, '')),
      client_id: clientId,
      client_name: tenant.store.getClient(clientId)?.name ?? '',
      ip,
      ...(userAgent === undefined ? {} : { user_agent: userAgent }),
      details: {
        request: {
          method: c.req.method.toLowerCase(),
          path,
          query: c.req.query(),
          channel: 'api',
          ip,
          auth: { strategy: 'jwt', credentials: { scopes: (token.scope ?? '').split(' ').filter(Boolean) } },
        },
        response: {
          statusCode: status,
          ...(status < 400
            ? {}
            : {
                body: await c.res
                  .clone()
                  .json()
                  .catch(() => undefined),
              }),
        },
      },
    });
  };
}

const OPERATIONS: Array<[method: string, path: RegExp, name: string]> = [
  ['POST', /^users\/[^/]+\/identities$/, 'Link a user account'],
  ['DELETE', /^users\/[^/]+\/identities\//, 'Unlink a user account'],
  ['POST', /^actions\/actions\/[^/]+\/deploy$/, 'Deploy an action'],
  ['PATCH', /^actions\/triggers\/[^/]+\/bindings$/, 'Update trigger bindings'],
  ['POST', /^clients\/[^/]+\/rotate-secret$/, 'Rotate a client secret'],
  ['POST', /^jobs\/users-exports$/, 'Create a users export job'],
];
const RESOURCES: Record<string, string> = {
  users: 'a user',
  clients: 'a client',
  'client-grants': 'a client grant',
  'resource-servers': 'a resource server',
  connections: 'a connection',
  actions: 'an action',
  tenants: 'tenant settings',
};
const VERBS: Record<string, string> = { POST: 'Create', PATCH: 'Update', PUT: 'Update', DELETE: 'Delete' };

/** The event's description, in the local tenant's words: "Update a user", "Link a user account". */
export function operationName(method: string, path: string): string {
  const special = OPERATIONS.find(([m, pattern]) => m === method && pattern.test(path));
  if (special !== undefined) return special[2];
  const resource = RESOURCES[path.split('/')[0] ?? ''];
  const verb = VERBS[method];
  return resource === undefined || verb === undefined ? `${method} /api/v2/${path}` : `${verb} ${resource}`;
}
