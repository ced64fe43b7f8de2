import { Hono } from 'hono';
import type { TenantContext, TenantEnv } from '../context.ts';
import { badRequest } from '../errors.ts';
import { requireScope } from './auth.ts';
import { itemRoutes, listPage, optionalString } from './http.ts';

/** `/client-grants`: checkpoint paging (`take`/`from`) as a0deploy uses it, page-based otherwise. */
export function clientGrantRoutes(tenant: TenantContext): Hono<TenantEnv> {
  const app = new Hono<TenantEnv>();
  const store = tenant.store;

  app.get('/client-grants', requireScope('read:client_grants'), (c) => {
    const clientId = c.req.query('client_id');
    const audience = c.req.query('audience');
    const grants = store
      .listClientGrants()
      .filter((g) => (!clientId || g.client_id === clientId) && (!audience || g.audience === audience));
    return c.json(listPage('client_grants', grants, c) as object);
  });

  itemRoutes(app, '/client-grants', 'client_grants', {
    get: (id) => store.requireClientGrant(id),
    create(body) {
      const clientId = optionalString(body, 'client_id');
      const audience = optionalString(body, 'audience');
      if (!clientId || !audience || !Array.isArray(body.scope)) {
        throw badRequest(
          "Payload validation error: 'Missing required property: client_id, audience, scope'.",
          'invalid_body',
        );
      }
      const subjectType = optionalString(body, 'subject_type');
      return store.createClientGrant({
        client_id: clientId,
        audience,
        scope: body.scope.map(String),
        ...(subjectType ? { subject_type: subjectType } : {}),
      });
    },
    update(id, body) {
      if (body.scope !== undefined && !Array.isArray(body.scope)) {
        throw badRequest("Payload validation error: 'scope' must be an array.", 'invalid_body');
      }
      return store.updateClientGrant(id, Array.isArray(body.scope) ? { scope: body.scope.map(String) } : {});
    },
    remove: (id) => store.deleteClientGrant(id),
  });

  return app;
}
