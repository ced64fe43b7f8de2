import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
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
  fetch?: typeof globalThis.fetch;
}

const LISTING_PAGE_SIZE = 100;
/** Auth0 returns at most 1,000 users through paging (page × per_page); the export job has no such cap. */
export const LISTING_CAP = 1000;

/** Users of the tenant: the bulk export job where it exists, paged listing otherwise. */
export async function readTenantUsers(
  port: BackfillPort,
  each: (user: unknown) => void,
  options: SourceOptions = {},
): Promise<UserSource> {
  const jobId = await port.startUserExport(USER_FIELDS);
  if (jobId === undefined) {
    options.onFallback?.('the tenant has no bulk export job');
    await listUsers(port, each);
    return 'listing';
  }
  const location = await waitForExport(port, jobId, options);
  const response = await (options.fetch ?? globalThis.fetch)(location, {
    signal: AbortSignal.timeout(options.exportTimeoutMs ?? 30 * 60_000),
  });
  if (!response.ok || response.body === null)
    throw new BackfillError('export_failed', `downloading the export answered ${response.status}`);
  await readNdjson(Readable.fromWeb(response.body as import('node:stream/web').ReadableStream), true, each);
  return 'export';
}

async function waitForExport(port: BackfillPort, jobId: string, options: SourceOptions): Promise<string> {
  const deadline = Date.now() + (options.exportTimeoutMs ?? 30 * 60_000);
  for (;;) {
    const job = await port.exportJob(jobId);
    if (job.status === 'completed') {
      if (job.location === undefined)
        throw new BackfillError('export_failed', `export job ${jobId} completed without a location`);
      return job.location;
    }
    if (job.status === 'failed') throw new BackfillError('export_failed', `export job ${jobId} failed`);
    if (Date.now() > deadline) throw new BackfillError('export_failed', `export job ${jobId} timed out`);
    await sleep(options.pollMs ?? 2000);
  }
}

async function listUsers(port: BackfillPort, each: (user: unknown) => void): Promise<void> {
  let seen = 0;
  for (let page = 0; ; page++) {
    const { users, total } = await port.listUsers(page, LISTING_PAGE_SIZE, USER_FIELDS);
    if (page === 0 && total > LISTING_CAP) {
      throw new BackfillError(
        'export_failed',
        `the tenant holds ${total} users and paged listing stops at ${LISTING_CAP} on Auth0: grant read:users for the export job instead`,
      );
    }
    for (const user of users) each(user);
    seen += users.length;
    if (users.length < LISTING_PAGE_SIZE || seen >= total) return;
  }
}

/** An export file on disk (`.json` NDJSON, or gzipped when the name ends in `.gz`), as Auth0 writes it. */
export async function readExportFile(file: string, each: (user: unknown) => void): Promise<void> {
  await readNdjson(createReadStream(file), file.endsWith('.gz'), each);
}

/** NDJSON, one user per line, streamed: a line that is not JSON stops the read, named. */
export async function readNdjson(
  input: NodeJS.ReadableStream,
  gzipped: boolean,
  each: (user: unknown) => void,
): Promise<void> {
  const stream = gzipped ? input.pipe(createGunzip()) : input;
  const lines = createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY });
  let number = 0;
  for await (const line of lines) {
    number += 1;
    if (line === '') continue;
    let user: unknown;
    try {
      user = JSON.parse(line);
      each(user);
    } catch (cause) {
      throw new BackfillError('invalid_export', `export line ${number}: ${(cause as Error).message}`, {
        cause,
      });
    }
  }
}
