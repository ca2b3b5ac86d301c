/**
 * The local subgraph node: runs any Ethereum subgraph that graph-cli builds (mapping apiVersion
 * 0.0.5 to 0.0.9) on one machine, against any EVM JSON-RPC endpoint.
 *
 * Programmatic API
 * ----------------
 *   const node = await startLocalNode({
 *     build: 'subgraph/build',          // `graph build` output folder, or its subgraph.yaml
 *     rpcUrl: 'http://127.0.0.1:8545',
 *     name: 'health-records',           // served at /subgraphs/name/<name>
 *     dataDir: '.data/subgraph',        // optional: persist the store; a restart resumes
 *     port: 8000,                       // optional: serve the GraphQL query API (0 = free port)
 *     logger: silentLogger,             // optional: defaults to timestamped lines on stderr
 *   });
 *   await node.waitForBlock(123);       // resolves with the block pointer once indexed;
 *                                       // rejects with IndexingFailedError if a mapping fails
 *   node.status();                      // { block, head, events, handlerCalls, synced, error }
 *   node.store;                         // the versioned entity store (QueryableEntityStore)
 *   node.queryUrl;                      // http://127.0.0.1:<port>/subgraphs/name/<name>, when port given
 *   await node.stop();                  // stops indexing and the server, flushes the store
 *
 * Errors while loading (bad manifest, call handlers, unknown host functions, unsupported apiVersion)
 * reject `startLocalNode` with a `ManifestError`. A mapping failure while indexing stops indexing,
 * is recorded in the store (`_meta { hasIndexingErrors }`) and logged with its file and line.
 *
 * CLI: `npm run subgraph:node -- <build folder or manifest> --rpc <url> [--name <n>] [--port <p>]`.
 */
import { createEntityStore, type QueryableEntityStore } from './store';
import type { BlockPtr } from './store/types';
import { startQueryServer, type QueryServer } from './graphql';
import { loadManifest, type SubgraphManifest } from './manifest';
import { Indexer, type IndexerStatus } from './indexer/indexer';
import { consoleLogger, type NodeLogger } from './logger';

export { ManifestError, loadManifest, type SubgraphManifest } from './manifest';
export { IndexingFailedError, type IndexerStatus } from './indexer/indexer';
export { consoleLogger, silentLogger, type NodeLogger } from './logger';

export interface LocalNodeOptions {
  /** A `graph build` output folder, or the path of its subgraph.yaml. */
  build: string;
  /** Any EVM JSON-RPC endpoint (HTTP). */
  rpcUrl: string;
  /** Subgraph name, as in `/subgraphs/name/<name>`. */
  name: string;
  /** Folder to persist the entity store in; without it the store lives in memory. */
  dataDir?: string;
  /** Serve the GraphQL query API on this port (0 picks a free one); omitted: no server. */
  port?: number;
  /** Where progress and mapping logs go; defaults to stderr. */
  logger?: NodeLogger;
  /** Most blocks per eth_getLogs range (ranges adapt to the log density below it). Default 2000. */
  blockRange?: number;
  /** Poll interval for new blocks once caught up. Default 500 ms. */
  pollIntervalMs?: number;
  /** Progress log interval while catching up. Default 5000 ms. */
  progressIntervalMs?: number;
}

export interface LocalNode {
  readonly name: string;
  readonly manifest: SubgraphManifest;
  readonly store: QueryableEntityStore;
  /** The query endpoint when `port` was given. */
  readonly queryUrl: string | null;
  status(): IndexerStatus;
  waitForBlock(n: number, timeoutMs?: number): Promise<BlockPtr>;
  stop(): Promise<void>;
}

export async function startLocalNode(options: LocalNodeOptions): Promise<LocalNode> {
  const logger = options.logger ?? consoleLogger();
  const manifest = loadManifest(options.build);
  const store = await createEntityStore({ schemaSdl: manifest.schemaSdl, dataDir: options.dataDir });
  const resumed = store.latestBlock();
  if (resumed) logger.info(`resuming ${options.name} after block ${resumed.number}`);
  else logger.info(`indexing ${options.name} from block ${Math.min(...manifest.dataSources.map((ds) => ds.startBlock))}`);
  const indexer = new Indexer({
    manifest,
    store,
    rpcUrl: options.rpcUrl,
    logger,
    blockRange: options.blockRange,
    pollIntervalMs: options.pollIntervalMs,
    progressIntervalMs: options.progressIntervalMs,
  });
  let server: QueryServer | null = null;
  try {
    if (options.port !== undefined) {
      server = await startQueryServer({ store, name: options.name, port: options.port });
      logger.info(`serving GraphQL at ${server.url}`);
    }
  } catch (error) {
    await store.close();
    throw error;
  }
  indexer.start();
  let stopped = false;
  return {
    name: options.name,
    manifest,
    store,
    queryUrl: server?.url ?? null,
    status: () => indexer.status(),
    waitForBlock: (n, timeoutMs) => indexer.waitForBlock(n, timeoutMs),
    async stop() {
      if (stopped) return;
      stopped = true;
      await indexer.stop();
      await server?.close();
      await store.close();
    },
  };
}
