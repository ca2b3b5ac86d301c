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
import { copyFile, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../process/atomic-file';
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
    await writeFileAtomic(stateFile, JSON.stringify(state), 0o600);
    log(`the chain's state file held ${genesisBlocks.length} genesis blocks (one per earlier start); kept ${headerHash(kept.header)}, the chain's own`);
  }
  return Number(BigInt(kept.header.timestamp ?? '0x0'));
}

/**
 * anvil rewrites its state file in place every second (no write-then-rename): a SIGKILL of the chain
 * while it writes leaves the file cut short, and anvil would not start on it again. The launcher
 * therefore keeps `<state file>.last-good`, a copy of the last state that read back whole (looked at
 * every `everyMs`, copied when it changed), written aside and renamed into place.
 */
export function keepLastGoodState(stateFile: string, everyMs = 2_000): { stop(): void } {
  let copied = 0;
  let busy = false;
  const look = async () => {
    const modified = (await stat(stateFile).catch(() => undefined))?.mtimeMs;
    if (modified === undefined || modified === copied) return;
    const text = await readFile(stateFile, 'utf8');
    JSON.parse(text);
    await writeFileAtomic(`${stateFile}.last-good`, text);
    copied = modified;
  };
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    // A read while anvil writes fails to parse: the next look copies the finished file.
    void look()
      .catch(() => undefined)
      .finally(() => (busy = false));
  }, everyMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}

/**
 * Before anvil starts on `stateFile`: a file cut short by a kill while anvil wrote it is replaced by the
 * last good copy (keepLastGoodState), saying so; the blocks after that copy are lost, which the index
 * check after the start reports. Throws, saying what to do, when there is no good copy.
 */
export async function recoverStateFile(stateFile: string, log: (line: string) => void): Promise<void> {
  if (!existsSync(stateFile)) return;
  const readsWhole = async (file: string) => {
    try {
      return (JSON.parse(await readFile(file, 'utf8')) as { best_block_number?: number | string }).best_block_number ?? 0;
    } catch {
      return undefined;
    }
  };
  if ((await readsWhole(stateFile)) !== undefined) return;
  const copy = `${stateFile}.last-good`;
  const block = existsSync(copy) ? await readsWhole(copy) : undefined;
  if (block === undefined) {
    throw new Error(
      `The chain's state file ${stateFile} is cut short (the chain was killed while it wrote it) and there is no good copy (${copy}) to resume from. ` +
        `Move the data folder aside to keep it (\`mv ${path.dirname(path.dirname(stateFile))} <elsewhere>\`) and start again, which makes a new chain.`,
    );
  }
  await copyFile(stateFile, `${stateFile}.cut-short`);
  await copyFile(copy, stateFile);
  log(`the chain's state file was cut short (the chain was killed while it wrote it; kept as ${path.basename(stateFile)}.cut-short): resumed from the last good copy, at block ${Number(block)}`);
}
