import { runWebCli } from './cli.ts';

// The entry of `dist/web.js`, the deployable server: it listens on every interface unless HOST says otherwise.
void runWebCli(process.argv.slice(2), process.env, { host: '0.0.0.0' });
