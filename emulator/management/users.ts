import { Hono } from 'hono';
import type { Metadata } from '../../core/users.ts';
import { connectionProfile } from '../connections.ts';
import type { TenantContext, TenantEnv } from '../context.ts';
import { badRequest, inexistentUser } from '../errors.ts';
import { hashPassword } from '../passwords.ts';
import { NAME_FIELDS, type UserPatch } from '../user-directory.ts';
import { requireScope } from './auth.ts';
import {
  jsonBody,
  optionalBoolean,
  optionalObject,
  optionalString,
  pagedList,
  pageQuery,
  project,
  rejectUnknownFields,
} from './http.ts';
import { presentUser } from './present.ts';
import { matchesQuery, parseUserQuery } from './user-query.ts';

/** Body fields `POST /users` and `PATCH /users/{id}` both accept. */
const USER_FIELDS = [
  'connection',
  'email',
  'password',
  'email_verified',
  'verify_email',
  'name',
  'nickname',
  'picture',
  'given_name',
  'family_name',
  'blocked',
  'app_metadata',
  'user_metadata',
] as const;
const CREATE_FIELDS = [...USER_FIELDS, 'user_id'] as const;
const PATCH_FIELDS = [...USER_FIELDS, 'client_id'] as const;

const USER_PAGING_LIMIT = 1000;

/** `/users` and `/users-by-email`. */
export function userRoutes(tenant: TenantContext): Hono<TenantEnv> {
  const app = new Hono<TenantEnv>();
  const users = tenant.store.users;

  app.get('/users', requireScope('read:users'), (c) => {
    const page = pageQuery(c);
    // Auth0 serves only the first 1,000 users of a search through paging; the export job reads past that.
    if ((page.page + 1) * page.perPage > USER_PAGING_LIMIT) {
      throw badRequest(
        'You can only page through the first 1000 records. See https://auth0.com/docs/users/search/v3/view-search-results-by-page#limitation',
        'invalid_paging',
      );
    }
    const query = parseUserQuery(c.req.query('q'));
    const connection = c.req.query('connection');
    const matching = users
      .list()
      .filter((u) => matchesQuery(u, query) && (!connection || u.identities[0]?.connection === connection));
    return c.json(pagedList('users', matching, page, (u) => project(c, presentUser(u))) as object);
  });

  app.get('/users-by-email', requireScope('read:users'), (c) => {
    const email = c.req.query('email');
    if (!email)
      throw badRequest("Query validation error: 'Missing required property: email'.", 'invalid_query_string');
    return c.json(users.byEmail(email).map((u) => project(c, presentUser(u))));
  });

  app.get('/users/:id', requireScope('read:users'), (c) => {
    const user = users.get(c.req.param('id'));
    if (!user) throw inexistentUser();
    return c.json(project(c, presentUser(user)));
  });

  app.post('/users', requireScope('create:users'), async (c) => {
    const body = await jsonBody(c);
    rejectUnknownFields(body, CREATE_FIELDS);
    const connectionName = optionalString(body, 'connection');
    if (!connectionName)
      throw badRequest("Payload validation error: 'Missing required property: connection'.", 'invalid_body');
    const connection = tenant.store.connectionByName(connectionName);
    if (!connection) throw badRequest('The connection does not exist.', 'inexistent_connection');
    if (!connectionProfile(connection).isDatabase) {
      throw badRequest('Users can only be created in database connections.', 'operation_not_supported');
    }
    const email = optionalString(body, 'email');
    const password = optionalString(body, 'password');
    if (!email)
      throw badRequest("Payload validation error: 'Missing required property: email'.", 'invalid_body');
    if (!password)
      throw badRequest("Payload validation error: 'Missing required property: password'.", 'invalid_body');
    const created = users.create({
      connection: connection.name,
      email,
      password_hash: await hashPassword(password),
      ...profileFields(body),
    });
    return c.json(presentUser(created), 201);
  });

  app.patch('/users/:id', requireScope('update:users', 'update:users_app_metadata'), async (c) => {
    const body = await jsonBody(c);
    rejectUnknownFields(body, PATCH_FIELDS);
    const patch: UserPatch = profileFields(body);
    if (body.app_metadata === null) patch.app_metadata = null;
    if (body.user_metadata === null) patch.user_metadata = null;
    const password = optionalString(body, 'password');
    if (password !== undefined) patch.password_hash = await hashPassword(password);
    const updated = users.update(c.req.param('id'), patch);
    return c.json(presentUser(updated));
  });

  app.delete('/users/:id', requireScope('delete:users'), (c) => {
    const id = c.req.param('id');
    if (users.get(id)) users.delete(id);
    return c.body(null, 204);
  });

  return app;
}

interface ProfileFields {
  user_id?: string;
  email?: string;
  name?: string;
  nickname?: string;
  picture?: string;
  given_name?: string;
  family_name?: string;
  email_verified?: boolean;
  blocked?: boolean;
  app_metadata?: Metadata;
  user_metadata?: Metadata;
}

function profileFields(body: Record<string, unknown>): ProfileFields {
  const out: ProfileFields = {};
  for (const field of [...NAME_FIELDS, 'user_id'] as const) {
    const value = optionalString(body, field);
    if (value !== undefined) out[field] = value;
  }
  for (const field of ['email_verified', 'blocked'] as const) {
    const value = optionalBoolean(body, field);
    if (value !== undefined) out[field] = value;
  }
  for (const field of ['app_metadata', 'user_metadata'] as const) {
    const value = body[field] === null ? undefined : optionalObject(body, field);
    if (value === undefined) continue;
    rejectReservedKeys(value);
    out[field] = value;
  }
  return out;
}

/**
 * Auth0 refuses metadata field names holding `.` or `$`, at any depth ("Metadata field names and data types");
 * the dot's message is the one Auth0 answers (support article "Fields with "." are not allowed"). Values may hold
 * either.
 */
function rejectReservedKeys(value: unknown): void {
  if (Array.isArray(value)) {
    for (const item of value) rejectReservedKeys(item);
    return;
  }
  if (typeof value !== 'object' || value === null) return;
  for (const [key, nested] of Object.entries(value)) {
    if (key.includes('.'))
      throw badRequest('Fields with "." are not allowed, please remove all dotted fields.', 'invalid_body');
    if (key.includes('$'))
      throw badRequest('Fields with "$" are not allowed, please remove all fields with "$".', 'invalid_body');
    rejectReservedKeys(nested);
  }
}
