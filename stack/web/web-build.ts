import { existsSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../../api/src/config';
import { BuildStamp, hashInputs } from '../process/build-cache';
import { buildSummaryLine, runCommand } from '../process/run-command';

/** Everything the web build reads: its sources, the API schema its operations are typed against, the ABIs. */
const WEB_INPUTS = ['web/index.html', 'web/explorer.html', 'web/src', 'web/vite.config.mts', 'web/codegen.ts', 'web/tsconfig.json', 'codegen.ts', 'api/schema.graphql', 'artifacts/contracts'];

export const WEB_DIST_DIR = path.join(REPO_ROOT, 'web', 'dist');

/**
 * `npm run build:web` (typed operations with GraphQL Code Generator, then `vite build` into web/dist),
 * unless nothing it reads changed since the last build. Returns whether it built.
 */
export async function buildWebIfChanged(options: { stampDir: string; log: (line: string) => void; reuse?: boolean }): Promise<boolean> {
  const hash = await hashInputs(REPO_ROOT, WEB_INPUTS, (file) => !file.includes(`${path.sep}gql${path.sep}`) && !file.endsWith('.dbg.json'));
  const stamp = new BuildStamp(path.join(options.stampDir, 'web.sha256'));
  if (options.reuse && existsSync(path.join(WEB_DIST_DIR, 'index.html'))) return false;
  if (existsSync(path.join(WEB_DIST_DIR, 'index.html')) && (await stamp.matches(hash))) return false;
  await runCommand('The web client build', 'npm', ['run', '--silent', 'build:web'], { cwd: REPO_ROOT, onLine: (line) => {
      const summary = buildSummaryLine(line);
      if (summary) options.log(summary);
    } });
  await stamp.record(hash);
  return true;
}
