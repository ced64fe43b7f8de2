import { Hono } from 'hono';
import type { TenantContext, TenantEnv } from '../context.ts';
import { ApiError } from '../errors.ts';
import { rateLimit } from '../http-guards.ts';
import { actionRoutes } from './actions.ts';
import { requireBearer } from './auth.ts';
import { clientGrantRoutes } from './client-grants.ts';
import { clientRoutes } from './clients.ts';
import { connectionRoutes } from './connections.ts';
import { identityRoutes } from './identities.ts';
import { jobRoutes, type UserExportJobs } from './jobs.ts';
import { logApiOperations, logRoutes } from './logs.ts';
import { resourceServerRoutes } from './resource-servers.ts';
import { tenantSettingsRoutes } from './tenant-settings.ts';
import { userRoutes } from './users.ts';

/**
 * The Management API subset under `/api/v2`: rate limit first (every answer carries its headers), then the token,
 * then the tenant log of each write.
 */
export function managementApi(tenant: TenantContext, exportJobs: UserExportJobs): Hono<TenantEnv> {
  const app = new Hono<TenantEnv>();
  app.use('*', rateLimit(tenant));
  app.use('*', requireBearer(tenant));
  app.use('*', logApiOperations(tenant));
  for (const routes of [
    userRoutes,
    identityRoutes,
    clientRoutes,
    clientGrantRoutes,
    resourceServerRoutes,
    connectionRoutes,
    actionRoutes,
    tenantSettingsRoutes,
    logRoutes,
  ]) {
    app.route('/', routes(tenant));
  }
  app.route('/', jobRoutes(exportJobs));
  app.all('*', (c) => {
    throw new ApiError(404, `Not supported by the local tenant: ${c.req.method} ${c.req.path}`, 'not_found');
  });
  return app;
}
