import type { Context, Hono } from 'hono';
import type { TenantEnv } from '../context.ts';
import { badRequest } from '../errors.ts';
import { isRecord } from '../store.ts';
import { requireScope } from './auth.ts';

/** The JSON object body of a Management request, or Auth0's 400 for anything else. */
export async function jsonBody(c: Context): Promise<Record<string, unknown>> {
  const text = await c.req.text();
  if (text.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw badRequest('Invalid request payload JSON format', 'invalid_body');
  }
  if (!isRecord(parsed)) throw badRequest('Payload validation error: Expected type object.', 'invalid_body');
  return parsed;
}

export async function jsonArrayBody(c: Context): Promise<unknown[]> {
  const text = await c.req.text();
  try {
    const parsed: unknown = JSON.parse(text);
    if (Array.isArray(parsed)) return parsed;
  } catch {
    // answered below
  }
  throw badRequest('Payload validation error: Expected type array.', 'invalid_body');
}

export function rejectUnknownFields(body: Record<string, unknown>, allowed: readonly string[]): void {
  const extra = Object.keys(body).filter((k) => !allowed.includes(k));
  if (extra.length > 0) {
    throw badRequest(
      `Payload validation error: 'Additional properties not allowed: ${extra.join(',')}'.`,
      'invalid_body',
    );
  }
}

export function optionalString(body: Record<string, unknown>, field: string): string | undefined {
  return optionalOfType(body, field, 'string') as string | undefined;
}

export function optionalBoolean(body: Record<string, unknown>, field: string): boolean | undefined {
  return optionalOfType(body, field, 'boolean') as boolean | undefined;
}

function optionalOfType(body: Record<string, unknown>, field: string, type: 'string' | 'boolean'): unknown {
  const value = body[field];
  if (value !== undefined && typeof value !== type)
    throw badRequest(`Payload validation error: '${field}' must be a ${type}.`, 'invalid_body');
  return value;
}

export function optionalObject(
  body: Record<string, unknown>,
  field: string,
): Record<string, unknown> | undefined {
  const value = body[field];
  if (value === undefined) return undefined;
  if (!isRecord(value))
    throw badRequest(`Payload validation error: '${field}' must be an object.`, 'invalid_body');
  return value;
}

export interface PageQuery {
  page: number;
  perPage: number;
  includeTotals: boolean;
}

export function pageQuery(c: Context, defaultPerPage = 50): PageQuery {
  const page = integer(c.req.query('page'), 0, 'page');
  const perPage = integer(c.req.query('per_page'), defaultPerPage, 'per_page');
  if (perPage < 0 || perPage > 100)
    throw badRequest("Query validation error: 'per_page' must be between 0 and 100.", 'invalid_query_string');
  return { page, perPage, includeTotals: c.req.query('include_totals') === 'true' };
}

/**
 * Page-based list: a bare array, or `{<key>, start, limit, total}` with `include_totals=true`. Only the page's
 * items go through `present`.
 */
export function pagedList<T>(
  key: string,
  items: T[],
  query: PageQuery,
  present: (item: T) => unknown = (item) => item,
): unknown {
  const start = query.page * query.perPage;
  const slice = items.slice(start, start + query.perPage).map(present);
  if (!query.includeTotals) return slice;
  return { [key]: slice, start, limit: query.perPage, length: slice.length, total: items.length };
}

/**
 * Checkpoint list (`take`/`from`): `{<key>, next?}`; `next` is present only while more items follow. With
 * `include_totals=true` the page-based fields come along, as a0deploy reads `total` there.
 */
export function checkpointList<T>(key: string, items: T[], c: Context): unknown {
  const take = integer(c.req.query('take'), 50, 'take');
  const from = c.req.query('from');
  const start = from ? Number.parseInt(Buffer.from(from, 'base64url').toString('utf8'), 10) || 0 : 0;
  const slice = items.slice(start, start + take);
  const body: Record<string, unknown> = { [key]: slice };
  if (start + take < items.length) body.next = Buffer.from(String(start + take)).toString('base64url');
  if (c.req.query('include_totals') === 'true')
    Object.assign(body, { start, limit: take, total: items.length });
  return body;
}

/** Checkpoint paging when the request asks for it (`take`/`from`), page-based otherwise: Auth0 answers both. */
export function listPage<T>(key: string, items: T[], c: Context): unknown {
  return c.req.query('take') !== undefined || c.req.query('from') !== undefined
    ? checkpointList(key, items, c)
    : pagedList(key, items, pageQuery(c));
}

/** `fields` + `include_fields`, as Auth0 applies them to returned objects. */
export function project<T extends object>(c: Context, item: T): Partial<T> {
  const fields = c.req.query('fields');
  if (!fields) return item;
  const names = new Set(fields.split(',').map((f) => f.trim()));
  const include = c.req.query('include_fields') !== 'false';
  return Object.fromEntries(Object.entries(item).filter(([k]) => names.has(k) === include)) as Partial<T>;
}

/** A non-negative integer query parameter, `fallback` when absent, or Auth0's 400 `invalid_query_string`. */
export function integer(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0)
    throw badRequest(
      `Query validation error: '${name}' must be a non-negative integer.`,
      'invalid_query_string',
    );
  return n;
}

/** What one collection's item routes do with its store. */
export interface ItemStore<T extends object> {
  get(id: string): T;
  create(body: Record<string, unknown>): T;
  update(id: string, body: Record<string, unknown>): T;
  remove(id: string): void;
  /** How an item is answered to the caller, default as stored: without the fields its token may not read. */
  present?(c: Context<TenantEnv>, item: T): object;
}

/**
 * `POST {path}` and `GET`/`PATCH`/`DELETE {path}/{id}` of one Management API collection, each behind its
 * `<action>:<resource>` scope (`DELETE` answers 204, as Auth0's do).
 */
export function itemRoutes<T extends object>(
  app: Hono<TenantEnv>,
  path: string,
  resource: 'connections' | 'resource_servers' | 'client_grants',
  store: ItemStore<T>,
): void {
  const present = (c: Context<TenantEnv>, item: T) => store.present?.(c, item) ?? item;
  app.get(`${path}/:id`, requireScope(`read:${resource}` as const), (c) =>
    c.json(project(c, present(c, store.get(c.req.param('id'))))),
  );
  app.post(path, requireScope(`create:${resource}` as const), async (c) =>
    c.json(present(c, store.create(await jsonBody(c))), 201),
  );
  app.patch(`${path}/:id`, requireScope(`update:${resource}` as const), async (c) =>
    c.json(present(c, store.update(c.req.param('id'), await jsonBody(c)))),
  );
  app.delete(`${path}/:id`, requireScope(`delete:${resource}` as const), (c) => {
    store.remove(c.req.param('id'));
    return c.body(null, 204);
  });
}
