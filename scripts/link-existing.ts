import { fileURLToPath } from 'node:url';
import { type Env, runLinkExisting } from './backfill/commands.ts';

/** Exit codes (`EXIT_CODES`): 0 nothing left to do, 1 stopped by Ctrl-C, 2 refused or failed (the message says why). */
async function main(argv: readonly string[], env: Env): Promise<number> {
  const stop = new AbortController();
  process.once('SIGINT', () => stop.abort());
  return runLinkExisting(
    argv,
    env,
    { out: (line) => console.log(line), err: process.stderr },
    { signal: stop.signal },
  );
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  process.exitCode = await main(process.argv.slice(2), process.env);
}
