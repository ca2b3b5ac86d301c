/**
 * The stack watches the parts it started: FerretDB or graph-node killed with SIGKILL under a running
 * stack is said to have died, started again on its ports and data, and the API answers again (its
 * database driver reconnects; graph-node resumes its kept index) with what was there before. Real
 * processes throughout.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ApiClient } from '../../stack/api-client';
import { currentBlock } from '../../stack/chain-status';
import { testWallet } from '../../stack/demo-accounts';
import { quietProgress } from '../../stack/progress';
import { loadStackConfig } from '../../stack/stack-config';
import { startStack, type RunningStack } from '../../stack/stack';
import { testStackEnvironment } from './support/stack-env';

jest.setTimeout(300_000);

const ALICE = testWallet(4);
const PROFILE = 'mutation($input: PatientProfileInput!) { updatePatientProfile(input: $input) { displayName } }';
const READ = 'query($address: String!) { patient(address: $address) { profile { displayName } } }';

let dataDir: string;
let stack: RunningStack | undefined;
const progress: string[] = [];

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'health-records-supervision-'));
  stack = await startStack({ config: loadStackConfig(testStackEnvironment(dataDir), ['--no-demo']), progress: quietProgress(progress), reuseBuilds: true });
}, 300_000);

afterAll(async () => {
  await stack?.stop();
  for (const pid of stack?.pids ?? []) expect(() => process.kill(pid, 0)).toThrow();
  await rm(dataDir, { recursive: true, force: true });
});

/** Retries `write` until the API acknowledges it; resolves with how long that took. */
async function untilAnswered(write: () => Promise<unknown>): Promise<number> {
  const started = Date.now();
  for (;;) {
    try {
      await write();
      return Date.now() - started;
    } catch (error) {
      if (Date.now() - started > 120_000) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

test('FerretDB killed with SIGKILL is restarted and the API answers again with what it had', async () => {
  const alice = await new ApiClient(stack!.urls.web).signIn(ALICE);
  await alice.data(PROFILE, { input: { displayName: 'Alice before the kill' } });
  const killed = stack!.databasePid!;

  process.kill(killed, 'SIGKILL');
  const recoveryMs = await untilAnswered(async () => {
    if (!progress.some((line) => line.includes('FerretDB (the database) is back'))) throw new Error('not restarted yet');
    await alice.data(READ, { address: ALICE.address });
  });
  process.stdout.write(`recovery: FerretDB killed (SIGKILL) to the API answering again: ${(recoveryMs / 1000).toFixed(1)} s\n`);

  expect(stack!.databasePid).not.toBe(killed);
  expect(stack!.pids).toContain(stack!.databasePid);
  expect(progress).toContainEqual(expect.stringMatching(new RegExp(`FerretDB \\(the database\\) \\(pid ${killed}\\) exited: SIGKILL`)));
  expect(progress).toContainEqual(expect.stringMatching(/FerretDB \(the database\) is back \(pid \d+\)/));
  expect(await alice.data(READ, { address: ALICE.address })).toEqual({ patient: { profile: { displayName: 'Alice before the kill' } } });
  await alice.data(PROFILE, { input: { displayName: 'Alice after the kill' } });
  expect(await alice.data(READ, { address: ALICE.address })).toEqual({ patient: { profile: { displayName: 'Alice after the kill' } } });
});

test('graph-node killed with SIGKILL is restarted on its index and the API answers from the subgraph again', async () => {
  const alice = await new ApiClient(stack!.urls.web).signIn(ALICE);
  const SUBGRAPH_READ = 'query($address: String!) { patient(address: $address) { consentsGiven(first: 5) { nodes { id } } } }';
  const before = await alice.data(SUBGRAPH_READ, { address: ALICE.address });
  const head = await currentBlock(stack!.urls.rpc);
  const killed = stack!.graphNodePid!;

  process.kill(killed, 'SIGKILL');
  const recoveryMs = await untilAnswered(async () => {
    if (!progress.some((line) => line.includes('graph-node is back'))) throw new Error('not restarted yet');
    const meta = await fetch(stack!.urls.subgraph, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ _meta { block { number } } }' }),
    });
    const body = (await meta.json()) as { data?: { _meta: { block: { number: number } } } };
    if (!body.data || body.data._meta.block.number < head) throw new Error('not caught up');
    await alice.data(SUBGRAPH_READ, { address: ALICE.address });
  });
  process.stdout.write(`recovery: graph-node killed (SIGKILL) to the API answering from the subgraph at the chain head: ${(recoveryMs / 1000).toFixed(1)} s\n`);

  expect(stack!.graphNodePid).not.toBe(killed);
  expect(stack!.pids).toContain(stack!.graphNodePid);
  expect(progress).toContainEqual(expect.stringMatching(new RegExp(`graph-node \\(pid ${killed}\\) exited: SIGKILL`)));
  expect(progress).toContainEqual(expect.stringMatching(/graph-node is back \(pid \d+\)/));
  expect(await alice.data(SUBGRAPH_READ, { address: ALICE.address })).toEqual(before);
});
