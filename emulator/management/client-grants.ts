import { Hono } from 'hono';
import type { TenantContext, TenantEnv } from '../context.ts';
import { badRequest } from '../errors.ts';
import { requireScope } from './auth.ts';
import { jsonBody, listPage, optionalString } from './http.ts';

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

  app.get('/client-grants/:id', requireScope('read:client_grants'), (c) =>
    c.json(store.requireClientGrant(c.req.param('id'))),
  );

  app.post('/client-grants', requireScope('create:client_grants'), async (c) => {
    const body = await jsonBody(c);
    const clientId = optionalString(body, 'client_id');
    const audience = optionalString(body, 'audience');
    if (!clientId || !audience || !Array.isArray(body.scope)) {
      throw badRequest(
        "Payload validation error: 'Missing required property: client_id, audience, scope'.",
        'invalid_body',
      );
    }
    const subjectType = optionalString(body, 'subject_type');
    const grant = store.createClientGrant({
      client_id: clientId,
      audience,
      scope: body.scope.map(String),
      ...(subjectType ? { subject_type: subjectType } : {}),
    });
    return c.json(grant, 201);
  });

  app.patch('/client-grants/:id', requireScope('update:client_grants'), async (c) => {
    const body = await jsonBody(c);
    if (body.scope !== undefined && !Array.isArray(body.scope)) {
      throw badRequest("Payload validation error: 'scope' must be an array.", 'invalid_body');
    }
    const scope = Array.isArray(body.scope) ? body.scope.map(String) : undefined;
    return c.json(store.updateClientGrant(c.req.param('id'), scope ? { scope } : {}));
  });

  app.delete('/client-grants/:id', requireScope('delete:client_grants'), (c) => {
    store.deleteClientGrant(c.req.param('id'));
    return c.body(null, 204);
  });

  return app;
}
