import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { repairGenesis, sameBlockHash } from './chain/anvil-state';
import type { StackChain } from './chain/chain';
import { blockHash } from './chain/chain-status';
import { writeFileAtomic } from './process/atomic-file';

/**
 * The stack's state in the data folder (`DATA_DIR/stack`): the embedded chain's state file, graph-node's
 * PostgreSQL, FerretDB's files, the deployment and the API's keys. They belong together: an index or a
 * database only makes sense over the chain they were made from, so the folder records which chain that
 * is (`chain.json`: chain id, genesis block hash and, for the embedded chain, the genesis time anvil
 * is started with, so that its genesis is the same at every start) and refuses any other.
 */
export interface DataFolder {
  /** `DATA_DIR/stack`. */
  dir: string;
  /** The embedded chain's state file. */
  chainState: string;
  /** The deployment made on the embedded chain, kept with its state. */
  deploymentFile: string;
  /** True when a previous run left its state here (its chain identity is recorded). */
  kept: boolean;
}

interface ChainIdentity {
  chainId: number;
  genesisHash: string;
  /** The embedded chain's genesis time (seconds), given to anvil at every start. */
  genesisTimestamp?: number;
}

export function dataFolder(dataDir: string): DataFolder {
  const dir = path.join(dataDir, 'stack');
  return {
    dir,
    chainState: path.join(dir, 'chain', 'state.json'),
    deploymentFile: path.join(dir, 'chain', 'deployment.json'),
    kept: existsSync(identityFile(dir)),
  };
}

function identityFile(dir: string): string {
  return path.join(dir, 'chain.json');
}

/** Deletes the stack's state (`npm start -- --fresh`), after saying what goes. Returns the deleted entries. */
export async function deleteStackState(dataDir: string, log: (line: string) => void): Promise<string[]> {
  const { dir } = dataFolder(dataDir);
  const entries = existsSync(dir) ? (await readdir(dir)).sort() : [];
  if (entries.length === 0) {
    log(`nothing to delete in ${dir}`);
    return [];
  }
  log(`deleting ${dir}: ${entries.join(', ')}`);
  await rm(dir, { recursive: true, force: true });
  return entries;
}

async function readIdentity(folder: DataFolder): Promise<ChainIdentity> {
  return JSON.parse(await readFile(identityFile(folder.dir), 'utf8')) as ChainIdentity;
}

async function writeIdentity(folder: DataFolder, identity: ChainIdentity): Promise<void> {
  await mkdir(folder.dir, { recursive: true });
  await writeFileAtomic(identityFile(folder.dir), `${JSON.stringify(identity, null, 2)}\n`);
}

/**
 * The genesis time to start the embedded chain with: the one recorded in the folder; for a new folder,
 * now; for a folder made before the time was recorded, the time of the genesis its chain was recorded
 * with, read from anvil's state file (which is repaired on the way: see anvil-state.ts).
 */
export async function embeddedGenesisTime(folder: DataFolder, log: (line: string) => void): Promise<number> {
  if (!folder.kept) return Math.floor(Date.now() / 1000);
  const recorded = await readIdentity(folder);
  if (recorded.genesisTimestamp !== undefined) return recorded.genesisTimestamp;
  const found = await repairGenesis(folder.chainState, recorded.genesisHash, log);
  if (found === undefined) {
    throw new Error(
      `The data folder ${folder.dir} records a chain but its state file ${folder.chainState} holds no genesis block, so the chain cannot be resumed. ` +
        `Move the folder aside to keep it (\`mv ${folder.dir} ${folder.dir}.unreadable\`) and start again, which makes a new chain.`,
    );
  }
  return found;
}

/**
 * Records which chain the data folder belongs to, or, when it already belongs to one, checks that
 * `chain` is that chain. Block hashes are compared as values. Throws, saying how to go on (first the
 * remedies that keep the folder), when it is not.
 */
export async function bindToChain(folder: DataFolder, chain: StackChain, genesisTimestamp?: number): Promise<void> {
  const current: ChainIdentity = { chainId: chain.chainId, genesisHash: await blockHash(chain.url, 0), ...(genesisTimestamp === undefined ? {} : { genesisTimestamp }) };
  if (!folder.kept) return writeIdentity(folder, current);
  const recorded = await readIdentity(folder);
  if (recorded.chainId === current.chainId && sameBlockHash(recorded.genesisHash, current.genesisHash)) {
    // A folder made before the genesis time was recorded gets it now.
    if (genesisTimestamp !== undefined && recorded.genesisTimestamp === undefined) await writeIdentity(folder, { ...recorded, genesisTimestamp });
    return;
  }
  const aside = `${folder.dir}.chain-${recorded.chainId}-${recorded.genesisHash.replace(/^0x/, '').slice(0, 8)}`;
  throw new Error(
    `The data folder ${folder.dir} holds the state of chain ${recorded.chainId} (genesis block ${recorded.genesisHash}), ` +
      `but the chain at ${chain.url} is chain ${current.chainId} (genesis block ${current.genesisHash}). ` +
      'Its index and database would not match this chain, so they are not used, and nothing in the folder was changed. ' +
      `To keep them: point RPC_URL back at the chain the folder was made with, or move the folder aside (\`mv ${folder.dir} ${aside}\`) ` +
      'or set DATA_DIR to another folder, and start again. ' +
      `To discard them: \`npm start -- --fresh\` (deletes ${folder.dir}).`,
  );
}
