import { DEFAULT_DATA_DIR } from '../emulator/index.ts';
import { ensureProcessTrustsCa } from '../emulator/trust.ts';
import { run as action } from './action.ts';
import { run as backfill } from './backfill.ts';
import { run as concurrency } from './concurrency.ts';
import { run as emulator } from './emulator.ts';
import { run as login } from './login.ts';
import { run as start } from './start.ts';
import { run as web } from './web.ts';

// The login bench runs the Action in this process, and it calls the local tenant back over HTTPS.
await ensureProcessTrustsCa(DEFAULT_DATA_DIR);

const benches: (() => Promise<void>)[] = [action, web, emulator, login, concurrency, backfill, start];

for (const bench of benches) await bench();
