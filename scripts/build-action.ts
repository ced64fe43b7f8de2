import { randomUUID } from 'node:crypto';
import { mkdir, rename, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { type BuildOptions, build } from 'esbuild';

/** Auth0 refuses Action code over 100 kB; this project's own budget is 30 kB. */
export const ACTION_CODE_LIMIT_BYTES = 100 * 1024;
export const ACTION_BUNDLE = path.resolve(import.meta.dirname, '..', 'dist', 'account-linking.js');

/** How Auth0 wants Action code: one CommonJS file for Node, minified. Also used to size alternatives. */
export const ACTION_BUILD_OPTIONS = Object.freeze({
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node18',
  minify: true,
} satisfies BuildOptions);

/** Whole or not at all: tests and scripts running side by side rebuild the same bundle while others read it. */
export async function writeWhole(file: string, contents: string | Uint8Array): Promise<void> {
  const staging = `${file}.${process.pid}.${randomUUID()}.tmp`;
  await writeFile(staging, contents);
  await rename(staging, file);
}

/** Makes the output folder of a CommonJS bundle. */
export async function prepareCommonJsFolder(outfile: string): Promise<void> {
  await mkdir(path.dirname(outfile), { recursive: true });
  // The repository is ESM; this marker lets Node `require` the CommonJS bundles (the Action, as Auth0 does).
  await writeWhole(path.join(path.dirname(outfile), 'package.json'), '{ "type": "commonjs" }\n');
}

export async function buildAction(outfile = ACTION_BUNDLE): Promise<number> {
  await prepareCommonJsFolder(outfile);
  const { outputFiles } = await build({
    entryPoints: [path.resolve(import.meta.dirname, '..', 'actions', 'account-linking', 'index.ts')],
    outfile,
    ...ACTION_BUILD_OPTIONS,
    // The map is written beside the bundle for debugging, but the deployed file does not reference it.
    sourcemap: 'external',
    legalComments: 'none',
    logLevel: 'warning',
    write: false,
  });
  for (const file of outputFiles) await writeWhole(file.path, file.contents);
  const { size } = await stat(outfile);
  if (size > ACTION_CODE_LIMIT_BYTES) {
    throw new Error(
      `${path.basename(outfile)} is ${size} bytes: Auth0 accepts at most ${ACTION_CODE_LIMIT_BYTES}`,
    );
  }
  return size;
}
