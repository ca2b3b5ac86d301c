/**
 * Each part the launcher supervises killed with SIGKILL in the middle of a stream of writes through the
 * API by signed-in users (profile updates, records prepared by the API and anchored by their writer,
 * consents relayed by the API): the part is restarted, the API answers again, every write the API
 * acknowledged is there afterwards, the index catches up to the chain head, and the users' sessions
 * keep working (also across a restart of the API process). Real processes throughout: anvil,
 * graph-node on its own embedded PostgreSQL (so that one can be killed too), FerretDB, the API process
 * (node dist/api/src/main.js), the web server; one stack for the whole file.
 */
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { JsonRpcProvider } from 'ethers';
import { currentBlock } from '../../stack/chain/chain-status';
import { testWallet } from '../../stack/chain/demo-accounts';
import { quietProgress } from '../../stack/progress';
import { loadStackConfig } from '../../stack/stack-config';
import { startStack, type RunningStack } from '../../stack/launcher';
import { testStackEnvironment } from '../fixtures/stack-env';
import { failuresSeen, PatientWriter, subgraphBlock, until as untilOrFail, writeStream } from '../fixtures/patient-writes';

jest.setTimeout(600_000);

let dataDir: string;
let stack: RunningStack;
const progress: string[] = [];
let provider: JsonRpcProvider;
const writers = [new PatientWriter(testWallet(4)), new PatientWriter(testWallet(5))];

// The stream writes as fast as the API answers; at the default 60 mutations a minute per session it
// would spend most of each test waiting out RATE_LIMITED (the limit has its own tests). The API process
// takes its environment from this one.
const rateLimit = process.env.MUTATION_RATE_LIMIT;

beforeAll(async () => {
  process.env.MUTATION_RATE_LIMIT = '100000';
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'health-records-kill-'));
  // graph-node's PostgreSQL runs as an unprivileged user when the tests run as root: it must reach its folder.
  await chmod(dataDir, 0o755);
  // No GRAPH_NODE_POSTGRES_URL: this stack runs its own PostgreSQL, as `npm start` does.
  const { GRAPH_NODE_POSTGRES_URL: _shared, ...shared } = testStackEnvironment(dataDir);
  // A short stall limit, for the hung graph-node below.
  const env = { ...shared, GRAPH_NODE_STALL_SECONDS: '10' };
  try {
    stack = await startStack({ config: loadStackConfig(env, ['--no-demo']), progress: quietProgress(progress), reuseBuilds: true });
  } catch (error) {
    (error as Error).message += `\nProgress:\n${progress.join('\n')}`;
    throw error;
  }
  provider = new JsonRpcProvider(stack.urls.rpc, stack.chainId, { staticNetwork: true });
  await Promise.all(writers.map((writer) => writer.connect(stack.urls, stack.chainId)));
}, 600_000);

afterAll(async () => {
  provider?.destroy();
  for (const writer of writers) writer.close();
  await stack?.stop();
  for (const pid of stack?.pids ?? []) expect(() => process.kill(pid, 0)).toThrow();
  await rm(dataDir, { recursive: true, force: true });
  if (rateLimit === undefined) delete process.env.MUTATION_RATE_LIMIT;
  else process.env.MUTATION_RATE_LIMIT = rateLimit;
});

const until = (what: string, check: () => Promise<boolean> | boolean, timeoutMs = 180_000) =>
  untilOrFail(what, check, timeoutMs, () => `\nProgress:\n${progress.slice(-40).join('\n')}`);

/** Every acknowledged write is there, read back through the API (profile from the database, records and consents through the index). */
async function expectEveryAcknowledgedWrite(): Promise<void> {
  const head = await currentBlock(stack.urls.rpc);
  await until('the index reaching the chain head', async () => (await subgraphBlock(stack.urls.subgraph)) >= head);
  for (const writer of writers) await writer.expectEveryAcknowledgedWrite();
}

/**
 * The API answering again: `/readyz` ready (database, chain and graph-node answer) and a signed-in read
 * that needs the database and the index.
 */
async function untilAnswering(): Promise<void> {
  await until('the API answering again', async () => {
    const readiness = await fetch(`${stack.urls.web}/readyz`);
    if (!readiness.ok) return false;
    await writers[0]!.seen();
    return true;
  });
}

const pidOf = (name: string) => stack.parts.find((part) => part.name === name)?.pid;

