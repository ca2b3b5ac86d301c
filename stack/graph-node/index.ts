/**
 * graph-node for the tests and the benches (the launcher runs graph-node and its PostgreSQL as parts of
 * its own: graph-node-part.ts): a PostgreSQL database (on a cluster it starts in a folder, or on a
 * server given by URL: the tests share one cluster per run), then graph-node on it, unsupervised.
 * `stop()` stops graph-node, drops a throw-away database and stops a cluster it started, in that order.
 */
import path from 'node:path';
import { startGraphNode, type GraphNode, type GraphNodeOptions } from './graph-node';
import { createDatabase, dropDatabase, startPostgres, type EmbeddedPostgres } from '../postgres/postgres';

export { startGraphNode, type GraphNode } from './graph-node';

export interface LocalGraphNodeOptions extends Omit<GraphNodeOptions, 'postgresUrl'> {
  /** Admin URL of a running PostgreSQL server to create the database on (the tests' shared cluster). Unset: a cluster in `postgresFolder`. */
  postgresAdminUrl?: string;
  postgresFolder?: string;
  /** False for throw-away clusters (no fsync). */
  durable?: boolean;
  /** graph-node's database: plain name (a-z, 0-9, _). */
  database: string;
  /** Drop the database at stop (a test's). */
  dropDatabaseOnStop?: boolean;
}

export interface LocalGraphNode extends GraphNode {
  /** The cluster this started, if it started one. */
  readonly postgres?: EmbeddedPostgres;
}

export async function startLocalGraphNode(options: LocalGraphNodeOptions): Promise<LocalGraphNode> {
  let stopping = false;
  let postgres: EmbeddedPostgres | undefined;
  let adminUrl = options.postgresAdminUrl;
  if (!adminUrl) {
    if (!options.postgresFolder) throw new Error('startLocalGraphNode needs postgresAdminUrl or postgresFolder.');
    const cluster = await startPostgres({ folder: options.postgresFolder, durable: options.durable });
    postgres = cluster;
    adminUrl = cluster.adminUrl;
    void cluster.exited.then((how) => {
      if (!stopping) options.onCrash?.(`PostgreSQL for graph-node (pid ${cluster.pid}) exited: ${how}`);
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
    const postgresUrl = await createDatabase(admin, options.database);
    node = await startGraphNode({ ...options, postgresUrl });
    return { ...node, postgres, stop };
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
