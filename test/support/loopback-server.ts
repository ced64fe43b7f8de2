import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** An HTTP server of the test's own (a relying party, a static site) on a free loopback port. */
export interface LoopbackServer {
  /** `http://localhost:<port>`: the host name browsers and the tenant's URL checks see. */
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Serves `handler` (a Node listener, such as an Express app) on 127.0.0.1 at a free port. */
export async function listenOnLoopback(handler: RequestListener): Promise<LoopbackServer> {
  const server: Server = createServer(handler);
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://localhost:${port}`,
    port,
    close: () =>
      new Promise<void>((done) => {
        server.close(() => done());
        server.closeAllConnections();
      }),
  };
}
