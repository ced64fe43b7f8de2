import { stat } from 'node:fs/promises';
import path from 'node:path';
import { build } from 'esbuild';
import { prepareCommonJsFolder, writeWhole } from './build-action.ts';

export const WEB_BUNDLE = path.resolve(import.meta.dirname, '..', 'dist', 'web.js');

/**
 * The deployable web app: one CommonJS file with every dependency inside, run with `node dist/web.js` from an empty
 * folder (dist/package.json marks the folder CommonJS; without one, Node reads a .js file as CommonJS too).
 * Minified: the auth0 SDK is most of it, and parsing 1 MB instead of 2.4 MB starts the server sooner; names are
 * kept so stack traces stay readable.
 */
export async function buildWeb(outfile = WEB_BUNDLE): Promise<number> {
  await prepareCommonJsFolder(outfile);
  const { outputFiles } = await build({
    entryPoints: [path.resolve(import.meta.dirname, '..', 'web', 'main.ts')],
    outfile,
    bundle: true,
    format: 'cjs',
    platform: 'node',
    target: 'node22',
    minify: true,
    keepNames: true,
    // The bundled libraries' licences travel with the file that ships them.
    legalComments: 'eof',
    logLevel: 'warning',
    write: false,
  });
  for (const file of outputFiles) await writeWhole(file.path, file.contents);
  return (await stat(outfile)).size;
}
