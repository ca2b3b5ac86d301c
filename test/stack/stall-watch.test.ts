/**
 * The graph-node stall watch on its own, on Jest's fake clock: what counts as progress, what as a
 * stall, and what is left to other parts (a chain that does not answer, a deterministic failure).
 * The real hung graph-node is in supervision.test.ts.
 */
import type { IndexingStatus } from '../../stack/graph-node/index-node';
import { watchForStall } from '../../stack/graph-node/stall-watch';

const at = (block: number, fatal = false): IndexingStatus => ({
  subgraph: 'test',
  health: fatal ? 'failed' : 'healthy',
  synced: true,
  fatalError: fatal ? { message: 'handler failed', block: { number: String(block) } } : null,
  chains: [{ latestBlock: { number: String(block), hash: '0x00' }, chainHeadBlock: { number: String(block) } }],
});

let head: number;
let status: () => Promise<IndexingStatus | null>;
let stalls: string[];
let watch: { stop(): void };

beforeEach(() => {
  jest.useFakeTimers();
  head = 10;
  stalls = [];
  watch = watchForStall({
    status: () => status(),
    chainHead: async () => {
      if (head < 0) throw new Error('chain down');
      return head;
    },
    stallMs: 10_000,
    everyMs: 1_000,
    onStall: async (reason) => void stalls.push(reason),
  });
});

afterEach(() => {
  watch.stop();
  jest.useRealTimers();
});

test('an index at the chain head is no stall, however long nothing happens', async () => {
  status = async () => at(10);
  await jest.advanceTimersByTimeAsync(60_000);
  expect(stalls).toEqual([]);
});

test('an index that moves is no stall, even behind the chain; one that stops behind it is', async () => {
  let indexed = 0;
  head = 1_000;
  status = async () => at(indexed);
  for (let second = 0; second < 30; second++) {
    indexed += 1;
    await jest.advanceTimersByTimeAsync(1_000);
  }
  expect(stalls).toEqual([]);
  await jest.advanceTimersByTimeAsync(12_000);
  expect(stalls).toEqual(['it has indexed no block for 10 s (at block 30, the chain at 1000)']);
});

test('a status API that does not answer is a stall; after one the watch counts again from the start', async () => {
  status = () => Promise.reject(new Error('timeout'));
  await jest.advanceTimersByTimeAsync(12_000);
  expect(stalls).toEqual(['its status API has not answered for 10 s (the process is alive but does not respond)']);
  await jest.advanceTimersByTimeAsync(5_000);
  expect(stalls).toHaveLength(1);
  await jest.advanceTimersByTimeAsync(7_000);
  expect(stalls).toHaveLength(2);
});

test('a graph-node that answers but serves no deployment (the subgraph removed) is a stall, and the reason says so', async () => {
  status = async () => null;
  await jest.advanceTimersByTimeAsync(12_000);
  expect(stalls).toEqual(['it has served no deployment of the subgraph for 10 s (its status API answers, without one: the subgraph was removed or never deployed)']);
});

test('a chain that does not answer, or a deterministic failure, is not a stall of graph-node', async () => {
  head = -1;
  status = () => Promise.reject(new Error('timeout'));
  await jest.advanceTimersByTimeAsync(30_000);
  head = 1_000;
  status = async () => at(5, true);
  await jest.advanceTimersByTimeAsync(30_000);
  expect(stalls).toEqual([]);
});
