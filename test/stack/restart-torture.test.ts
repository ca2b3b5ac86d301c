/**
 * `npm start` stopped and started again on one data folder, in every way a user or a machine stops it:
 * Ctrl-C in a terminal (SIGINT to the whole process group: npm and the launcher both get it, and npm
 * forwards its own), SIGTERM to the group (a service manager), SIGKILL of the launcher (its parts left
 * running), SIGKILL of the chain (the launcher restarts it). After each, a signed-in patient writes
 * through the API. Throughout: no start is refused, graph-node's index is never rebuilt (no block is
 * indexed twice: its log's committed block numbers only grow), every acknowledged write is there, the
 * session made at the first start stays valid, a graceful stop is never escalated to a kill, and no
 * process outlives the stop. Real processes throughout, npm included.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from '../../api/src/config';
import { currentBlock } from '../../stack/chain/chain-status';
import { testWallet } from '../../stack/chain/demo-accounts';
import { alive } from '../../stack/process/pid-file';
import { testStackEnvironment } from '../fixtures/stack-env';
import { PatientWriter, subgraphBlock, until } from '../fixtures/patient-writes';

jest.setTimeout(1_800_000);

type Ending = 'ctrl-c' | 'sigterm' | 'kill the launcher' | 'kill the chain, then ctrl-c';
/** Eleven starts: the first makes the folder, each later one resumes what the one before left. */
const ENDINGS: Ending[] = [
  'ctrl-c',
  'kill the launcher',
  'sigterm',
  'kill the chain, then ctrl-c',
  'ctrl-c',
  'kill the launcher',
  'kill the chain, then ctrl-c',
  'sigterm',
  'kill the launcher',
  'ctrl-c',
  'sigterm',
];

interface PidFile {
  launcher: { pid: number };
  parts: Array<{ name: string; pid: number }>;
}

interface Launched {
  npm: ChildProcessWithoutNullStreams;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  urls: { web: string; rpc: string; subgraph: string };
  chainId: number;
  ms: number;
}

let dataDir: string;
const launched: Launched[] = [];
const writers = [new PatientWriter(testWallet(6)), new PatientWriter(testWallet(7))];

const pidFile = () => path.join(dataDir, 'stack', 'pids.json');
const recorded = (): PidFile => JSON.parse(readFileSync(pidFile(), 'utf8')) as PidFile;
const everyPid = (file: PidFile) => [file.launcher.pid, ...file.parts.map((part) => part.pid)];

/** `npm start -- --no-demo` in a process group of its own, as a terminal runs it; resolves at its ready banner. */
async function launch(): Promise<Launched> {
  const { GRAPH_NODE_POSTGRES_URL: _shared, ...env } = testStackEnvironment(dataDir);
  const started = Date.now();
  const npm = spawn('npm', ['start', '--', '--no-demo'], {
    cwd: REPO_ROOT,
    // No GRAPH_NODE_POSTGRES_URL: the stack runs its own PostgreSQL, as `npm start` does.
    env: { ...process.env, ...env, GRAPH_NODE_POSTGRES_URL: '', STACK_REUSE_BUILDS: 'true', CI: 'true' },
    detached: true,
  });
  let text = '';
  npm.stdout.on('data', (chunk: Buffer) => (text += chunk.toString()));
  npm.stderr.on('data', (chunk: Buffer) => (text += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => npm.once('exit', (code, signal) => resolve({ code, signal })));
  await until('npm start reaching its ready banner', () => {
    if (npm.exitCode !== null) throw new Error(`npm start exited (${npm.exitCode}) before it was ready:\n${text}`);
    return text.includes('everything is running');
  }, 300_000, () => `\n${text}`);
  const line = (label: string) => new RegExp(`^ ${label}\\s+(\\S+)`, 'm').exec(text)?.[1] ?? '';
  const entry: Launched = {
    npm,
    output: () => text,
    exited,
    urls: { web: line('Web client'), rpc: line('Chain JSON-RPC'), subgraph: line('Subgraph queries') },
    chainId: Number(/\(chain id (\d+)\)/.exec(text)?.[1]),
    ms: Date.now() - started,
  };
  launched.push(entry);
  return entry;
}

/** The block numbers graph-node committed, in the order of its log (every start appends to it). */
function committedBlocks(): number[] {
  const log = readFileSync(path.join(dataDir, 'stack', 'graph-node', 'graph-node.log'), 'utf8');
  return [...log.matchAll(/Committed write batch.*?block_number: (\d+)/g)].map((match) => Number(match[1]));
}

/** How often graph-node indexed a block again that it had already indexed (an index rebuilt, or rewound). */
function blocksIndexedAgain(): number {
  let highest = -1;
  let again = 0;
  for (const block of committedBlocks()) {
    if (block <= highest) again += 1;
    highest = Math.max(highest, block);
  }
  return again;
}

/** Until anvil's state file holds the chain head: a SIGKILL of the chain then loses no block. */
async function untilChainStateWritten(stack: Launched): Promise<void> {
  const head = await currentBlock(stack.urls.rpc);
  await until('the chain state file holding the head block', () => {
    const state = JSON.parse(readFileSync(path.join(dataDir, 'stack', 'chain', 'state.json'), 'utf8')) as { best_block_number: number | string };
    return Number(state.best_block_number) >= head;
  }, 30_000);
}

async function writeAndCheck(stack: Launched): Promise<void> {
  for (const writer of writers) for (let i = 0; i < 3; i++) await writer.writeOnce();
  const head = await currentBlock(stack.urls.rpc);
  await until('the index reaching the chain head', async () => (await subgraphBlock(stack.urls.subgraph)) >= head);
  for (const writer of writers) await writer.expectEveryAcknowledgedWrite();
}

async function expectGracefulStop(stack: Launched, signal: 'SIGINT' | 'SIGTERM', pids: number[]): Promise<void> {
  process.kill(-stack.npm.pid!, signal);
  const { code } = await stack.exited;
  expect(stack.output()).toContain('Stopped.');
  expect(stack.output()).not.toContain('killing every part now');
  expect(code).toBe(0);
  for (const pid of pids) expect({ pid, alive: alive(pid) }).toEqual({ pid, alive: false });
  expect(existsSync(pidFile())).toBe(false);
}

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'health-records-torture-'));
  // The stack's PostgreSQL runs as an unprivileged user when the tests run as root: it must reach its folder.
  await chmod(dataDir, 0o755);
});

