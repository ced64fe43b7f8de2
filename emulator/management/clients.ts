import { Hono } from 'hono';
import type { TenantContext, TenantEnv } from '../context.ts';
import type { ClientRecord } from '../store.ts';
import { requireScope } from './auth.ts';
import { jsonBody, pagedList, pageQuery, project } from './http.ts';
import { checkOidcLogout } from './oidc-logout.ts';

/** `/clients`: a0deploy matches clients by name and reads `client_id`/`client_secret` back. */
export function clientRoutes(tenant: TenantContext): Hono<TenantEnv> {
  const app = new Hono<TenantEnv>();
  const store = tenant.store;

  app.get('/clients', requireScope('read:clients', 'read:client_keys'), (c) => {
    const isGlobal = c.req.query('is_global');
    const appType = c.req.query('app_type')?.split(',');
    const matching = store
      .listClients()
      .filter(
        (client) =>
          (isGlobal === undefined || String(client.is_global) === isGlobal) &&
          (!appType || appType.includes(String(client.app_type))),
      );
    return c.json(
      pagedList(
        'clients',
        matching.map((client) => project(c, client)),
        pageQuery(c),
      ) as object,
    );
  });

  app.get('/clients/:id', requireScope('read:clients', 'read:client_keys'), (c) =>
    c.json(project(c, store.requireClient(c.req.param('id')))),
  );

  app.post('/clients', requireScope('create:clients'), async (c) => {
    const body = await jsonBody(c);
    checkOidcLogout(body.oidc_logout);
    const { client_id: _id, client_secret: _secret, is_global: _global, ...input } = body;
    return c.json(store.createClient(input), 201);
  });

  app.patch('/clients/:id', requireScope('update:clients'), async (c) => {
    const body = await jsonBody(c);
    checkOidcLogout(body.oidc_logout);
    const { client_id: _id, is_global: _global, ...patch } = body;
    return c.json(store.updateClient(c.req.param('id'), patch as Partial<ClientRecord>));
  });

  app.post('/clients/:id/rotate-secret', requireScope('update:clients'), (c) => {
    const client = store.requireClient(c.req.param('id'));
    return c.json(
      store.updateClient(client.client_id, { client_secret: crypto.randomUUID().replaceAll('-', '') }),
    );
  });

  app.delete('/clients/:id', requireScope('delete:clients'), (c) => {
    store.deleteClient(c.req.param('id'));
    return c.body(null, 204);
  });

  return app;
}
