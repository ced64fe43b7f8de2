import { runWebCli } from './cli.ts';
import { WEB_DEFAULTS } from './config.ts';

// `npm run web` from a checkout: loopback only unless HOST says otherwise.
void runWebCli(process.argv.slice(2), process.env, WEB_DEFAULTS);