afterAll(async () => {
  for (const writer of writers) writer.close();
  for (const { npm } of launched) if (npm.exitCode === null && npm.signalCode === null) process.kill(-npm.pid!, 'SIGKILL');
  if (existsSync(pidFile())) for (const pid of everyPid(recorded())) if (alive(pid)) process.kill(pid, 'SIGKILL');
  await rm(dataDir, { recursive: true, force: true });
});

test(`${ENDINGS.length} stops of every kind on one data folder: no refused start, no index rebuilt, no write lost, no session lost, no process left`, async () => {
  let refused = 0;
  let leftBehind: number[] = [];
  for (const [cycle, ending] of ENDINGS.entries()) {
    let stack: Launched;
    try {
      stack = await launch();
    } catch (error) {
      refused += 1;
      throw error;
    }
    const output = stack.output();
    expect(output).not.toMatch(/holds the state of chain|index is dropped|indexed again/);
    if (cycle > 0) expect(output).toContain('kept from the previous run');
    // What a killed launcher left was stopped by this start.
    for (const pid of leftBehind) expect({ pid, alive: alive(pid) }).toEqual({ pid, alive: false });

    // The session of the first start is still valid; the writes of every earlier cycle are there.
    for (const writer of writers) await writer.connect(stack.urls, stack.chainId, { signIn: cycle === 0 });
    for (const writer of writers) {
      const { me } = await writer.client.data<{ me: { address: string } | null }>('{ me { address } }');
      expect(me?.address.toLowerCase()).toBe(writer.wallet.address.toLowerCase());
    }
    await writeAndCheck(stack);

    const running = recorded();
    switch (ending) {
      case 'ctrl-c':
        await expectGracefulStop(stack, 'SIGINT', everyPid(running));
        break;
      case 'sigterm':
        await expectGracefulStop(stack, 'SIGTERM', everyPid(running));
        break;
      case 'kill the launcher':
        await untilChainStateWritten(stack);
        process.kill(running.launcher.pid, 'SIGKILL');
        await stack.exited;
        leftBehind = running.parts.map((part) => part.pid);
        break;
      case 'kill the chain, then ctrl-c': {
        await untilChainStateWritten(stack);
        const chain = running.parts.find((part) => part.name === 'the chain (anvil)')!;
        process.kill(chain.pid, 'SIGKILL');
        await until('the chain restarted', () => /the chain \(anvil\) is back/.test(stack.output()), 60_000, () => `\n${stack.output()}`);
        expect(stack.output()).not.toMatch(/index is dropped|indexed again/);
        await writeAndCheck(stack);
        await expectGracefulStop(stack, 'SIGINT', everyPid(recorded()));
        break;
      }
    }
    expect(blocksIndexedAgain()).toBe(0);
  }
  const [fresh, ...kept] = launched.map((entry) => entry.ms);
  const median = [...kept].sort((a, b) => a - b)[Math.floor(kept.length / 2)]!;
  console.log(
    `restart torture: ${ENDINGS.length} starts, ${refused} refused, ${blocksIndexedAgain()} blocks indexed again; ` +
      `npm start to ready: fresh ${(fresh! / 1000).toFixed(1)} s, kept median ${(median / 1000).toFixed(1)} s (min ${(Math.min(...kept) / 1000).toFixed(1)}, max ${(Math.max(...kept) / 1000).toFixed(1)})`,
  );
});
