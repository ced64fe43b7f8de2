import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import type { RunningWebServer } from '../../web/server.ts';

export interface WebBundleProcess extends RunningWebServer {
  readonly child: ChildProcess;
  /** Everything it printed so far, stdout and stderr. */
  output(): string;
}

/**
 * Runs a built `web.js` as it runs in production: its own Node process, configured by environment variables only
 * (plus PATH), from the folder it sits in. Resolves once it prints its listening line; rejects with its output when
 * it exits first. `close()` sends SIGTERM and waits for the exit.
 */
export async function startWebBundle(
  file: string,
  env: Readonly<Record<string, string>>,
): Promise<WebBundleProcess> {
  const child = spawn(process.execPath, [path.basename(file)], {
    cwd: path.dirname(file),
    env: { PATH: process.env.PATH ?? '', ...env },
  });
  let output = '';
  const port = await new Promise<number>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const found = /listening on http:\/\/\S+:(\d+) /.exec(output)?.[1];
      if (found !== undefined) resolve(Number(found));
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => reject(new Error(`web.js exited ${code}: ${output}`)));
  });
  return {
    child,
    host: env.HOST ?? '0.0.0.0',
    port,
    output: () => output,
    async close() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    },
  };
}
