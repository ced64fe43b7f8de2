import { fileURLToPath } from 'node:url';
import { type Env, linkExisting } from './backfill/commands.ts';
import { BackfillConfigError, BackfillError } from './backfill/errors.ts';

/**
 * Exit codes: 0 nothing left to do, 1 accounts remain after Ctrl-C (run again to resume), 2 refused or failed
 * (the message says why).
 */
async function main(argv: readonly string[], env: Env): Promise<number> {
  const stop = new AbortController();
  process.once('SIGINT', () => {
    process.stderr.write('\nlink-existing: stopping after the steps under way (run again to resume)\n');
    stop.abort();
  });
  try {
    const outcome = await linkExisting(
      argv,
      env,
      { out: (line) => console.log(line), err: process.stderr },
      { signal: stop.signal },
    );
    return outcome.kind === 'apply' && outcome.report.remaining > 0 ? 1 : 0;
  } catch (error) {
    if (error instanceof BackfillConfigError) {
      console.error(`link-existing refused before any request: ${error.variable}: ${error.message}`);
      return 2;
    }
    if (error instanceof BackfillError) {
      console.error(`link-existing failed (${error.code}): ${error.message}`);
      return 2;
    }
    throw error;
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  process.exitCode = await main(process.argv.slice(2), process.env);
}
