import { fileURLToPath } from 'node:url';
import { type Env, unlink } from './backfill/commands.ts';
import { BackfillConfigError, BackfillError } from './backfill/errors.ts';

async function main(argv: readonly string[], env: Env): Promise<number> {
  try {
    await unlink(argv, env, { out: (line) => console.log(line), err: process.stderr });
    return 0;
  } catch (error) {
    if (error instanceof BackfillConfigError) {
      console.error(`unlink refused before any request: ${error.variable}: ${error.message}`);
      return 2;
    }
    if (error instanceof BackfillError) {
      console.error(`unlink failed (${error.code}): ${error.message}`);
      return 2;
    }
    throw error;
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  process.exitCode = await main(process.argv.slice(2), process.env);
}
