import { createHash } from 'node:crypto';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import type { Deployment } from '../contracts/deployment/deployment';
import { REPO_ROOT } from '../api/src/config';
import { startEmbeddedMongo } from './documents/embedded-mongo';
import { startLocalGraphNode, type LocalGraphNode } from './graph-node';
import { loadServerConfig } from '../api/src/server-config';
import { connectChain, startEmbeddedChain, type StackChain } from './chain/chain';
import { apiEnvironmentFor } from './api/api-environment';
import { buildApiIfChanged } from './api/api-build';
import { startApiProcess, type ApiProcess } from './api/api-process';
import { currentBlock, indexFolderName, waitUntilIndexed } from './chain/chain-status';
import { bindToChain, dataFolder, deleteStackState, embeddedGenesisTime } from './data-folder';
import { seedDemo } from './demo/demo-seed';
import { ensureDeployment } from './chain/deploy-step';
import { assertPortFree, freePort } from './process/free-port';
import { consoleProgress, type ProgressLog } from './progress';
import type { StackConfig } from './stack-config';
import { buildSubgraphIfChanged, SUBGRAPH_BUILD_DIR } from './graph-node/subgraph-build';
import { buildWebIfChanged, WEB_DIST_DIR } from './web/web-build';
import { supervise } from './process/supervisor';
import { removePidFile, stopLeftovers, writePidFile, type StackPart } from './process/pid-file';
import { startWebServer } from './web/web-server';

/** A running stack: where each part answers, and one `stop()` that ends every part it started. */
export interface RunningStack {
  chainId: number;
  deployment: Deployment;
  urls: {
    rpc: string;
    subgraph: string;
    /** graph-node's index-node status API, when the stack runs graph-node. */
    subgraphStatus?: string;
    /** Where graph-node's log goes, when the stack runs graph-node. */
    graphNodeLog?: string;
    graphql: string;
    web: string;
    mongodb: string;
  };
  /** True when the stack resumed the state a previous run left in the data folder (no demo seeded). */
  kept: boolean;
  /** Which parts the stack started itself (the rest were given by URL). */
  embedded: { chain: boolean; subgraph: boolean; mongodb: boolean };
  /** PIDs of the child processes the stack runs now (a restarted part's new PID replaces the old). */
  pids: number[];
  /** The same, with each part's name ("the chain (anvil)", "graph-node", ...), in start order. */
  parts: StackPart[];
  /** PID of the embedded FerretDB now, when the stack runs it. */
  databasePid?: number;
  /** PID of graph-node now, when the stack runs it. */
  graphNodePid?: number;
  /** PID of the API process now. */
  apiPid: number;
  /** How long the API process now running took from its start to listening (its ready line). */
  apiStartupMs: number;
  stop(): Promise<void>;
}

/** How long one part may take to stop before the next is stopped anyway. */
const STOP_TIMEOUT_MS = 10_000;

export interface StartStackOptions {
  config: StackConfig;
  progress?: ProgressLog;
  /**
   * Use subgraph/build and web/dist as they are when present, instead of rebuilding them when their
   * inputs changed. For test runs whose script built both just before (`npm test`), so no test
   * rebuilds a folder another test is reading.
   */
  reuseBuilds?: boolean;
  /**
   * Told when a part the stack started exits by itself (graph-node, its PostgreSQL), with the reason
   * and the last lines of its log. Default: printed to stderr.
   */
  onCrash?: (message: string) => void;
  /** Aborted (Ctrl-C while starting): the start gives up before its next step and stops what it started. */
  signal?: AbortSignal;
}

/**
 * Starts every part of the system in order: chain, contracts, subgraph (build, then graph-node), database,
 * API, web client, then the demo data. A failure stops whatever already started and rethrows, so no
 * process is left behind.
 */
