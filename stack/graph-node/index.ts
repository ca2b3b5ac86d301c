/**
 * graph-node on one machine, as `npm start`, the tests and the benches run it: a PostgreSQL database
 * (on the embedded cluster, or on a server given by URL: the tests share one cluster per run), then
 * graph-node on it. `stop()` stops graph-node, drops a throw-away database and stops a cluster it
 * started, in that order.
 */
import path from 'node:path';
import { startGraphNode, type GraphNode, type GraphNodeOptions } from './graph-node';
import { createDatabase, dropDatabase, startPostgres, type EmbeddedPostgres } from '../postgres/postgres';
import { sameBlockHash } from '../chain/anvil-state';
import { blockHash, currentBlock } from '../chain/chain-status';
import { supervise, type Supervised } from '../process/supervisor';
import { watchForStall } from './stall-watch';

export { startGraphNode, type GraphNode } from './graph-node';
export { createDatabase, startPostgres, type EmbeddedPostgres } from '../postgres/postgres';

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
  /**
   * Start graph-node again (same ports, same database) when it dies, telling `log`; `onCrash` is then
   * told only when restarts ran out. Unset: `onCrash` is told at once. `stallMs` (default 60 s):
   * graph-node is also restarted when, alive, it has indexed no block for that long while the chain
   * is ahead, or its status API has not answered for that long (stall-watch.ts).
   */
  restart?: { log: (line: string) => void; stallMs?: number };
}

export interface LocalGraphNode extends GraphNode {
  /** The cluster this started, if it started one (the current one, when it was restarted). */
  readonly postgres?: EmbeddedPostgres;
  /** Every process this runs now (graph-node's current PID when it was restarted). */
  readonly pids: number[];
  /**
   * Checks the index against the chain: when graph-node has indexed a block the chain does not have
   * (the chain restarted from a state file older than the index: anvil writes it every second), the
   * index answers for transactions that no longer exist. It is then dropped and graph-node indexes
   * the chain again from the start. Returns why it rebuilt, or undefined when the index matches.
   * Needs `restart` (the supervised graph-node).
   */
  rebuildIfAheadOfChain(): Promise<string | undefined>;
}

export async function startLocalGraphNode(options: LocalGraphNodeOptions): Promise<LocalGraphNode> {
  let stopping = false;
  let postgres: Supervised<EmbeddedPostgres> | undefined;
  let node: Supervised<GraphNode> | undefined;
  let adminUrl = options.postgresAdminUrl;
  if (!adminUrl) {
    if (!options.postgresFolder) throw new Error('startLocalGraphNode needs postgresAdminUrl or postgresFolder.');
    const settings = { folder: options.postgresFolder, portVariable: 'POSTGRES_PORT', durable: options.durable };
    const first = await startPostgres({ ...settings, port: options.postgresPort });
    adminUrl = first.adminUrl;
    if (options.restart) {
      const { log } = options.restart;
      postgres = supervise({
        name: "PostgreSQL (graph-node's store)",
        first,
        // Same folder, port and password: graph-node's connection URL stays right.
        restart: () => startPostgres({ ...settings, port: first.port }),
        log,
        onGiveUp: (message) => options.onCrash?.(message),
        onRestarted: () => void resumeAfterPostgres(),
      });
    } else {
      postgres = { current: () => first, restartNow: () => first.stop(), stop: () => first.stop() };
      void first.exited.then((how) => {
        if (!stopping) options.onCrash?.(`PostgreSQL for graph-node (pid ${first.pid}) exited: ${how}`);
      });
    }
  }
  const admin = adminUrl;
  /**
   * graph-node does not resume indexing after its PostgreSQL restarted: measured with gnd 0.45, it
   * keeps reporting the subgraph healthy and synced, follows the chain head, and indexes no further
   * block (its subgraph runner stays on the lost connection; compare graphprotocol/graph-node#1279).
   * That index would be silently stale, so graph-node is restarted on it as soon as PostgreSQL is back.
   */
  const resumeAfterPostgres = async () => {
    if (!stopping) await node?.restartNow('its PostgreSQL restarted, and graph-node does not resume indexing on a new connection by itself');
  };
  let stallWatch: { stop(): void } | undefined;
  const stop = async () => {
    stopping = true;
    stallWatch?.stop();
    await node?.stop();
    if (options.dropDatabaseOnStop) await dropDatabase(admin, options.database).catch(() => undefined);
    await postgres?.stop();
  };
  try {
    const postgresUrl = await createDatabase(admin, options.database, { replace: options.freshDatabase });
    const first = await startGraphNode({ ...options, postgresUrl, onCrash: options.restart ? undefined : options.onCrash });
    let dropIndex = false;
    node = options.restart
      ? supervise({
          name: 'graph-node',
          first,
          restart: async () => {
            if (dropIndex) await createDatabase(admin, options.database, { replace: true });
            dropIndex = false;
            return startGraphNode({ ...options, postgresUrl, ports: first.ports, onCrash: undefined });
          },
          log: options.restart.log,
          onGiveUp: (message) => {
            stallWatch?.stop();
            options.onCrash?.(message);
          },
        })
      : { current: () => first, restartNow: () => first.stop(), stop: () => first.stop() };
    const current = node.current;
    if (options.restart) {
      const supervised = node;
      stallWatch = watchForStall({
        status: () => current().status(),
        chainHead: () => currentBlock(options.rpcUrl),
        stallMs: options.restart.stallMs ?? 60_000,
        onStall: (reason) => supervised.restartNow(`${reason}; a restart resumes it`),
      });
    }
    const cluster = postgres;
    return {
      ...first,
      get postgres() {
        return cluster?.current();
      },
      get pid() {
        return current().pid;
      },
      get pids() {
        return [current().pid, ...(cluster ? [cluster.current().pid] : [])];
      },
      status: () => current().status(),
      waitForBlock: (block, timeoutMs) => current().waitForBlock(block, timeoutMs),
      async rebuildIfAheadOfChain() {
        const status = await current().status();
        const indexed = status?.chains[0]?.latestBlock;
        if (!indexed) return undefined;
        const number = Number(indexed.number);
        const head = await currentBlock(options.rpcUrl);
        const onChain = number <= head ? await blockHash(options.rpcUrl, number) : undefined;
        if (onChain !== undefined && sameBlockHash(onChain, indexed.hash)) return undefined;
        const reason =
          onChain === undefined
            ? `graph-node had indexed up to block ${number}, but the chain's head is block ${head}: the chain lost blocks ${head + 1}..${number} (its state file is written every second)`
            : `graph-node's block ${number} (0x${indexed.hash.replace(/^0x/, '')}) is not the chain's (${onChain}): the chain lost that block and mined another in its place`;
        dropIndex = true;
        await node!.restartNow(`${reason}; its index is dropped and the chain indexed again`);
        return reason;
      },
      stop,
    };
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
