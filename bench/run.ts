import { run as web } from './web.ts';

const benches: (() => Promise<void>)[] = [web];

for (const bench of benches) await bench();
