import { run as emulator } from './emulator.ts';
import { run as web } from './web.ts';

const benches: (() => Promise<void>)[] = [web, emulator];

for (const bench of benches) await bench();
