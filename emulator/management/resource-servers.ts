import { Hono } from 'hono';
import type { TenantContext, TenantEnv } from '../context.ts';
import { requireScope } from './auth.ts';
import { jsonBody, pagedList, pageQuery } from './http.ts';

export function resourceServerRoutes(tenant: TenantContext): Hono<TenantEnv> {
  const app = new Hono<TenantEnv>();
  const store = tenant.store;

  app.get('/resource-servers', requireScope('read:resource_servers'), (c) =>
    c.json(pagedList('resource_servers', store.listResourceServers(), pageQuery(c)) as object),
  );

  app.get('/resource-servers/:id', requireScope('read:resource_servers'), (c) =>
    c.json(store.requireResourceServer(c.req.param('id'))),
  );

  app.post('/resource-servers', requireScope('create:resource_servers'), async (c) =>
    c.json(store.createResourceServer(await jsonBody(c)), 201),
  );

  app.patch('/resource-servers/:id', requireScope('update:resource_servers'), async (c) =>
    c.json(store.updateResourceServer(c.req.param('id'), await jsonBody(c))),
  );

  app.delete('/resource-servers/:id', requireScope('delete:resource_servers'), (c) => {
    store.deleteResourceServer(c.req.param('id'));
    return c.body(null, 204);
  });

  return app;
}
