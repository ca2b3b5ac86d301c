import type { Deployment } from '../../contracts/deployment/deployment';
import { pollUntil } from '../process/poll';

/** What the launcher needs to know of a chain to name its index. */
interface ChainRef {
  url: string;
  chainId: number;
}

/** Small JSON-RPC and subgraph reads the launcher waits on. */
export async function rpc<T>(url: string, method: string, params: unknown[]): Promise<T> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
    // A hung chain must not hang what waits on it (the launcher's graph-node stall watch).
    signal: AbortSignal.timeout(10_000),
  });
  const body = (await response.json()) as { result?: T; error?: { message: string } };
  if (body.error) throw new Error(`${method} at ${url} failed: ${body.error.message}`);
  return body.result as T;
}

/** The chain's latest block number. */
export async function currentBlock(rpcUrl: string): Promise<number> {
  const hex = await rpc<string | undefined>(rpcUrl, 'eth_blockNumber', []);
  if (!hex) throw new Error(`eth_blockNumber at ${rpcUrl} gave no result.`);
  return Number(BigInt(hex));
}

/** The hash of block `number`. */
export async function blockHash(rpcUrl: string, number: number): Promise<string> {
  const found = await rpc<{ hash: string } | null>(rpcUrl, 'eth_getBlockByNumber', [`0x${number.toString(16)}`, false]);
  if (!found) throw new Error(`The chain at ${rpcUrl} has no block ${number}.`);
  return found.hash;
}

/** `<network>-<chain id>-<start of the deployment block's hash>`: one persisted index per deployment. */
export async function indexFolderName(network: string, chain: ChainRef, deployment: Deployment): Promise<string> {
  const block = deployment.contracts.ConsentManager.blockNumber;
  const found = await rpc<{ hash: string } | null>(chain.url, 'eth_getBlockByNumber', [`0x${block.toString(16)}`, false]);
  if (!found) throw new Error(`Block ${block} of the deployment is not on the chain at ${chain.url}; check RPC_URL and deployments/${network}.json.`);
  return `${network}-${chain.chainId}-${found.hash.slice(2, 14)}`;
}

/** Waits until the subgraph at `url` reports `_meta.block.number >= blockNumber`. */
export async function waitUntilIndexed(url: string, blockNumber: number, timeoutMs = 120_000): Promise<void> {
  await pollUntil(
    async () => {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ _meta { block { number } hasIndexingErrors } }' }),
      }).catch(() => undefined);
      const body = (await response?.json().catch(() => undefined)) as { data?: { _meta?: { block: { number: number }; hasIndexingErrors: boolean } } } | undefined;
      const meta = body?.data?._meta;
      if (meta?.hasIndexingErrors) throw new Error(`The subgraph at ${url} stopped with an indexing error; see its log above.`);
      return meta !== undefined && meta.block.number >= blockNumber;
    },
    { timeoutMs, everyMs: 200, timedOut: () => new Error(`The subgraph at ${url} did not index block ${blockNumber} within ${timeoutMs / 1000} s.`) },
  );
}
