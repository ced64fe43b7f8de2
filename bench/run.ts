import { run as action } from './action.ts';
import { run as emulator } from './emulator.ts';
import { run as web } from './web.ts';

const benches: (() => Promise<void>)[] = [action, web, emulator];

for (const bench of benches) await bench();
