/**
 * The API as its own process, as production runs it: `node dist/api/src/main.js` (the swc build of
 * api-build.ts) with the environment the launcher made for it. It announces readiness with one JSON
 * line (main.ts) and exits when its standard input, a pipe the launcher holds, closes.
 */
import { REPO_ROOT } from '../../api/src/config';
import { API_ENTRY } from './api-build';
import { spawnWithReadyLine } from '../process/child-process';

export interface ApiProcess {
  url: string;
  pid: number;
  /** From the API process's start to its listening, as it measured it. */
  startupMs: number;
  exited: Promise<string>;
  stop(): Promise<void>;
}

/**
 * Node's flags for the API. A young generation of 64 MiB semi-spaces (Node's default is 16): a records
 * page allocates a few MiB (documents, decrypted contents, the answer), and with the default the
 * collector took 22% of the API's busy time in a profiled run under load (docs/benchmarks.md).
 */
const API_NODE_FLAGS = ['--enable-source-maps', '--max-semi-space-size=64'];

export async function startApiProcess(options: { env: NodeJS.ProcessEnv; host: string; port: number; onOutput: (line: string) => void }): Promise<ApiProcess> {
  const child = await spawnWithReadyLine<{ event: 'ready'; url: string; pid: number; startupMs: number }>({
    name: 'The API process (node dist/api/src/main.js)',
    command: process.execPath,
    args: [...API_NODE_FLAGS, API_ENTRY, '--exit-with-stdin'],
    cwd: REPO_ROOT,
    env: { ...options.env, API_PORT: String(options.port), HOST: options.host },
    timeoutMs: 120_000,
    detached: true,
    onOutput: options.onOutput,
  });
  return { url: child.ready.url, pid: child.pid, startupMs: child.ready.startupMs, exited: child.exited, stop: () => child.stop(10_000) };
}
