/**
 * The embedded chain's genesis, made the same at every start.
 *
 * anvil builds a new genesis block at each start, stamped with the time of that start, and, when it
 * loads a state file, adds the blocks it finds there: a state file written by several starts holds one
 * block 0 per start, and which of them anvil then answers for block 0 depends on the order it reads them
 * in (measured: a reloaded state answered three different block-0 hashes). The launcher therefore starts
 * anvil with the genesis time recorded when the data folder was made (`--timestamp`): every start builds
 * the very same genesis, so the chain's identity and anvil's state agree by construction. A folder made
 * before that rule may still hold several; `repairGenesis` keeps the one the chain was recorded with.
 */
import { existsSync } from 'node:fs';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { encodeRlp, hexlify, keccak256, toBeArray, type RlpStructuredData } from 'ethers';

interface StoredBlock {
  header: Record<string, string | undefined>;
}

interface AnvilState {
  blocks?: StoredBlock[];
}

/** The header fields in the order of their RLP encoding; the last five exist from London, Shanghai, Cancun, Prague on. */
const HEADER_FIELDS: Array<[name: string, kind: 'bytes' | 'number']> = [
  ['parentHash', 'bytes'],
  ['sha3Uncles', 'bytes'],
  ['miner', 'bytes'],
  ['stateRoot', 'bytes'],
  ['transactionsRoot', 'bytes'],
  ['receiptsRoot', 'bytes'],
  ['logsBloom', 'bytes'],
  ['difficulty', 'number'],
  ['number', 'number'],
  ['gasLimit', 'number'],
  ['gasUsed', 'number'],
  ['timestamp', 'number'],
  ['extraData', 'bytes'],
  ['mixHash', 'bytes'],
  ['nonce', 'bytes'],
  ['baseFeePerGas', 'number'],
  ['withdrawalsRoot', 'bytes'],
  ['blobGasUsed', 'number'],
  ['excessBlobGas', 'number'],
  ['parentBeaconBlockRoot', 'bytes'],
  ['requestsHash', 'bytes'],
];

/** The hash of a block header as anvil stores it (JSON, hex fields): keccak256 of its RLP encoding. */
export function headerHash(header: Record<string, string | undefined>): string {
  const fields: RlpStructuredData[] = [];
  for (const [name, kind] of HEADER_FIELDS) {
    const value = header[name];
    // Optional fields only ever end the list: the first one missing ends it.
    if (value === undefined || value === null) break;
    fields.push(kind === 'number' ? hexlify(toBeArray(BigInt(value))) : value);
  }
  return keccak256(encodeRlp(fields));
}

/** Two block hashes as values: graph-node writes them without `0x`, JSON-RPC with, either case. */
export function sameBlockHash(a: string, b: string): boolean {
  const plain = (hash: string) => hash.toLowerCase().replace(/^0x/, '');
  return plain(a) === plain(b);
}

/**
 * For a data folder made before the genesis time was recorded: finds, among the block-0 entries of
 * anvil's state file, the genesis the folder's chain was recorded with (`genesisHash`; failing that, the
 * one block 1 descends from), rewrites the file without the others, and returns that genesis' time.
 * Undefined when the file holds no block 0 (no state written yet).
 */
export async function repairGenesis(stateFile: string, genesisHash: string, log: (line: string) => void): Promise<number | undefined> {
  if (!existsSync(stateFile)) return undefined;
  const state = JSON.parse(await readFile(stateFile, 'utf8')) as AnvilState;
  const blocks = state.blocks ?? [];
  const genesisBlocks = blocks.filter((block) => BigInt(block.header.number ?? '0x0') === 0n);
  if (genesisBlocks.length === 0) return undefined;
  const firstChild = blocks.find((block) => BigInt(block.header.number ?? '0x0') === 1n);
  const kept =
    genesisBlocks.find((block) => sameBlockHash(headerHash(block.header), genesisHash)) ??
    genesisBlocks.find((block) => firstChild?.header.parentHash && sameBlockHash(headerHash(block.header), firstChild.header.parentHash)) ??
    genesisBlocks[0];
  if (genesisBlocks.length > 1) {
    state.blocks = blocks.filter((block) => !genesisBlocks.includes(block) || block === kept);
    const temporary = `${stateFile}.repair`;
    await writeFile(temporary, JSON.stringify(state), { mode: 0o600 });
    await rename(temporary, stateFile);
    log(`the chain's state file held ${genesisBlocks.length} genesis blocks (one per earlier start); kept ${headerHash(kept.header)}, the chain's own`);
  }
  return Number(BigInt(kept.header.timestamp ?? '0x0'));
}
