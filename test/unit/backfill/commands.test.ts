import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type CommandIo,
  linkExisting,
  type PlanOutcome,
  runLinkExisting,
  runUnlink,
  unlink,
} from '../../../scripts/backfill/commands.ts';
import { BackfillError } from '../../../scripts/backfill/errors.ts';
import type { BackfillPort } from '../../../scripts/backfill/management.ts';
import { writeGeneratedExport } from '../../support/generated-export.ts';
import { rejectionBy } from '../../support/thrown.ts';
import { makeUser } from '../../support/users.ts';
import { BACKFILL_ENV as env, silentIo as io } from './support.ts';

/** Any Management request fails the test: these commands must stop before the first one. */
const noTenant = {
  createPort: () => {
    throw new Error('no request may be sent');
  },
};

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'link-existing-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('link-existing', () => {
  it('plans from an export file on disk without a tenant', async () => {
    const users = [
      makeUser('auth0|a', { created_at: '2020-01-01T00:00:00.000Z' }),
      makeUser('google-oauth2|b', { email: 'Alice@example.com' }),
    ];
    const file = path.join(dir, 'users.json.gz');
    writeFileSync(file, gzipSync(users.map((u) => `${JSON.stringify(u)}\n`).join('')));
    const out = path.join(dir, 'plan.jsonl');
    const outcome = (await linkExisting(
      ['--plan', '--from-export', file, '--out', out],
      env,
      io,
      noTenant,
    )) as PlanOutcome;
    expect(outcome.summary).toMatchObject({ users: 2, groups: 1, secondaries: 1 });
    const [header, group] = readFileSync(out, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(header).toMatchObject({ tenant: 'tenant.eu.auth0.com', source: 'file' });
    expect(group).toMatchObject({ group: 1, primary: 'auth0|a', secondaries: ['google-oauth2|b'] });
  });

  it('names the export line that is not JSON', async () => {
    const file = path.join(dir, 'users.json');
    writeFileSync(file, `${JSON.stringify(makeUser('auth0|a'))}\n{oops\n`);
    const error = await rejectionBy(
      BackfillError,
      linkExisting(['--plan', '--from-export', file, '--out', path.join(dir, 'p')], env, io, noTenant),
    );
    expect(error.code).toBe('invalid_export');
    expect(error.message).toMatch(/^export line 2: /);
  });

  it.each([
    [[]],
    [['--plan', '--apply', 'plan.jsonl']],
    [['--apply', 'plan.jsonl', '--max-rps', '0']],
    [['--apply', 'plan.jsonl', '--concurrency', '1.5']],
    [['--plan', '--bogus']],
  ])('refuses the arguments %j before any request', async (argv) => {
    expect((await rejectionBy(BackfillError, linkExisting(argv, env, io, noTenant))).code).toBe(
      'invalid_arguments',
    );
  });

  it('names the missing variable before reading anything', async () => {
    const error = await rejectionBy(
      BackfillError,
      linkExisting(['--plan'], { ...env, AUTH0_CLIENT_SECRET: '' }, io, noTenant),
    );
    expect(error).toMatchObject({ code: 'invalid_config', variable: 'AUTH0_CLIENT_SECRET' });
  });
});

describe('unlink', () => {
  it.each([[['auth0|a']], [['auth0|a', 'nobar']], [['auth0|a', 'github|1', 'extra']]])(
    'refuses the arguments %j before any request',
    async (argv) => {
      expect((await rejectionBy(BackfillError, unlink(argv, env, io, noTenant))).code).toBe(
        'invalid_arguments',
      );
    },
  );
});

/** Output captured: what `out` printed and what went to stderr. */
function capturedIo(): CommandIo & { printed: string[]; errors: string[] } {
  const printed: string[] = [];
  const errors: string[] = [];
  return {
    printed,
    errors,
    out: (line) => printed.push(line),
    err: { write: (text: string) => errors.push(text), isTTY: false },
  };
}

/** A port whose every call fails the way no check names (a bug, an SDK surprise). */
const brokenTenant = {
  createPort: (): BackfillPort =>
    new Proxy({} as BackfillPort, {
      get: () => () => Promise.reject(new TypeError("Cannot read properties of undefined (reading 'id')")),
    }),
};

describe('exit codes', () => {
  it('link-existing exits 2, printing the error, on a failure that is not a BackfillError', async () => {
    const io = capturedIo();
    expect(await runLinkExisting(['--plan', '--out', path.join(dir, 'p')], env, io, brokenTenant)).toBe(2);
    expect(io.errors.join('')).toContain("Cannot read properties of undefined (reading 'id')");
  });

  it('unlink exits 2, printing the error, on a failure that is not a BackfillError', async () => {
    const io = capturedIo();
    expect(await runUnlink(['auth0|a', 'github|1'], env, io, brokenTenant)).toBe(2);
    expect(io.errors.join('')).toContain("Cannot read properties of undefined (reading 'id')");
  });

  it('exits 2 naming the variable when the environment is refused', async () => {
    const io = capturedIo();
    expect(await runLinkExisting(['--plan'], { ...env, AUTH0_DOMAIN: '' }, io, noTenant)).toBe(2);
    expect(io.errors.join('')).toContain('AUTH0_DOMAIN');
  });
});

describe('link-existing --plan stopped by Ctrl-C', () => {
  it('stops waiting for the export job, writes no plan and exits 1', async () => {
    const stop = new AbortController();
    let polls = 0;
    const pendingExport = {
      createPort: (): BackfillPort =>
        ({
          startUserExport: async () => 'job_1',
          exportJob: async () => {
            polls += 1;
            stop.abort();
            return { status: 'pending' };
          },
        }) as unknown as BackfillPort,
      // Long enough that only an abortable wait lets the test finish in time.
      pollMs: 60_000,
      signal: stop.signal,
    };
    const io = capturedIo();
    const out = path.join(dir, 'plan.jsonl');
    expect(await runLinkExisting(['--plan', '--out', out], env, io, pendingExport)).toBe(1);
    expect(polls).toBe(1);
    expect(existsSync(out)).toBe(false);
    expect(io.errors.join('')).toContain('no plan was written');
    expect(io.errors.join('')).not.toContain('steps under way');
  });
  it('stops reading an export file at the first progress line: no plan and no spill file left', async () => {
    const file = path.join(dir, 'users.json.gz');
    await writeGeneratedExport(file, 20_000);
    const stop = new AbortController();
    const errors: string[] = [];
    const io: CommandIo = {
      out: () => undefined,
      err: {
        write: (text: string) => {
          errors.push(text);
          if (text.startsWith('reading users')) stop.abort();
        },
      },
    };
    const out = path.join(dir, 'plan.jsonl');
    const argv = ['--plan', '--from-export', file, '--out', out];
    expect(await runLinkExisting(argv, env, io, { ...noTenant, signal: stop.signal })).toBe(1);
    expect(errors.join('')).toContain('no plan was written');
    expect(readdirSync(dir)).toEqual(['users.json.gz']);
  });
});
