import { spawn } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { DeployError } from './errors.ts';
import type { DeployLog } from './log.ts';

export const A0DEPLOY_BIN = path.resolve(import.meta.dirname, '..', '..', 'node_modules', '.bin', 'a0deploy');
const IMPORT_TIMEOUT_MS = 10 * 60_000;

export interface ImportRequest {
  tenantFile: string;
  env: Record<string, string>;
  dryRun?: boolean;
}

export type RunImport = (request: ImportRequest, log: DeployLog) => Promise<void>;

/** Runs `a0deploy import` from `bin` in a child with exactly `env`, streaming its output through the masked log. */
export const a0deployImporter =
  (bin: string): RunImport =>
  (request, log) =>
    new Promise((resolve, reject) => {
      const args = [bin, 'import', '--input_file', request.tenantFile];
      if (request.dryRun) args.push('--dry-run');
      const child = spawn(process.execPath, args, {
        cwd: path.dirname(request.tenantFile),
        env: request.env,
        stdio: ['ignore', 'pipe', 'pipe'],
        timeout: IMPORT_TIMEOUT_MS,
      });
      for (const stream of [child.stdout, child.stderr]) {
        createInterface({ input: stream }).on('line', (line) => log(`  a0deploy | ${line}`));
      }
      child.on('error', (cause) =>
        reject(new DeployError('import_failed', `a0deploy could not start: ${cause.message}`, { cause })),
      );
      child.on('close', (code, signal) => {
        if (code === 0) resolve();
        else {
          const how = signal ? `was stopped by ${signal}` : `exited with code ${code}`;
          reject(new DeployError('import_failed', `a0deploy import ${how}`));
        }
      });
    });

/** The real `a0deploy` of this repository's dependencies (patched: see docs/deploy.md, "The auth0-deploy-cli patch"). */
export const runA0deployImport: RunImport = a0deployImporter(A0DEPLOY_BIN);
