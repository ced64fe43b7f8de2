import { type Context, Hono } from 'hono';
import type { ConnectionRecord } from '../connections.ts';
import type { TenantContext, TenantEnv } from '../context.ts';
import { ApiError, badRequest } from '../errors.ts';
import { hasScope, requireScope } from './auth.ts';
import { checkpointList, itemRoutes, jsonArrayBody, jsonBody, listPage, project } from './http.ts';

/** `/connections` and `/connections/{id}/clients` (how a0deploy enables clients on a connection). */
export function connectionRoutes(tenant: TenantContext): Hono<TenantEnv> {
  const app = new Hono<TenantEnv>();
  const store = tenant.store;

  app.get('/connections', requireScope('read:connections'), (c) => {
    const strategy = c.req.queries('strategy');
    const name = c.req.query('name');
    const matching = store
      .listConnections()
      .filter((conn) => (!strategy || strategy.includes(conn.strategy)) && (!name || conn.name === name))
      .map((conn) => project(c, visibleConnection(c, conn)));
    return c.json(listPage('connections', matching, c) as object);
  });

  // "Requests to Update a connection fail if the request body contains the options field and the caller doesn't
  // have the update:connections_options scope" (the migration page cited at visibleConnection).
  app.patch('/connections/:id', async (c, next) => {
    if ('options' in (await jsonBody(c)) && !hasScope(c, 'update:connections_options')) {
      throw new ApiError(
        403,
        'Insufficient scope, expected any of: update:connections_options',
        'insufficient_scope',
      );
    }
    await next();
  });

  itemRoutes(app, '/connections', 'connections', {
    get: (id) => store.requireConnection(id),
    create: (body) => store.createConnection(body),
    update: (id, body) => store.updateConnection(id, body),
    remove: (id) => store.deleteConnection(id),
    present: visibleConnection,
  });

  app.get('/connections/:id/clients', requireScope('read:connections'), (c) => {
    const connection: ConnectionRecord = store.requireConnection(c.req.param('id'));
    const clients = connection.enabled_clients.map((client_id) => ({ client_id }));
    return c.json(checkpointList('clients', clients, c) as object);
  });

  app.patch('/connections/:id/clients', requireScope('update:connections'), async (c) => {
    const changes = (await jsonArrayBody(c)).map((entry) => {
      const { client_id, status } = (entry ?? {}) as { client_id?: unknown; status?: unknown };
      if (typeof client_id !== 'string' || typeof status !== 'boolean') {
        throw badRequest(
          'Payload validation error: items need client_id (string) and status (boolean).',
          'invalid_body',
        );
      }
      return { client_id, status };
    });
    store.setConnectionClients(c.req.param('id'), changes);
    return c.body(null, 204);
  });

  return app;
}

/**
 * A connection as the caller may read it: `options` only with `read:connections_options`, as Auth0 answers once a
 * tenant has left "Allow Connections Management without Options Scopes"
 * (https://auth0.com/docs/troubleshoot/product-lifecycle/deprecations-and-migrations/migrate-connection-options-scope).
 */
function visibleConnection(c: Context<TenantEnv>, connection: ConnectionRecord): Partial<ConnectionRecord> {
  if (hasScope(c, 'read:connections_options')) return connection;
  const { options: _unreadable, ...visible } = connection;
  return visible;
}
