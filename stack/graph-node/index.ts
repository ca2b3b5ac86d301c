/**
 * graph-node on one machine, as `npm start`, the tests and the benches run it: a PostgreSQL database
 * (on the embedded cluster, or on a server given by URL: the tests share one cluster per run), then
 * graph-node on it. `stop()` stops graph-node, drops a throw-away database and stops a cluster it
 * started, in that order.
 */
import path from 'node:path';
import { startGraphNode, type GraphNode, type GraphNodeOptions } from './graph-node';
import { createDatabase, dropDatabase, startPostgres, type EmbeddedPostgres } from './postgres';

export { startGraphNode, type GraphNode } from './graph-node';
export { createDatabase, startPostgres, type EmbeddedPostgres } from './postgres';

export interface LocalGraphNodeOptions extends Omit<GraphNodeOptions, 'postgresUrl'> {
  /**
   * Admin URL of a running PostgreSQL server to create the database on (GRAPH_NODE_POSTGRES_URL; the
   * tests' shared cluster). Unset: the embedded cluster kept in `postgresFolder`.
   */
  postgresAdminUrl?: string;
  postgresFolder?: string;
  /** Port of the embedded cluster (0: a free one). */
  postgresPort?: number;
  /** False for throw-away clusters (no fsync). */
  durable?: boolean;
  /** graph-node's database: plain name (a-z, 0-9, _). */
  database: string;
  /** Drop the database first (a fresh chain needs a fresh index). */
  freshDatabase?: boolean;
  /** Drop the database at stop (a test's). */
  dropDatabaseOnStop?: boolean;
}

export interface LocalGraphNode extends GraphNode {
  /** The cluster this started, if it started one. */
  postgres?: EmbeddedPostgres;
  /** Every process this started. */
  pids: number[];
}

export async function startLocalGraphNode(options: LocalGraphNodeOptions): Promise<LocalGraphNode> {
  let stopping = false;
  let postgres: EmbeddedPostgres | undefined;
  let adminUrl = options.postgresAdminUrl;
  if (!adminUrl) {
    if (!options.postgresFolder) throw new Error('startLocalGraphNode needs postgresAdminUrl or postgresFolder.');
    postgres = await startPostgres({ folder: options.postgresFolder, port: options.postgresPort, portVariable: 'POSTGRES_PORT', durable: options.durable });
    adminUrl = postgres.adminUrl;
    void postgres.exited.then(() => {
      if (!stopping) options.onCrash?.(`PostgreSQL for graph-node (pid ${postgres!.pid}) exited; see ${postgres!.logFile}.`);
    });
  }
  const admin = adminUrl;
  let node: GraphNode | undefined;
  const stop = async () => {
    stopping = true;
    await node?.stop();
    if (options.dropDatabaseOnStop) await dropDatabase(admin, options.database).catch(() => undefined);
    await postgres?.stop();
  };
  try {
    const postgresUrl = await createDatabase(admin, options.database, { replace: options.freshDatabase });
    node = await startGraphNode({ ...options, postgresUrl });
    return { ...node, postgres, pids: [node.pid, ...(postgres ? [postgres.pid] : [])], stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * graph-node for a benchmark or a one-off script: its own throw-away PostgreSQL cluster in `folder`
 * (no fsync; the folder itself, which PostgreSQL's unprivileged owner may enter when run as root),
 * its log in `folder`/graph-node.log, the subgraph named health-records.
 */
export function startScratchGraphNode(options: {
  manifest: string;
  rpcUrl: string;
  folder: string;
  env?: Record<string, string>;
  onWarning?: (message: string) => void;
}): Promise<LocalGraphNode> {
  return startLocalGraphNode({
    manifest: options.manifest,
    rpcUrl: options.rpcUrl,
    subgraphName: 'health-records',
    postgresFolder: options.folder,
    durable: false,
    database: 'scratch',
    logFile: path.join(options.folder, 'graph-node.log'),
    env: options.env,
    onWarning: options.onWarning,
  });
}
