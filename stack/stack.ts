import { rm } from 'node:fs/promises';
import path from 'node:path';
import type { Deployment } from '../contracts/deployment/deployment';
import { REPO_ROOT } from '../api/src/config';
import { startEmbeddedMongo } from './database/embedded-mongo';
import { startLocalNode, type NodeLogger } from '../subgraph/local-node';
import { createServer } from '../api/src/app/server';
import { loadServerConfig } from '../api/src/server-config';
import { connectChain, startEmbeddedChain, type StackChain } from './chain';
import { apiEnvironmentFor } from './api-environment';
import { currentBlock, indexFolderName, waitUntilIndexed } from './chain-status';
import { seedDemo } from './demo-seed';
import { ensureDeployment } from './deploy-step';
import { assertPortFree, freePort } from './free-port';
import { consoleProgress, type ProgressLog } from './progress';
import type { StackConfig } from './stack-config';
import { buildSubgraphIfChanged, SUBGRAPH_BUILD_DIR } from './subgraph-build';
import { buildWebIfChanged, WEB_DIST_DIR } from './web-build';
import { startWebServer } from './web-server';

/** A running stack: where each part answers, and one `stop()` that ends every part it started. */
export interface RunningStack {
  chainId: number;
  deployment: Deployment;
  urls: {
    rpc: string;
    subgraph: string;
    graphql: string;
    web: string;
    mongodb: string;
  };
  /** Which parts the stack started itself (the rest were given by URL). */
  embedded: { chain: boolean; subgraph: boolean; mongodb: boolean };
  /** PIDs of the child processes the stack started. */
  pids: number[];
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
}

/**
 * Starts every part of the system in order: chain, contracts, subgraph (build and node), database,
 * API, web client, then the demo data. A failure stops whatever already started and rethrows, so no
 * process is left behind.
 */
