import { Hono } from 'hono';
import type { TenantContext, TenantEnv } from '../context.ts';
import { requireScope } from './auth.ts';
import { itemRoutes, pagedList, pageQuery } from './http.ts';

export function resourceServerRoutes(tenant: TenantContext): Hono<TenantEnv> {
  const app = new Hono<TenantEnv>();
  const store = tenant.store;

  app.get('/resource-servers', requireScope('read:resource_servers'), (c) =>
    c.json(pagedList('resource_servers', store.listResourceServers(), pageQuery(c)) as object),
  );

  itemRoutes(app, '/resource-servers', 'resource_servers', {
    get: (id) => store.requireResourceServer(id),
    create: (body) => store.createResourceServer(body),
    update: (id, body) => store.updateResourceServer(id, body),
    remove: (id) => store.deleteResourceServer(id),
  });

  return app;
}
