import { Hono } from 'hono';
import type { TenantContext, TenantEnv } from './context.ts';
import { controlRoutes } from './control.ts';
import { ApiError, reasonPhrase } from './errors.ts';
import { injectFaults } from './http-guards.ts';
import { discoveryRoutes } from './login/discovery.ts';
import { loginRoutes } from './login/routes.ts';
import { LoginState } from './login/transactions.ts';
import { managementApi } from './management/index.ts';
import { exportDownloadRoutes, UserExportJobs } from './management/jobs.ts';
import { authorizationCodeGrant } from './oauth/authorization-code.ts';
import { clientCredentialsGrant } from './oauth/client-credentials.ts';
import type { GrantHandler } from './oauth/grants.ts';
import { refreshTokenGrant } from './oauth/refresh-token-grant.ts';
import { tokenRoutes } from './oauth/token.ts';
import { userinfoRoutes } from './oauth/userinfo.ts';
import { PASSWORDLESS_OTP_GRANT, passwordlessOtpGrant } from './passwordless/otp-grant.ts';
import { outboxPageRoutes } from './passwordless/outbox-page.ts';
import { passwordlessRoutes } from './passwordless/routes.ts';
import { tenantPostLoginPipeline } from './pipeline/run-trigger.ts';

/** The tenant's HTTP surface; each area is one route module mounted here. */
export function createTenantApp(tenant: TenantContext): Hono<TenantEnv> {
  const app = new Hono<TenantEnv>();

  if (tenant.controlKey !== undefined) app.route('/__control', controlRoutes(tenant, tenant.controlKey));
  if (tenant.outboxPage === true) app.route('/__outbox', outboxPageRoutes(tenant));
  app.use('*', injectFaults(tenant));
  const logins = new LoginState(tenant.now);
  const postLogin = tenantPostLoginPipeline(tenant);
  const grants = new Map<string, GrantHandler>([
    ['client_credentials', clientCredentialsGrant],
    ['authorization_code', authorizationCodeGrant(logins)],
    ['refresh_token', refreshTokenGrant(postLogin)],
    [PASSWORDLESS_OTP_GRANT, passwordlessOtpGrant(postLogin)],
  ]);
  app.route('/oauth', tokenRoutes(tenant, grants));
  app.route('/passwordless', passwordlessRoutes(tenant));
  app.route('/userinfo', userinfoRoutes(tenant));
  const exportJobs = new UserExportJobs(tenant);
  app.route('/api/v2', managementApi(tenant, exportJobs));
  app.route('/user-exports', exportDownloadRoutes(exportJobs));
  app.route('/.well-known', discoveryRoutes(tenant));
  app.route('/', loginRoutes(tenant, logins, postLogin));

  app.notFound((c) => c.json(new ApiError(404, 'Not Found').toBody(), 404));
  app.onError((error, c) => {
    if (error instanceof ApiError) return c.json(error.toBody(), error.statusCode as 400);
    console.error('local tenant: unhandled error', c.req.method, c.req.path, error);
    return c.json(
      { statusCode: 500, error: reasonPhrase(500), message: 'Internal error in the local tenant' },
      500,
    );
  });
  return app;
}
