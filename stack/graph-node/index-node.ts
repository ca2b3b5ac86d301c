/**
 * What the launcher asks a running graph-node: its index-node status API (`indexingStatusForCurrentVersion`)
 * and its admin JSON-RPC (`subgraph_create`, `subgraph_deploy`).
 */

export interface IndexingStatus {
  /** The deployment's id (under `gnd dev`: the path of the built manifest). */
  subgraph: string;
  health: 'healthy' | 'unhealthy' | 'failed';
  synced: boolean;
  fatalError: { message: string; block: { number: string } | null } | null;
  chains: { latestBlock: { number: string; hash: string } | null; chainHeadBlock: { number: string } | null }[];
}

async function postJson<T>(url: string, body: unknown, timeoutMs = 5_000): Promise<T> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
  });
  if (!response.ok) throw new Error(`HTTP ${response.status} from ${url}`);
  return (await response.json()) as T;
}

/** The status of the version `subgraphName` currently points at, or null while there is none. */
export async function indexingStatus(indexNodeUrl: string, subgraphName: string): Promise<IndexingStatus | null> {
  const body = await postJson<{ data?: { indexingStatusForCurrentVersion: IndexingStatus | null }; errors?: { message: string }[] }>(indexNodeUrl, {
    query: `query($name: String!) { indexingStatusForCurrentVersion(subgraphName: $name) {
      subgraph health synced fatalError { message block { number } } chains { latestBlock { number hash } chainHeadBlock { number } } } }`,
    variables: { name: subgraphName },
  });
  if (body.errors?.length) throw new Error(body.errors.map((e) => e.message).join('; '));
  return body.data?.indexingStatusForCurrentVersion ?? null;
}

/** The latest block graph-node has indexed for `status` (-1 before the first). */
export function latestIndexedBlock(status: IndexingStatus): number {
  const block = status.chains[0]?.latestBlock?.number;
  return block === undefined ? -1 : Number(block);
}

/** Calls graph-node's admin JSON-RPC; throws its error message. */
export async function adminCall<T>(adminUrl: string, method: string, params: Record<string, unknown>): Promise<T> {
  const body = await postJson<{ result?: T; error?: { message: string } }>(adminUrl, { jsonrpc: '2.0', id: 1, method, params }, 30_000);
  if (body.error) throw new Error(`graph-node's ${method} failed: ${body.error.message}`);
  return body.result as T;
}

/**
 * Points the subgraph name `name` at deployment `deployment` (creating the name first), so the
 * subgraph answers at /subgraphs/name/<name> as it would on any graph-node, besides `gnd dev`'s own
 * `subgraph-0`. Both names share one deployment: it is indexed once.
 */
export async function nameDeployment(adminUrl: string, name: string, deployment: string): Promise<void> {
  try {
    await adminCall(adminUrl, 'subgraph_create', { name });
  } catch (error) {
    if (!/already exists/i.test((error as Error).message)) throw error;
  }
  await adminCall(adminUrl, 'subgraph_deploy', { name, ipfs_hash: deployment });
}
