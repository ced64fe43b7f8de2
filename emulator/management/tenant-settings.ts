import { Hono } from 'hono';
import type { TenantContext, TenantEnv } from '../context.ts';
import { requireScope } from './auth.ts';
import { jsonBody } from './http.ts';

export function tenantSettingsRoutes(tenant: TenantContext): Hono<TenantEnv> {
  const app = new Hono<TenantEnv>();

  app.get('/tenants/settings', requireScope('read:tenant_settings'), (c) => c.json(tenant.store.settings()));

  app.patch('/tenants/settings', requireScope('update:tenant_settings'), async (c) =>
    c.json(tenant.store.updateSettings(await jsonBody(c))),
  );

  return app;
}
