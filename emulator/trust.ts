import { spawn } from 'node:child_process';
import { ensureCertificateAuthority } from './certs.ts';

/**
 * Makes sure this process trusts the local CA. Node reads NODE_EXTRA_CA_CERTS only at start, and Actions the tenant
 * runs in-process call it back over HTTPS with `fetch`; so when the variable is not already the CA file, the
 * current command runs once more as a child with it set, signals are forwarded, and this process exits with the
 * child's code. Returns only in a process that already trusts the CA.
 */
export async function ensureProcessTrustsCa(dataDir: string): Promise<{ caFile: string }> {
  const { caFile } = await ensureCertificateAuthority(dataDir);
  if (process.env.NODE_EXTRA_CA_CERTS === caFile) return { caFile };
  const child = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
    stdio: 'inherit',
    env: { ...process.env, NODE_EXTRA_CA_CERTS: caFile },
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal));
  const code = await new Promise<number>((done) =>
    child.on('exit', (exitCode, signal) => done(exitCode ?? (signal ? 1 : 0))),
  );
  process.exit(code);
}
