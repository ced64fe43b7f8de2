import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';

/** The `LOCAL_TENANT {json}` line of a tenant started with `--control`. */
export interface LocalTenantLine {
  domain: string;
  ca_file: string;
  client_id: string;
  client_secret: string;
  control_key: string;
}

const ROOT = path.resolve(import.meta.dirname, '..');

/**
 * Starts `emulator/cli.ts` as its own process (as `npm run tenant` does, on a free port, control API on, no
 * snapshot) so its load never shares a thread with the bench, and reads its `LOCAL_TENANT` line.
 */
export async function startTenantProcess(
  extraArgs: readonly string[] = [],
): Promise<{ child: ChildProcess; tenant: LocalTenantLine }> {
  const child = spawn(
    process.execPath,
    ['emulator/cli.ts', '--port', '0', '--no-snapshot', '--control', ...extraArgs],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  for await (const line of createInterface({ input: child.stdout! })) {
    if (line.startsWith('LOCAL_TENANT '))
      return { child, tenant: JSON.parse(line.slice('LOCAL_TENANT '.length)) };
  }
  throw new Error('the local tenant exited before printing LOCAL_TENANT');
}
