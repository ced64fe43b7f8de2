import { Hono } from 'hono';
import type { TenantContext, TenantEnv } from '../context.ts';
import { ApiError } from '../errors.ts';
import { rateLimit } from '../http-guards.ts';
import { requireBearer } from './auth.ts';
import { identityRoutes } from './identities.ts';
import { userRoutes } from './users.ts';

/** The Management API subset under `/api/v2`: rate limit first (every answer carries its headers), then the token. */
export function managementApi(tenant: TenantContext): Hono<TenantEnv> {
  const app = new Hono<TenantEnv>();
  app.use('*', rateLimit(tenant));
  app.use('*', requireBearer(tenant));
  app.route('/', userRoutes(tenant));
  app.route('/', identityRoutes(tenant));
  app.all('*', (c) => {
    throw new ApiError(404, `Not supported by the local tenant: ${c.req.method} ${c.req.path}`, 'not_found');
  });
  return app;
}
