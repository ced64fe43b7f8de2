import { fileURLToPath } from 'node:url';
import { type Env, runUnlink } from './backfill/commands.ts';

/** Exit codes (`EXIT_CODES`): 0 unlinked, 2 refused or failed (the message says why). */
async function main(argv: readonly string[], env: Env): Promise<number> {
  return runUnlink(argv, env, { out: (line) => console.log(line), err: process.stderr });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  process.exitCode = await main(process.argv.slice(2), process.env);
}
