import { ensureCertificateAuthority } from '../../emulator/certs.ts';
import { DEFAULT_DATA_DIR } from '../../emulator/index.ts';

/**
 * Creates the local tenant's CA before any test worker starts: Node reads `NODE_EXTRA_CA_CERTS` only at process
 * start, and workers inherit this environment, so the `auth0` SDK, `openid-client` and `fetch` trust the tenant.
 */
export async function setup(): Promise<void> {
  const { caFile } = await ensureCertificateAuthority(DEFAULT_DATA_DIR);
  process.env.NODE_EXTRA_CA_CERTS = caFile;
}
