import { gzipSync } from 'node:zlib';
import { Hono } from 'hono';
import type { TenantContext, TenantEnv } from '../context.ts';
import { ApiError, badRequest } from '../errors.ts';
import { prefixedId, randomAlphanumeric } from '../ids.ts';
import { isRecord } from '../store.ts';
import type { UserRecord } from '../user-directory.ts';
import { requireScope } from './auth.ts';
import { jsonBody, rejectUnknownFields } from './http.ts';
import { presentUser } from './present.ts';

/** Auth0 exports at most 30 fields per job. */
const MAX_FIELDS = 30;
/** A job reports `pending` this long before its file is ready, so clients must poll as they must on Auth0. */
export const EXPORT_PROCESSING_MS = 150;
/** How long a finished export stays downloadable here (Auth0 does not document its own retention). */
const EXPORT_KEPT_MS = 10 * 60_000;
const CREATE_FIELDS = ['connection_id', 'format', 'limit', 'fields'] as const;
/** Used when a job names no fields (Auth0 has a predefined set; these are the ones this tenant stores). */
const DEFAULT_FIELDS = [
  'user_id',
  'email',
  'email_verified',
  'name',
  'nickname',
  'created_at',
  'updated_at',
  'identities',
  'blocked',
  'user_metadata',
  'app_metadata',
].map((name) => ({ name }));

export interface ExportField {
  name: string;
  export_as?: string;
}

interface ExportJob {
  id: string;
  type: 'users_export';
  format: 'json' | 'csv';
  fields: ExportField[];
  connection_id?: string;
  connection?: string;
  limit?: number;
  created_at: string;
  readyAt: number;
  file: Buffer;
  fileName: string;
  signature: string;
}

/** Bulk user export jobs: the file is written when the job is created and offered once it reports `completed`. */
export class UserExportJobs {
  readonly #jobs = new Map<string, ExportJob>();
  readonly #tenant: TenantContext;

  constructor(tenant: TenantContext) {
    this.#tenant = tenant;
  }

  create(body: Record<string, unknown>): ExportJob {
    rejectUnknownFields(body, CREATE_FIELDS);
    const format = body.format ?? 'csv';
    if (format !== 'json' && format !== 'csv')
      throw badRequest("Payload validation error: 'format' must be one of json, csv.", 'invalid_body');
    const fields = parseFields(body.fields);
    const limit = body.limit;
    if (limit !== undefined && !(Number.isInteger(limit) && (limit as number) >= 1))
      throw badRequest("Payload validation error: 'limit' must be an integer >= 1.", 'invalid_body');
    let connection: string | undefined;
    const connectionId = body.connection_id;
    if (connectionId !== undefined) {
      if (typeof connectionId !== 'string' || !/^con_[A-Za-z0-9]{16}$/.test(connectionId))
        throw badRequest("Payload validation error: 'connection_id' must match ^con_[A-Za-z0-9]{16}$.");
      connection = this.#tenant.store.connectionById(connectionId)?.name;
      if (connection === undefined)
        throw badRequest('The connection does not exist.', 'inexistent_connection');
    }
    let users = this.#tenant.store.users
      .list()
      .filter((u) => connection === undefined || u.identities[0]?.connection === connection);
    if (typeof limit === 'number') users = users.slice(0, limit);
    const now = this.#tenant.now();
    const tenantName = this.#tenant.domain.split(/[.:]/)[0] ?? 'tenant';
    const job: ExportJob = {
      id: prefixedId('job'),
      type: 'users_export',
      format,
      fields: fields ?? DEFAULT_FIELDS,
      ...(typeof connectionId === 'string' ? { connection_id: connectionId } : {}),
      ...(connection !== undefined ? { connection } : {}),
      ...(typeof limit === 'number' ? { limit } : {}),
      created_at: new Date(now).toISOString(),
      readyAt: now + EXPORT_PROCESSING_MS,
      file: gzipSync(exportFile(users, fields ?? DEFAULT_FIELDS, format)),
      fileName: `${tenantName}.${format}.gz`,
      signature: randomAlphanumeric(32),
    };
    this.#sweep(now);
    this.#jobs.set(job.id, job);
    return job;
  }

  /** Export files are large and a long-running tenant keeps creating them: each is dropped a while after it is ready. */
  #sweep(now: number): void {
    for (const [id, job] of this.#jobs) if (job.readyAt + EXPORT_KEPT_MS <= now) this.#jobs.delete(id);
  }

  get(id: string): ExportJob | undefined {
    return this.#jobs.get(id);
  }

