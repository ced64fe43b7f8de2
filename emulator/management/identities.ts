import { Hono } from 'hono';
import { decodeJwt } from 'jose';
import { splitUserId } from '../../core/users.ts';
import type { TenantContext, TenantEnv } from '../context.ts';
import { ApiError, badRequest } from '../errors.ts';
import type { SecondaryRef } from '../user-directory.ts';
import { requireScope } from './auth.ts';
import { jsonBody, optionalString } from './http.ts';

/** Account linking: `POST /users/{id}/identities` and `DELETE /users/{id}/identities/{provider}/{user_id}`. */
export function identityRoutes(tenant: TenantContext): Hono<TenantEnv> {
  const app = new Hono<TenantEnv>();
  const users = tenant.store.users;

  app.post('/users/:id/identities', requireScope('update:users'), async (c) => {
    const body = await jsonBody(c);
    const secondary = await secondaryFrom(tenant, body);
    return c.json(users.link(c.req.param('id'), secondary), 201);
  });

  app.delete('/users/:id/identities/:provider/:user_id', requireScope('update:users'), (c) => {
    const { id, provider, user_id } = c.req.param();
    return c.json(users.unlink(id, provider, user_id));
  });

  return app;
}

async function secondaryFrom(tenant: TenantContext, body: Record<string, unknown>): Promise<SecondaryRef> {
  const linkWith = optionalString(body, 'link_with');
  if (linkWith !== undefined) {
    if (body.provider !== undefined || body.user_id !== undefined || body.connection_id !== undefined) {
      throw badRequest(
        'Payload validation error: link_with cannot be sent with provider, user_id or connection_id.',
        'invalid_body',
      );
    }
    return secondaryFromIdToken(tenant, linkWith);
  }
  const provider = optionalString(body, 'provider');
  const rawUserId = body.user_id;
  const userId =
    typeof rawUserId === 'number' ? String(rawUserId) : typeof rawUserId === 'string' ? rawUserId : undefined;
  if (!provider || !userId) {
    throw badRequest(
      "Payload validation error: 'Missing required property: provider, user_id'.",
      'invalid_body',
    );
  }
  const connectionId = optionalString(body, 'connection_id');
  return connectionId === undefined
    ? { provider, user_id: userId }
    : { provider, user_id: userId, connection_id: connectionId };
}

/** `link_with`: an ID token this tenant issued for the secondary account; its `sub` names the secondary. */
async function secondaryFromIdToken(tenant: TenantContext, token: string): Promise<SecondaryRef> {
  let sub: string;
  try {
    const audience = decodeJwt(token).aud;
    const aud = Array.isArray(audience) ? audience[0] : audience;
    if (!aud) throw new Error('no audience');
    sub = (await tenant.tokens.verify(token, aud)).sub;
  } catch {
    throw new ApiError(400, 'link_with must be a valid ID token issued by this tenant.', 'invalid_body');
  }
  const ref = splitUserId(sub);
  if (ref.provider === '') throw new ApiError(400, 'link_with token has an invalid subject.', 'invalid_body');
  return ref;
}
