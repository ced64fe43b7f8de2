import { createServer, type RequestListener, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { loadTlsMaterial } from '../../emulator/certs.ts';
import { DEFAULT_DATA_DIR } from '../../emulator/index.ts';

/** An HTTP server of the test's own (a relying party, a static site) on a free loopback port. */
export interface LoopbackServer {
  /** `http://localhost:<port>` (`https` with `tls`): the host name browsers and the tenant's URL checks see. */
  url: string;
  port: number;
  close(): Promise<void>;
}

/**
 * Serves `handler` (a Node listener, such as an Express app) on 127.0.0.1 at a free port; with `tls`, over HTTPS
 * with a `localhost` certificate from the local tenant's CA, as a developer's own app beside the tenant would be.
 */
export async function listenOnLoopback(
  handler: RequestListener,
  { tls = false }: { tls?: boolean } = {},
): Promise<LoopbackServer> {
  let server: Server;
  if (tls) {
    const { certPem, keyPem } = await loadTlsMaterial(DEFAULT_DATA_DIR);
    server = createHttpsServer({ cert: certPem, key: keyPem }, handler);
  } else {
    server = createServer(handler);
  }
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return {
    url: `${tls ? 'https' : 'http'}://localhost:${port}`,
    port,
    close: () =>
      new Promise<void>((done) => {
        server.close(() => done());
        server.closeAllConnections();
      }),
  };
}
