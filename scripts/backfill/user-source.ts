import { createReadStream, statSync } from 'node:fs';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { createGunzip } from 'node:zlib';
import { BackfillError } from './errors.ts';
import type { BackfillPort } from './management.ts';

/** Every field the policy reads; root fields export whole objects in the JSON format. */
export const USER_FIELDS = [
  'user_id',
  'email',
  'email_verified',
  'blocked',
  'created_at',
  'identities',
  'app_metadata',
] as const;

export type UserSource = 'export' | 'listing';

export interface SourceOptions {
  /** Time between job status checks; default 2 s (Auth0 rate-limits `GET /jobs/{id}` like any call). */
  pollMs?: number;
  /** Give up on an export job after this long; default 30 min. */
  exportTimeoutMs?: number;
  /** Told when the export job is unavailable and paged listing is used instead. */
  onFallback?: (reason: string) => void;
  /** Ctrl-C: the wait for the job, the download and the listing stop with an `interrupted` error. */
  signal?: AbortSignal;
  /** Told every few thousand users how far the reading is. */
  progress?: ReadProgress;
  fetch?: typeof globalThis.fetch;
}

/** Users read, bytes read of the export, and its size when known. */
export type ReadProgress = (users: number, bytes: number, totalBytes: number | undefined) => void;

export interface ReadOptions {
  signal?: AbortSignal;
  progress?: ReadProgress;
}

/** `progress` is told after this many lines: often enough for a 200 ms redraw, rare enough to cost nothing. */
const PROGRESS_EVERY = 4096;

const LISTING_PAGE_SIZE = 100;
/** Auth0 returns at most 1,000 users through paging (page × per_page); the export job has no such cap. */
export const LISTING_CAP = 1000;

/** Users of the tenant: the bulk export job where it exists, paged listing otherwise. */
export async function readTenantUsers(
  port: BackfillPort,
  each: (user: unknown) => void,
  options: SourceOptions = {},
): Promise<UserSource> {
  const { signal, progress } = options;
  const jobId = await port.startUserExport(USER_FIELDS);
  if (jobId === undefined) {
    options.onFallback?.('the tenant has no bulk export job');
    await listUsers(port, each, options);
    return 'listing';
  }
  const location = await waitForExport(port, jobId, options);
  const timeout = AbortSignal.timeout(options.exportTimeoutMs ?? 30 * 60_000);
  const response = await stoppable(
    (options.fetch ?? globalThis.fetch)(location, {
      signal: signal === undefined ? timeout : AbortSignal.any([timeout, signal]),
    }),
    signal,
  );
  if (!response.ok || response.body === null)
    throw new BackfillError('export_failed', `downloading the export answered ${response.status}`);
  const body = Readable.fromWeb(response.body as import('node:stream/web').ReadableStream);
  const length = Number(response.headers.get('content-length') ?? Number.NaN);
  await readNdjson(body, true, each, {
    ...(signal ? { signal } : {}),
    ...(progress ? { progress } : {}),
    ...(length > 0 ? { totalBytes: length } : {}),
  });
  return 'export';
}

/** Thrown when Ctrl-C stops the reading: no plan is written. */
export function interrupted(): BackfillError {
  return new BackfillError('interrupted', 'stopped by Ctrl-C while reading users: no plan was written');
}

/** `promise`, with an abort of `signal` (Ctrl-C) answered as `interrupted()`. */
async function stoppable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  try {
    return await promise;
  } catch (error) {
    if (signal?.aborted === true) throw interrupted();
    throw error;
  }
}

async function waitForExport(port: BackfillPort, jobId: string, options: SourceOptions): Promise<string> {
  const deadline = Date.now() + (options.exportTimeoutMs ?? 30 * 60_000);
  const { signal } = options;
  for (;;) {
    if (signal?.aborted === true) throw interrupted();
    const job = await port.exportJob(jobId);
    if (job.status === 'completed') {
      if (job.location === undefined)
        throw new BackfillError('export_failed', `export job ${jobId} completed without a location`);
      return job.location;
    }
    if (job.status === 'failed') throw new BackfillError('export_failed', `export job ${jobId} failed`);
    if (Date.now() > deadline) throw new BackfillError('export_failed', `export job ${jobId} timed out`);
    await stoppable(sleep(options.pollMs ?? 2000, undefined, signal ? { signal } : {}), signal);
  }
}

async function listUsers(
  port: BackfillPort,
  each: (user: unknown) => void,
  options: ReadOptions,
): Promise<void> {
  const { signal, progress } = options;
  let seen = 0;
  for (let page = 0; ; page++) {
    if (signal?.aborted === true) throw interrupted();
    const { users, total } = await port.listUsers(page, LISTING_PAGE_SIZE, USER_FIELDS);
    if (page === 0 && total > LISTING_CAP) {
      // Listing is reached only when the tenant has no export job (404/501): a scope would not help here.
      throw new BackfillError(
        'export_failed',
        `the tenant holds ${total} users, paged listing stops at ${LISTING_CAP} on Auth0 and the tenant has no bulk ` +
          'export job: plan from an export made another way with --from-export <file> (NDJSON, one user a line, .gz allowed)',
      );
    }
    for (const user of users) each(user);
    seen += users.length;
    progress?.(seen, 0, undefined);
    if (users.length < LISTING_PAGE_SIZE || seen >= total) return;
  }
}

/** An export file on disk (`.json` NDJSON, or gzipped when the name ends in `.gz`), as Auth0 writes it. */
export async function readExportFile(
  file: string,
  each: (user: unknown) => void,
  options: ReadOptions = {},
): Promise<void> {
  const totalBytes = statSync(file, { throwIfNoEntry: false })?.size;
  await readNdjson(createReadStream(file, { highWaterMark: 1 << 20 }), file.endsWith('.gz'), each, {
    ...options,
    ...(totalBytes === undefined ? {} : { totalBytes }),
  });
}

/**
 * NDJSON, one user per line, streamed: a line that is not JSON stops the read, named; so does Ctrl-C. Lines are
 * split chunk by chunk, not awaited one by one: at ten million lines an await per line costs more than the parse.
 */
export async function readNdjson(
  input: NodeJS.ReadableStream,
  gzipped: boolean,
  each: (user: unknown) => void,
  options: ReadOptions & { totalBytes?: number } = {},
): Promise<void> {
  const { signal, progress } = options;
  let bytes = 0;
  if (progress !== undefined) input.on('data', (chunk: Buffer) => (bytes += chunk.length));
  const stream = gzipped ? input.pipe(createGunzip({ chunkSize: 1 << 18 })) : input;
  if (gzipped) input.on('error', (error) => (stream as Readable).destroy(error));
  stream.setEncoding('utf8');
  let number = 0;
  const parse = (line: string) => {
    number += 1;
    if (number % PROGRESS_EVERY === 0) progress?.(number, bytes, options.totalBytes);
    if (line === '' || line === '\r') return;
    try {
      each(JSON.parse(line));
    } catch (cause) {
      throw new BackfillError('invalid_export', `export line ${number}: ${(cause as Error).message}`, {
        cause,
      });
    }
  };
  let carry = '';
  for await (const chunk of stream as AsyncIterable<string>) {
    if (signal?.aborted === true) throw interrupted();
    const lines = (carry + chunk).split('\n');
    carry = lines.pop() ?? '';
    for (const line of lines) parse(line);
  }
  if (carry !== '') parse(carry);
}
