/**
 * The API's production build (`npm run build:api`): every TypeScript file the API runs (api/src, the
 * deployment reader, the typechain types) compiled by swc to CommonJS in dist/, with source maps,
 * legacy decorators and their metadata (type-graphql reads it), plus the non-TypeScript files the API
 * reads beside its code (api/src/graphql/subgraph/operations.graphql). swc only transpiles: types are
 * checked by `npm run lint` (tsc --noEmit). swc was chosen over tsc for this: on this project swc
 * builds the API in under a second, tsc -p tsconfig.build.json in about 15 s (see the README).
 *
 * `node dist/api/src/main.js` then runs what production runs.
 */
import { transformFile, type Options } from '@swc/core';
import { existsSync } from 'node:fs';
import { cp, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { REPO_ROOT } from '../../api/src/config';
import { BuildStamp, hashInputs } from '../process/build-cache';

/** Every folder the API's code comes from (what api/src/main.ts imports, transitively). */
const API_INPUTS = ['api/src', 'contracts/deployment', 'typechain-types'];
export const API_DIST_DIR = path.join(REPO_ROOT, 'dist');
export const API_ENTRY = path.join(API_DIST_DIR, 'api', 'src', 'main.js');

const SWC_OPTIONS: Options = {
  swcrc: false,
  sourceMaps: true,
  module: { type: 'commonjs' },
  jsc: {
    target: 'es2022',
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true },
  },
};

async function sources(folder: string): Promise<string[]> {
  const files: string[] = [];
  for (const entry of await readdir(folder, { withFileTypes: true })) {
    const file = path.join(folder, entry.name);
    if (entry.isDirectory()) files.push(...(await sources(file)));
    else if (file.endsWith('.ts') && !file.endsWith('.d.ts') && !file.endsWith('.test.ts')) files.push(file);
  }
  return files;
}

/** Compiles the API into dist/ (emptied first); returns how many files were compiled. */
export async function buildApi(): Promise<number> {
  await rm(API_DIST_DIR, { recursive: true, force: true });
  let count = 0;
  for (const input of API_INPUTS) {
    const folder = path.join(REPO_ROOT, input);
    if (!existsSync(folder)) throw new Error(`The API build needs ${input}, which is missing: run \`npm run compile\` (it writes typechain-types) first.`);
    const files = await sources(folder);
    await Promise.all(
      files.map(async (file) => {
        const target = path.join(API_DIST_DIR, path.relative(REPO_ROOT, file)).replace(/\.ts$/, '.js');
        const output = await transformFile(file, { ...SWC_OPTIONS, filename: file, sourceFileName: path.relative(path.dirname(target), file) });
        await mkdir(path.dirname(target), { recursive: true });
        await writeFile(target, `${output.code}\n//# sourceMappingURL=${path.basename(target)}.map\n`);
        if (output.map) await writeFile(`${target}.map`, output.map);
      }),
    );
    count += files.length;
  }
  await cp(path.join(REPO_ROOT, 'api', 'src'), path.join(API_DIST_DIR, 'api', 'src'), {
    recursive: true,
    filter: (file) => !path.extname(file) || file.endsWith('.graphql'),
  });
  return count;
}

/**
 * Builds dist/ unless its inputs are unchanged since the last build (or `reuse` and a build is there:
 * test runs whose script built it just before). Returns whether it built.
 */
export async function buildApiIfChanged(options: { stampDir: string; log: (line: string) => void; reuse?: boolean }): Promise<boolean> {
  if (options.reuse && existsSync(API_ENTRY)) return false;
  // This file too: it holds the compiler's settings.
  const hash = await hashInputs(REPO_ROOT, [...API_INPUTS, 'stack/api/api-build.ts']);
  const stamp = new BuildStamp(path.join(options.stampDir, 'api.sha256'));
  if (existsSync(API_ENTRY) && (await stamp.matches(hash))) return false;
  const started = performance.now();
  const count = await buildApi();
  options.log(`compiled ${count} files with swc in ${Math.round(performance.now() - started)} ms`);
  await stamp.record(hash);
  return true;
}

if (require.main === module) {
  const started = performance.now();
  buildApi().then(
    (count) => process.stdout.write(`API built: ${count} files in ${path.relative(process.cwd(), API_DIST_DIR)}/ (swc, ${Math.round(performance.now() - started)} ms); run it with \`npm run start:api\`.\n`),
    (error: unknown) => {
      process.stderr.write(`The API build failed: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}
