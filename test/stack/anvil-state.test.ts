/**
 * The embedded chain's genesis is the same at every start (stack/chain/anvil-state.ts): with the recorded
 * genesis time anvil builds the same block 0 each time; a state file written by starts without it holds
 * one block 0 per start, and the repair keeps the chain's own. Real anvil processes.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { headerHash, repairGenesis, sameBlockHash } from '../../stack/chain/anvil-state';
import { startEmbeddedChain } from '../../stack/chain/chain';
import { rpc } from '../../stack/chain/chain-status';

jest.setTimeout(120_000);

let folder: string;
let stateFile: string;

beforeEach(async () => {
  folder = await mkdtemp(path.join(os.tmpdir(), 'anvil-state-'));
  stateFile = path.join(folder, 'state.json');
});

afterEach(() => rm(folder, { recursive: true, force: true }));

const block = (url: string, number: number) => rpc<{ hash: string; parentHash: string; timestamp: string }>(url, 'eth_getBlockByNumber', [`0x${number.toString(16)}`, false]);

const genesisEntries = () =>
  (JSON.parse(readFileSync(stateFile, 'utf8')) as { blocks: Array<{ header: Record<string, string> }> }).blocks.filter((entry) => BigInt(entry.header.number!) === 0n);

/** Starts anvil on the state file, lets `use` talk to it, then stops it (SIGTERM: it writes its state). */
async function withChain(genesisTimestamp: number | undefined, use: (url: string) => Promise<void>): Promise<void> {
  const chain = await startEmbeddedChain('127.0.0.1', 0, { stateFile, genesisTimestamp });
  try {
    await use(chain.url);
  } finally {
    await chain.stop();
  }
}

test('the hash of every stored header is the hash the chain answers for that block', async () => {
  const answered: string[] = [];
  await withChain(undefined, async (url) => {
    await rpc(url, 'anvil_mine', ['0x2']);
    for (let n = 0; n <= 2; n++) answered.push((await block(url, n)).hash);
  });
  const stored = (JSON.parse(readFileSync(stateFile, 'utf8')) as { blocks: Array<{ header: Record<string, string> }> }).blocks;
  const byNumber = new Map(stored.map((entry) => [Number(BigInt(entry.header.number!)), headerHash(entry.header)]));
  expect([0, 1, 2].map((n) => byNumber.get(n))).toEqual(answered);
});

test('with the recorded genesis time every start has the same block 0, on real time, and adds no other', async () => {
  const genesisTimestamp = Math.floor(Date.now() / 1000) - 3_600;
  let genesis = '';
  await withChain(genesisTimestamp, async (url) => {
    genesis = (await block(url, 0)).hash;
    await rpc(url, 'anvil_mine', ['0x1']);
  });
  await withChain(genesisTimestamp, async (url) => {
    expect((await block(url, 0)).hash).toBe(genesis);
    expect((await block(url, 1)).parentHash).toBe(genesis);
    await rpc(url, 'anvil_mine', ['0x1']);
    // The clock was set to the real time: a new block is not stamped an hour back.
    expect(Number(BigInt((await block(url, 2)).timestamp))).toBeGreaterThanOrEqual(genesisTimestamp + 3_000);
  });
  expect(genesisEntries()).toHaveLength(1);
});

test('a state file with a genesis per earlier start is repaired to the chain the folder recorded, and resumes on it', async () => {
  let recorded = '';
  await withChain(undefined, async (url) => {
    recorded = (await block(url, 0)).hash;
    await rpc(url, 'anvil_mine', ['0x2']);
  });
  // Later starts without the genesis time, a second apart: each adds a genesis of its own.
  for (let start = 0; start < 2; start++) {
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    await withChain(undefined, async () => undefined);
  }
  expect(genesisEntries().length).toBeGreaterThan(1);

  const lines: string[] = [];
  const genesisTimestamp = await repairGenesis(stateFile, recorded.toUpperCase().replace('0X', ''), (line) => lines.push(line));
  expect(genesisEntries()).toHaveLength(1);
  expect(lines).toEqual([expect.stringMatching(/held \d+ genesis blocks .* kept 0x[0-9a-f]{64}, the chain's own/)]);
  await withChain(genesisTimestamp, async (url) => {
    expect(sameBlockHash((await block(url, 0)).hash, recorded)).toBe(true);
    expect((await block(url, 1)).parentHash).toBe(recorded);
  });
});

test('block hashes compare as values: with or without 0x, in either case', () => {
  const hash = `0x${'ab'.repeat(32)}`;
  expect(sameBlockHash(hash, hash.slice(2))).toBe(true);
  expect(sameBlockHash(hash.toUpperCase().replace('0X', '0x'), hash)).toBe(true);
  expect(sameBlockHash(hash, `0x${'ab'.repeat(31)}ac`)).toBe(false);
});