describe.each([
  { part: 'FerretDB (the database)', label: 'FerretDB' },
  { part: 'graph-node', label: 'graph-node' },
  { part: "PostgreSQL (graph-node's store)", label: 'PostgreSQL' },
  { part: 'the API process', label: 'API' },
])('$label killed with SIGKILL during writes', ({ part, label }) => {
  test('is restarted; every acknowledged write is there and the index catches up', async () => {
    const killed = pidOf(part);
    expect(killed).toBeDefined();
    const stream = writeStream(writers);
    await until('a few writes before the kill', () => stream.acknowledgedSoFar() >= 3);

    const before = stream.acknowledgedSoFar();
    const killedAt = Date.now();
    process.kill(killed!, 'SIGKILL');
    await until(`${part} restarted`, () => pidOf(part) !== undefined && pidOf(part) !== killed);
    await untilAnswering();
    console.log(`recovery ${label}: ${Date.now() - killedAt} ms`);
    await until('writes acknowledged after the restart', () => stream.acknowledgedSoFar() >= before + 4);
    await stream.stop();

    // While the part was down the API said so: never an internal error.
    expect(failuresSeen.filter((failure) => failure.startsWith('INTERNAL_SERVER_ERROR'))).toEqual([]);
    expect(progress).toContainEqual(expect.stringContaining(`(pid ${killed}) exited: SIGKILL`));
    expect(progress).toContainEqual(expect.stringMatching(new RegExp(`${part.replace(/[()]/g, '\\$&')} is back \\(pid \\d+\\)`)));
    await expectEveryAcknowledgedWrite();
  });
});

test('graph-node hung (SIGSTOP) while the chain moves on is restarted after GRAPH_NODE_STALL_SECONDS, and the index catches up', async () => {
  const hung = pidOf('graph-node')!;
  process.kill(hung, 'SIGSTOP');
  try {
    await provider.send('evm_mine', []);
    await until('the hung graph-node replaced', () => pidOf('graph-node') !== hung, 120_000);
  } finally {
    // Only if it is still there (the supervisor kills a process that ignores SIGINT).
    try {
      process.kill(hung, 'SIGCONT');
    } catch {
      // already gone
    }
  }
  expect(progress).toContainEqual(expect.stringMatching(new RegExp(`graph-node \\(pid ${hung}\\) was stopped to be restarted: its status API has not answered for 10 s`)));
  await untilAnswering();
  const head = await currentBlock(stack.urls.rpc);
  await until('the index reaching the chain head', async () => (await subgraphBlock(stack.urls.subgraph)) >= head);
});

test('a session signed in before the API process restarted is still signed in', async () => {
  const me = await writers[1]!.client.data<{ me: { address: string } | null }>('{ me { address } }');
  expect(me.me?.address.toLowerCase()).toBe(writers[1]!.wallet.address.toLowerCase());
  expect(progress).toContainEqual(expect.stringMatching(/the API process \(pid \d+\) exited: SIGKILL/));
});

test('the chain killed with SIGKILL is restarted from its state file, and the index never answers for blocks the chain lost', async () => {
  const killed = pidOf('the chain (anvil)')!;
  // Blocks mined just before the kill may not be in the state file yet (anvil writes it every second).
  for (let i = 0; i < 3; i++) await provider.send('evm_mine', []);
  const killedAt = Date.now();
  process.kill(killed, 'SIGKILL');
  await until('the chain restarted', () => pidOf('the chain (anvil)') !== killed);
  await untilAnswering();
  console.log(`recovery chain: ${Date.now() - killedAt} ms`);
  expect(progress).toContainEqual(expect.stringMatching(new RegExp(`the chain \\(anvil\\) \\(pid ${killed}\\) exited: SIGKILL`)));
  await provider.send('evm_mine', []);
  const head = await currentBlock(stack.urls.rpc);
  await until('the index reaching the chain head', async () => (await subgraphBlock(stack.urls.subgraph)) >= head);
  // What the index answers at is the chain's block, not one the chain lost.
  const response = await fetch(stack.urls.subgraph, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ _meta { block { number hash } } }' }) });
  const { data } = (await response.json()) as { data: { _meta: { block: { number: number; hash: string } } } };
  expect(data._meta.block.hash).toBe((await provider.getBlock(data._meta.block.number))!.hash);
  // The profile (in the database) is as the last acknowledged write left it.
  expect((await writers[0]!.seen()).displayName).toBe(writers[0]!.acknowledged.displayName);
});