export async function startStack({
  config,
  progress = consoleProgress(),
  reuseBuilds = false,
  onCrash = (message) => process.stderr.write(`\n${message}\n`),
  signal,
}: StartStackOptions): Promise<RunningStack> {
  const step = <T>(title: string, run: (detail: (line: string) => void) => Promise<T>): Promise<T> => {
    if (signal?.aborted) throw new Error('The start was interrupted.');
    return progress.step(title, run);
  };
  const stops: Array<{ name: string; stop: () => Promise<void> }> = [];
  /** The PIDs of each part the stack runs, as they are now (a restarted part has a new one). */
  const pidsOf: Array<() => StackPart[]> = [];
  const parts = () => pidsOf.flatMap((part) => part());
  const stateDir = path.join(config.dataDir, 'stack');
  // Builds write into the repository (subgraph/build, web/dist), so their stamps live with it too.
  const stampDir = path.join(REPO_ROOT, '.data', 'build-stamps');

  let recorded = '';
  const recordPids = async () => {
    const now = JSON.stringify(parts());
    if (now === recorded) return;
    recorded = now;
    await writePidFile(stateDir, parts());
  };
  // Supervisors restart parts with new PIDs; the file follows within a second.
  const pidWatch = setInterval(() => void recordPids().catch(() => undefined), 1_000);
  pidWatch.unref();

  const stopAll = async () => {
    clearInterval(pidWatch);
    for (const part of stops.splice(0).reverse()) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const slow = new Promise<'slow'>((resolve) => {
        timer = setTimeout(() => resolve('slow'), STOP_TIMEOUT_MS);
      });
      try {
        const outcome = await Promise.race([part.stop().then(() => 'stopped' as const), slow]);
        if (outcome === 'slow') process.stderr.write(`Stopping ${part.name} took over ${STOP_TIMEOUT_MS / 1000} s; moving on.\n`);
      } catch (error) {
        process.stderr.write(`Stopping ${part.name} failed: ${(error as Error).message}\n`);
      } finally {
        clearTimeout(timer);
      }
    }
    if (recorded) await removePidFile(stateDir).catch(() => undefined);
  };

  try {
    // Before the port checks: what a killed launcher left may hold the ports.
    await stopLeftovers(stateDir, (line) => progress.info(`    ${line}`));
    // Ports given as 0 are picked now: the API must know the web client's origin before either starts.
    const webPort = config.webPort || (await freePort(config.host));
    const apiPort = config.apiPort || (await freePort(config.host));
    await assertPortFree(config.host, webPort, 'WEB_PORT');
    await assertPortFree(config.host, apiPort, 'API_PORT');
    const webOrigin = config.publicUrl ? new URL(config.publicUrl).origin : `http://${config.host}:${webPort}`;
    const apiOrigin = `http://${config.host}:${apiPort}`;

    if (config.fresh) await step('Starting over (--fresh)', (detail) => deleteStackState(config.dataDir, detail));
    const folder = dataFolder(config.dataDir);
    if (!folder.kept && !config.rpcUrl) {
      // No chain recorded: whatever an earlier run left has no chain to match (the launcher before
      // the chain kept its state wiped these at every start).
      await rm(folder.chainState, { force: true });
      await rm(path.join(stateDir, 'ferretdb'), { recursive: true, force: true });
    }

    let afterChainRestart = async (): Promise<void> => undefined;
    let genesisTimestamp: number | undefined;
    const chain: StackChain = await step(config.rpcUrl ? `Chain at ${config.rpcUrl}` : 'Chain: anvil', async (detail) => {
      if (config.rpcUrl) return connectChain(config.rpcUrl);
      if (config.chainPort) await assertPortFree(config.host, config.chainPort, 'CHAIN_PORT (or RPC_URL to use a running chain)');
      genesisTimestamp = await embeddedGenesisTime(folder, detail);
      const options = { stateFile: folder.chainState, genesisTimestamp, onOutput: (line: string) => progress.info(`[chain] ${line}`) };
      const started = await startEmbeddedChain(config.host, config.chainPort, options);
      const port = Number(new URL(started.url).port);
      const supervised = supervise({
        name: 'the chain (anvil)',
        first: started,
        // Same port, same state file: anvil loads the state it last wrote.
        restart: () => startEmbeddedChain(config.host, port, options),
        log: (line) => progress.info(`[supervisor] ${line}`),
        onGiveUp: (message) => onCrash(message),
        onRestarted: () => void afterChainRestart(),
      });
      pidsOf.push(() => [{ name: 'the chain (anvil)', pid: supervised.current().pid, stopSignal: 'SIGTERM' }]);
      stops.push({ name: 'the chain', stop: supervised.stop });
      detail(`${started.url} (chain id ${started.chainId}, pid ${started.pid}, state ${folder.kept ? 'kept in' : 'kept from now on in'} ${folder.chainState}; restarted if it dies)`);
      return { ...started, stop: supervised.stop };
    });
    await recordPids();
    await bindToChain(folder, chain, genesisTimestamp);

    const deployment = await step('Contracts', (detail) =>
      ensureDeployment({ chain, network: config.network, deployerKey: config.deployerKey, keptDeploymentFile: folder.deploymentFile, log: detail }),
    );

    if (!config.subgraphUrl) {
      await step('Subgraph build', async (detail) => {
        const built = await buildSubgraphIfChanged({ network: config.network, stampDir, log: detail, reuse: reuseBuilds });
        detail(built ? `built ${path.relative(process.cwd(), SUBGRAPH_BUILD_DIR)}` : reuseBuilds ? 'using the existing build' : 'unchanged since the last build');
      });
    }
    const subgraph: { queryUrl: string } | LocalGraphNode = await step<{ queryUrl: string } | LocalGraphNode>(
      config.subgraphUrl ? `Subgraph at ${config.subgraphUrl}` : 'graph-node (gnd dev) on PostgreSQL',
      async (detail) => {
        if (config.subgraphUrl) return { queryUrl: config.subgraphUrl };
        const node = await startLocalGraphNode({
          manifest: path.join(SUBGRAPH_BUILD_DIR, 'subgraph.yaml'),
          rpcUrl: chain.url,
          subgraphName: config.subgraphName,
          ports: { http: config.subgraphPort, indexNode: config.indexNodePort, admin: config.graphAdminPort, metrics: config.graphMetricsPort },
          portVariables: { http: 'SUBGRAPH_PORT', indexNode: 'INDEX_NODE_PORT', admin: 'GRAPH_ADMIN_PORT', metrics: 'GRAPH_METRICS_PORT' },
          logFile: path.join(stateDir, 'graph-node', 'graph-node.log'),
          postgresAdminUrl: config.graphNodePostgresUrl,
          postgresFolder: path.join(stateDir, 'graph-node', 'postgres'),
          postgresPort: config.postgresPort,
          // The index is kept with the chain it indexes (the data folder is bound to one chain), per
          // deployment on a chain the stack did not start, so a redeployment never meets a stale one.
          // On a shared server (GRAPH_NODE_POSTGRES_URL: the tests') each data folder has its own.
          database: config.graphNodePostgresUrl
            ? `stack_${createHash('sha256').update(config.dataDir).digest('hex').slice(0, 16)}`
            : chain.embedded
              ? 'graph_node'
              : `graph_node_${(await indexFolderName(config.network, chain, deployment)).replace(/[^a-z0-9]/gi, '_').toLowerCase()}`,
          freshDatabase: chain.embedded && !folder.kept,
          onWarning: (line) => progress.info(`    ${line}`),
          onCrash: (message) => onCrash(`graph-node stopped: ${message}`),
          restart: { log: (line) => progress.info(`[supervisor] ${line}`), stallMs: config.graphNodeStallSeconds * 1000 },
        });
        stops.push({ name: 'graph-node and its PostgreSQL', stop: () => node.stop() });
        pidsOf.push(() => [
          ...(node.postgres ? [{ name: "PostgreSQL (graph-node's store)", pid: node.postgres.pid, stopSignal: 'SIGINT' as const }] : []),
          { name: 'graph-node', pid: node.pid, stopSignal: 'SIGINT' },
        ]);
        await recordPids();
        detail(`queries ${node.queryUrl}`);
        detail(`status  ${node.indexNodeUrl} (pid ${node.pid}, log ${node.logFile})`);
        if (node.postgres) detail(`PostgreSQL 127.0.0.1:${node.postgres.port} (pid ${node.postgres.pid}, files in ${path.dirname(node.postgres.logFile)})`);
        if (chain.embedded && folder.kept) {
          const rebuilt = await node.rebuildIfAheadOfChain();
          if (rebuilt) detail(`WARNING: ${rebuilt}; the index was dropped and is being built again from the chain`);
        }
        const head = await currentBlock(chain.url);
        await node.waitForBlock(head, 180_000);
        detail(`indexed up to block ${head}`);
        return node;
      },
    );
    const subgraphUrl = subgraph.queryUrl;
    afterChainRestart = async () => {
      const head = await currentBlock(chain.url);
      progress.info(`[supervisor] the chain resumed at block ${head} from ${folder.chainState}`);
      if (!('rebuildIfAheadOfChain' in subgraph)) return;
      const rebuilt = await subgraph.rebuildIfAheadOfChain();
      if (rebuilt) {
        progress.info(`[supervisor] WARNING: ${rebuilt}. The transactions of the lost blocks are gone from the chain; graph-node indexes the chain again from the start.`);
      }
    };

    let database: { current(): { pid: number }; stop(): Promise<void> } | undefined;
    const mongodbUri = await step(config.mongodbUri ? 'Database (MONGODB_URI)' : 'Database: embedded FerretDB', async (detail) => {
      if (config.mongodbUri) return config.mongodbUri;
      const files = path.join(stateDir, 'ferretdb');
      const mongo = await startEmbeddedMongo({ dataDir: files, buildLog: detail });
      // The API's driver reconnects by itself to a FerretDB that comes back on the same port.
      const port = Number(new URL(mongo.uri).port);
      database = supervise({
        name: 'FerretDB (the database)',
        first: mongo,
        restart: () => startEmbeddedMongo({ dataDir: files, port }),
        log: (line) => progress.info(`[supervisor] ${line}`),
        onGiveUp: (message) => onCrash(message),
      });
      pidsOf.push(() => [{ name: 'FerretDB (the database)', pid: database!.current().pid, stopSignal: 'SIGTERM' }]);
      stops.push({ name: 'the database', stop: database.stop });
      detail(`${mongo.uri} (pid ${mongo.pid}, files in ${path.relative(process.cwd(), files)}; restarted if it dies)`);
      return `${mongo.uri.replace(/\/$/, '')}/health-records`;
    });

    const graphqlUrl = `${apiOrigin}/graphql`;
    let api: { current(): ApiProcess; stop(): Promise<void> } | undefined;
    await step('API (node dist/api/src/main.js)', async (detail) => {
      const built = await buildApiIfChanged({ stampDir, log: detail, reuse: reuseBuilds });
      if (!built) detail(reuseBuilds ? 'using the existing build in dist/' : 'dist/ unchanged since the last build');
      const subgraphStatusUrl = 'indexNodeUrl' in subgraph ? subgraph.indexNodeUrl : undefined;
      const env = apiEnvironmentFor({ config, chain, subgraphUrl, subgraphStatusUrl, mongodbUri, webOrigin });
      // Checked here too, so a bad setting fails the start with the API's own message at once.
      loadServerConfig(env);
      const start = () => startApiProcess({ env, host: config.host, port: apiPort, onOutput: (line) => progress.info(`[api] ${line.replace(/^\[api\] /, '')}`) });
      const first = await start();
      api = supervise({
        name: 'the API process',
        first,
        restart: start,
        log: (line) => progress.info(`[supervisor] ${line}`),
        onGiveUp: (message) => onCrash(message),
        onRestarted: (current) => progress.info(`[supervisor] the API process started in ${current.startupMs} ms`),
      });
      pidsOf.push(() => [{ name: 'the API process', pid: api!.current().pid, stopSignal: 'SIGTERM' }]);
      await recordPids();
      stops.push({ name: 'the API', stop: api.stop });
      detail(`${first.url}/graphql (pid ${first.pid}, ready ${first.startupMs} ms after its start; browsers use ${webOrigin}/graphql: SIWE is bound to that origin)`);
    });

    await step('Web client', async (detail) => {
      const built = await buildWebIfChanged({ stampDir, log: detail, reuse: reuseBuilds });
      detail(built ? 'built web/dist' : reuseBuilds ? 'using the existing build' : 'unchanged since the last build');
      const server = await startWebServer({
        distDir: WEB_DIST_DIR,
        host: config.host,
        port: webPort,
        apiOrigin,
        subgraphUrl,
        runtimeConfig: {
          chainId: chain.chainId,
          rpcUrl: chain.url,
          graphqlUrl: '/graphql',
          authUrl: '/auth',
          subgraphUrl: '/subgraph',
          contracts: {
            ConsentManager: deployment.contracts.ConsentManager.address,
            RecordRegistry: deployment.contracts.RecordRegistry.address,
            ProviderDirectory: deployment.contracts.ProviderDirectory.address,
            AuditAnchor: deployment.contracts.AuditAnchor.address,
          },
        },
      });
      stops.push({ name: 'the web server', stop: server.close });
      detail(server.url);
    });

    if (config.demo && chain.embedded && folder.kept) {
      progress.info(`    (demo data: kept from the previous run in ${folder.dir}; \`npm start -- --fresh\` seeds it anew)`);
    } else if (config.demo && chain.embedded) {
      await step('Demo data', async (detail) => {
        const { blockNumber } = await seedDemo({ rpcUrl: chain.url, chainId: chain.chainId, deployment, apiOrigin, log: detail });
        if ('waitForBlock' in subgraph) await subgraph.waitForBlock(blockNumber);
        else await waitUntilIndexed(subgraphUrl, blockNumber);
        detail(`indexed through block ${blockNumber}`);
      });
    } else if (config.demo) {
      progress.info('    (demo data is seeded only on the embedded chain, whose test accounts are funded)');
    }

    return {
      chainId: chain.chainId,
      deployment,
      urls: {
        rpc: chain.url,
        subgraph: subgraphUrl,
        subgraphStatus: 'indexNodeUrl' in subgraph ? subgraph.indexNodeUrl : undefined,
        graphNodeLog: 'logFile' in subgraph ? subgraph.logFile : undefined,
        graphql: graphqlUrl,
        web: webOrigin,
        mongodb: mongodbUri,
      },
      kept: folder.kept,
      embedded: { chain: chain.embedded, subgraph: !config.subgraphUrl, mongodb: !config.mongodbUri },
      get pids() {
        return parts().map((part) => part.pid);
      },
      get parts() {
        return parts();
      },
      get graphNodePid() {
        return 'pids' in subgraph ? subgraph.pid : undefined;
      },
      get databasePid() {
        return database?.current().pid;
      },
      get apiPid() {
        return api!.current().pid;
      },
      get apiStartupMs() {
        return api!.current().startupMs;
      },
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