  /** The job as `POST /jobs/users-exports` and `GET /jobs/{id}` answer it. */
  present(job: ExportJob): Record<string, unknown> {
    const done = this.#tenant.now() >= job.readyAt;
    const out: Record<string, unknown> = {
      type: job.type,
      status: done ? 'completed' : 'pending',
      ...(job.connection_id !== undefined ? { connection_id: job.connection_id } : {}),
      ...(job.connection !== undefined ? { connection: job.connection } : {}),
      format: job.format,
      ...(job.limit !== undefined ? { limit: job.limit } : {}),
      fields: job.fields,
      created_at: job.created_at,
      id: job.id,
    };
    if (done) {
      out.location = `${this.#tenant.issuer}user-exports/${job.id}/${job.fileName}?signature=${job.signature}`;
    } else {
      out.percentage_done = 0;
      out.time_left_seconds = Math.ceil((job.readyAt - this.#tenant.now()) / 1000);
    }
    return out;
  }

  /** The file behind a `location` URL: no bearer token, the URL's signature is the credential. */
  download(id: string, fileName: string, signature: string | undefined): Buffer | undefined {
    const job = this.#jobs.get(id);
    if (!job || job.fileName !== fileName || signature !== job.signature) return undefined;
    if (this.#tenant.now() < job.readyAt) return undefined;
    return job.file;
  }
}

/** `POST /jobs/users-exports` and `GET /jobs/{id}` (mounted under `/api/v2`). */
export function jobRoutes(jobs: UserExportJobs): Hono<TenantEnv> {
  const app = new Hono<TenantEnv>();
  app.post('/jobs/users-exports', requireScope('read:users'), async (c) => {
    const job = jobs.create(await jsonBody(c));
    return c.json(jobs.present(job), 201);
  });
  app.get('/jobs/:id', requireScope('read:users', 'create:users'), (c) => {
    const job = jobs.get(c.req.param('id'));
    if (!job) throw new ApiError(404, 'The job does not exist.', 'inexistent_job');
    return c.json(jobs.present(job));
  });
  return app;
}

/** The signed download URL a completed job's `location` names (Auth0 serves it from another host). */
export function exportDownloadRoutes(jobs: UserExportJobs): Hono<TenantEnv> {
  const app = new Hono<TenantEnv>();
  app.get('/:id/:file', (c) => {
    const file = jobs.download(c.req.param('id'), c.req.param('file'), c.req.query('signature'));
    if (!file) return c.text('AccessDenied', 403);
    return c.body(new Uint8Array(file), 200, {
      'content-type': 'application/gzip',
      'content-length': String(file.length),
    });
  });
  return app;
}

function parseFields(value: unknown): ExportField[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.length === 0 || value.length > MAX_FIELDS)
    throw badRequest(
      `Payload validation error: 'fields' must be an array of 1 to ${MAX_FIELDS} items.`,
      'invalid_body',
    );
  return value.map((field) => {
    if (
      !isRecord(field) ||
      typeof field.name !== 'string' ||
      field.name === '' ||
      (field.export_as !== undefined && typeof field.export_as !== 'string')
    )
      throw badRequest(
        "Payload validation error: each field needs a 'name' and an optional 'export_as'.",
        'invalid_body',
      );
    return field.export_as === undefined
      ? { name: field.name }
      : { name: field.name, export_as: field.export_as };
  });
}

/** `json` is NDJSON (one user per line, whole objects for root fields); `csv` has one column per field. */
function exportFile(users: UserRecord[], fields: ExportField[], format: 'json' | 'csv'): string {
  const rows = users.map((user) => {
    const presented = presentUser(user);
    return fields.map((field) => [field.export_as ?? field.name, valueAt(presented, field.name)] as const);
  });
  if (format === 'json') {
    return rows
      .map((row) => `${JSON.stringify(Object.fromEntries(row.filter(([, v]) => v !== undefined)))}\n`)
      .join('');
  }
  const header = fields.map((field) => csvCell(field.export_as ?? field.name)).join(',');
  const lines = rows.map((row) =>
    row
      .map(([, v]) => csvCell(v === undefined ? '' : typeof v === 'string' ? v : JSON.stringify(v)))
      .join(','),
  );
  return `${[header, ...lines].join('\n')}\n`;
}

/** `identities[0].connection`, `user_metadata.country`: dots and array indexes, as Auth0's export fields. */
function valueAt(object: unknown, path: string): unknown {
  let value = object;
  for (const part of path.split(/\.|\[(\d+)\]/).filter((p) => p !== undefined && p !== '')) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

function csvCell(text: string): string {
  return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
