/**
 * `npm start` as a user runs it (stack/start.ts in its own process): killed with SIGKILL it cannot stop
 * its parts, so the next start on the same data folder finds the ones still running (.data/stack/pids.json,
 * checked against /proc/<pid>/cmdline), stops them and says so, then starts normally; Ctrl-C (SIGINT)
 * stops every part and leaves nothing running. Real processes throughout, the stack's own PostgreSQL
 * included.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from '../../api/src/config';
import { alive } from '../../stack/process/pid-file';
import { testStackEnvironment } from '../fixtures/stack-env';

jest.setTimeout(600_000);

let dataDir: string;
const launchers: ChildProcessWithoutNullStreams[] = [];

interface Launcher {
  child: ChildProcessWithoutNullStreams;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts stack/start.ts as `npm start` does and waits for its ready banner. */
async function launch(): Promise<Launcher> {
  const { GRAPH_NODE_POSTGRES_URL: _shared, ...env } = testStackEnvironment(dataDir);
  const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', path.join(REPO_ROOT, 'stack', 'start.ts'), '--no-demo'], {
    cwd: REPO_ROOT,
    // GRAPH_NODE_POSTGRES_URL emptied: the test run's shared cluster is in this process's environment.
    env: { ...process.env, ...env, GRAPH_NODE_POSTGRES_URL: '', TS_NODE_TRANSPILE_ONLY: 'true', STACK_REUSE_BUILDS: 'true' },
  });
  launchers.push(child);
  let text = '';
  child.stdout.on('data', (chunk: Buffer) => (text += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (text += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const deadline = Date.now() + 300_000;
  while (!text.includes('everything is running')) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`npm start did not get ready:\n${text}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return { child, output: () => text, exited };
}

function recordedParts(): Array<{ name: string; pid: number }> {
  return (JSON.parse(readFileSync(path.join(dataDir, 'stack', 'pids.json'), 'utf8')) as { parts: Array<{ name: string; pid: number }> }).parts;
}

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'health-records-launcher-'));
  // The stack's PostgreSQL runs as an unprivileged user when the tests run as root: it must reach its folder.
  await chmod(dataDir, 0o755);
});

afterAll(async () => {
  for (const child of launchers) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  // Whatever a failed test left: the parts recorded last.
  if (existsSync(path.join(dataDir, 'stack', 'pids.json'))) for (const { pid } of recordedParts()) if (alive(pid)) process.kill(pid, 'SIGKILL');
  await rm(dataDir, { recursive: true, force: true });
});

test('after the launcher is killed with SIGKILL, the next start stops what it left and starts; SIGINT then stops every part', async () => {
  const first = await launch();
  const left = recordedParts();
  expect(left.map((part) => part.name)).toEqual(expect.arrayContaining(['the chain (anvil)', 'graph-node', "PostgreSQL (graph-node's store)", 'FerretDB (the database)', 'the API process']));
  first.child.kill('SIGKILL');
  await first.exited;

  const second = await launch();
  // Each part the first launcher left running was stopped by the second, and said so.
  expect(second.output()).toMatch(/left running by an earlier run that ended without stopping it/);
  for (const { pid } of left) expect(alive(pid)).toBe(false);
  const running = recordedParts();
  expect(running.every(({ pid }) => alive(pid))).toBe(true);

  second.child.kill('SIGINT');
  expect(await second.exited).toEqual({ code: 0, signal: null });
  expect(second.output()).toContain('Stopped.');
  for (const { pid, name } of running) expect({ name, alive: alive(pid) }).toEqual({ name, alive: false });
  expect(existsSync(path.join(dataDir, 'stack', 'pids.json'))).toBe(false);
});
