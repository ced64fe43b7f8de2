import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../../..');
let child: ChildProcess | undefined;

/** `npm run tenant -- <args>` as its own process; resolves with the LOCAL_TENANT line, or the exit and stderr. */
type CliStart = { tenant: { domain: string } } | { code: number | null; stderr: string };

async function startCli(args: string[]): Promise<CliStart> {
  const started = spawn(process.execPath, ['emulator/cli.ts', '--port', '0', '--no-snapshot', ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child = started;
  let stderr = '';
  started.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  for await (const line of createInterface({ input: started.stdout! })) {
    if (line.startsWith('LOCAL_TENANT ')) return { tenant: JSON.parse(line.slice(13)) };
  }
  if (started.exitCode === null) await once(started, 'exit');
  return { code: started.exitCode, stderr };
}

afterEach(() => {
  child?.kill('SIGTERM');
  child = undefined;
});

describe('npm run tenant', () => {
  it('injects the faults given with --faults from the first request', async () => {
    const rules = JSON.stringify([{ route: 'GET /.well-known/*', status: 503 }]);
    const started = await startCli(['--faults', rules]);
    if (!('tenant' in started)) throw new Error(`the tenant did not start: ${started.stderr}`);
    const response = await fetch(`https://${started.tenant.domain}/.well-known/openid-configuration`);
    expect(response.status).toBe(503);
  });

  it('refuses malformed --faults before listening, naming the option', async () => {
    const started = await startCli(['--faults', '[{"route": 42}]']);
    expect(started).toMatchObject({ code: 1 });
    expect('stderr' in started && started.stderr).toContain('--faults');
  });
});
