import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { StackChain } from './chain';
import { blockHash } from './chain-status';

/**
 * The stack's state in the data folder (`DATA_DIR/stack`): the embedded chain's state file, graph-node's
 * PostgreSQL, FerretDB's files, the deployment and the API's keys. They belong together: an index or a
 * database only makes sense over the chain they were made from, so the folder records which chain that
 * is (`chain.json`: chain id and genesis block hash) and refuses any other.
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

/**
 * Records which chain the data folder belongs to, or, when it already belongs to one, checks that
 * `chain` is that chain. Throws, saying how to go on, when it is not.
 */
export async function bindToChain(folder: DataFolder, chain: StackChain): Promise<void> {
  const current: ChainIdentity = { chainId: chain.chainId, genesisHash: await blockHash(chain.url, 0) };
  const file = identityFile(folder.dir);
  if (!folder.kept) {
    await mkdir(folder.dir, { recursive: true });
    await writeFile(file, `${JSON.stringify(current, null, 2)}\n`);
    return;
  }
  const recorded = JSON.parse(await readFile(file, 'utf8')) as ChainIdentity;
  if (recorded.chainId === current.chainId && recorded.genesisHash === current.genesisHash) return;
  throw new Error(
    `The data folder ${folder.dir} holds the state of chain ${recorded.chainId} (genesis block ${recorded.genesisHash}), ` +
      `but the chain at ${chain.url} is chain ${current.chainId} (genesis block ${current.genesisHash}). ` +
      'Its index and database would not match this chain, so they are not used. ' +
      `Start over with \`npm start -- --fresh\` (deletes ${folder.dir}), set DATA_DIR to another folder, ` +
      `or point RPC_URL back at the chain the folder was made with${chain.embedded ? ` (the embedded chain's state is ${folder.chainState})` : ''}.`,
  );
}