export async function startStack({ config, progress = consoleProgress(), reuseBuilds = false }: StartStackOptions): Promise<RunningStack> {
  const stops: Array<{ name: string; stop: () => Promise<void> }> = [];
  const pids: number[] = [];
  const stateDir = path.join(config.dataDir, 'stack');
  // Builds write into the repository (subgraph/build, web/dist), so their stamps live with it too.
  const stampDir = path.join(REPO_ROOT, '.data', 'build-stamps');

  const stopAll = async () => {
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
  };

  try {
    // Ports given as 0 are picked now: the API must know the web client's origin before either starts.
    const webPort = config.webPort || (await freePort(config.host));
    const apiPort = config.apiPort || (await freePort(config.host));
    await assertPortFree(config.host, webPort, 'WEB_PORT');
    await assertPortFree(config.host, apiPort, 'API_PORT');
    const webOrigin = config.publicUrl ? new URL(config.publicUrl).origin : `http://${config.host}:${webPort}`;
    const apiOrigin = `http://${config.host}:${apiPort}`;

    const chain: StackChain = await progress.step(config.rpcUrl ? `Chain at ${config.rpcUrl}` : 'Chain: Hardhat network', async (detail) => {
      if (config.rpcUrl) return connectChain(config.rpcUrl);
      if (config.chainPort) await assertPortFree(config.host, config.chainPort, 'CHAIN_PORT (or RPC_URL to use a running chain)');
      const started = await startEmbeddedChain(config.host, config.chainPort, (line) => progress.info(`[chain] ${line}`));
      detail(`${started.url} (chain id ${started.chainId}, pid ${started.pid})`);
      return started;
    });
    stops.push({ name: 'the chain', stop: chain.stop });
    if (chain.pid) pids.push(chain.pid);

    const deployment = await progress.step('Contracts', (detail) =>
      ensureDeployment({ chain, network: config.network, deployerKey: config.deployerKey, log: detail }),
    );

    if (!config.subgraphUrl) {
      await progress.step('Subgraph build', async (detail) => {
        const built = await buildSubgraphIfChanged({ network: config.network, stampDir, log: detail, reuse: reuseBuilds });
        detail(built ? `built ${path.relative(process.cwd(), SUBGRAPH_BUILD_DIR)}` : reuseBuilds ? 'using the existing build' : 'unchanged since the last build');
      });
    }
    const subgraphUrl = await progress.step(
      config.subgraphUrl ? `Subgraph at ${config.subgraphUrl}` : 'Local subgraph node',
      async (detail) => {
        if (config.subgraphUrl) return config.subgraphUrl;
        if (config.subgraphPort) await assertPortFree(config.host, config.subgraphPort, 'SUBGRAPH_PORT (or SUBGRAPH_URL to use graph-node)');
        let startup: ((line: string) => void) | undefined = detail;
        const say = (level: string) => (message: string) => {
          if (startup) startup(message);
          else progress.info(`[subgraph] ${level}${message}`);
        };
        const logger: NodeLogger = { debug: () => undefined, info: say(''), warn: say('warning: '), error: say('error: ') };
        const node = await startLocalNode({
          build: SUBGRAPH_BUILD_DIR,
          rpcUrl: chain.url,
          name: config.subgraphName,
          // A fresh embedded chain is indexed from scratch; an existing chain's index persists.
          // It is keyed by the chain and the block of the deployment, so another chain or a redeployment
          // never resumes a stale index.
          dataDir: chain.embedded ? undefined : path.join(stateDir, 'subgraph', await indexFolderName(config.network, chain, deployment)),
          port: config.subgraphPort,
          logger,
          progressIntervalMs: 5_000,
        });
        stops.push({ name: 'the local subgraph node', stop: () => node.stop() });
        const head = await currentBlock(chain.url);
        await node.waitForBlock(head, 120_000);
        detail(`indexed up to block ${head}`);
        startup = undefined;
        if (!node.queryUrl) throw new Error('The local subgraph node started without its query server.');
        return node.queryUrl;
      },
    );

    const mongodbUri = await progress.step(config.mongodbUri ? 'Database (MONGODB_URI)' : 'Database: embedded FerretDB', async (detail) => {
      if (config.mongodbUri) return config.mongodbUri;
      const folder = path.join(stateDir, 'ferretdb');
      if (chain.embedded) {
        // The embedded chain starts empty, so its database does too: old documents would name records
        // and consents the new chain has never seen.
        await rm(folder, { recursive: true, force: true });
      }
      const mongo = await startEmbeddedMongo({ dataDir: folder, buildLog: detail });
      stops.push({ name: 'the database', stop: mongo.stop });
      pids.push(mongo.pid);
      detail(`${mongo.uri} (pid ${mongo.pid}, files in ${path.relative(process.cwd(), folder)})`);
      return `${mongo.uri.replace(/\/$/, '')}/health-records`;
    });

    const graphqlUrl = `${apiOrigin}/graphql`;
    await progress.step('API', async (detail) => {
      const apiConfig = loadServerConfig(apiEnvironmentFor({ config, chain, subgraphUrl, mongodbUri, webOrigin }));
      // The launcher owns this process's signals and stops the API itself, in order. Apollo Server
      // installs SIGINT/SIGTERM handlers of its own (stop, then re-raise the signal) unless told not
      // to; those are removed so one Ctrl-C runs one orderly shutdown.
      const before = new Set([...process.listeners('SIGINT'), ...process.listeners('SIGTERM')]);
      const api = await createServer(apiConfig);
      for (const signal of ['SIGINT', 'SIGTERM'] as const) {
        for (const listener of process.listeners(signal)) if (!before.has(listener)) process.removeListener(signal, listener);
      }
      stops.push({ name: 'the API', stop: () => api.close() });
      const { url } = await api.listen(apiPort, config.host);
      detail(`${url}/graphql (browsers use ${webOrigin}/graphql: SIWE is bound to that origin)`);
    });

    await progress.step('Web client', async (detail) => {
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

    if (config.demo && chain.embedded) {
      await progress.step('Demo data', async (detail) => {
        const { blockNumber } = await seedDemo({ rpcUrl: chain.url, chainId: chain.chainId, deployment, apiOrigin, log: detail });
        await waitUntilIndexed(subgraphUrl, blockNumber);
        detail(`indexed through block ${blockNumber}`);
      });
    } else if (config.demo) {
      progress.info('    (demo data is seeded only on the embedded chain, whose test accounts are funded)');
    }

    return {
      chainId: chain.chainId,
      deployment,
      urls: { rpc: chain.url, subgraph: subgraphUrl, graphql: graphqlUrl, web: webOrigin, mongodb: mongodbUri },
      embedded: { chain: chain.embedded, subgraph: !config.subgraphUrl, mongodb: !config.mongodbUri },
      pids,
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
