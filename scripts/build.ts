import path from 'node:path';
import { ACTION_BUNDLE, buildAction } from './build-action.ts';
import { buildWeb, WEB_BUNDLE } from './build-web.ts';

// `npm run build`: the Action Auth0 runs and the web app you host, side by side in dist/.
try {
  for (const [file, size] of [
    [ACTION_BUNDLE, await buildAction()],
    [WEB_BUNDLE, await buildWeb()],
  ] as const) {
    console.log(`built ${path.relative(process.cwd(), file)} (${size} bytes)`);
  }
} catch (error) {
  console.error(`build failed: ${(error as Error).message}`);
  process.exit(1);
}
