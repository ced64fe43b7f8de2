import { createServer } from 'node:net';

/**
 * A free port below Linux's ephemeral range (32768+), for a server that binds it only later: the many outgoing
 * connections made meanwhile (a0deploy's imports) draw their local ports from that range, so none can take it.
 */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    const free = await new Promise<boolean>((resolve) => {
      const server = createServer()
        .once('error', () => resolve(false))
        .listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
    });
    if (free) return port;
  }
}
