import { createHash } from 'node:crypto';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import type { Deployment } from '../contracts/deployment/deployment';
import { loadServerConfig, REPO_ROOT } from '../api/src/config';
import { redacted } from '../api/src/database/connection';
import { apiPart } from './api/api-part';
import { buildApiIfChanged } from './api/api-build';
import type { ApiProcess } from './api/api-process';
import { apiEnvironmentFor } from './api/api-environment';
import { connectChain, type StackChain } from './chain/chain';
import { chainPart } from './chain/chain-part';
import { currentBlock, indexFolderName, waitUntilIndexed } from './chain/chain-status';
import { ensureDeployment } from './chain/deploy-step';
import { bindToChain, dataFolder, deleteStackState, embeddedGenesisTime } from './data-folder';
import { seedDemo } from './demo/demo-seed';
import { documentsPart } from './documents/documents-part';
import type { EmbeddedMongo } from './documents/embedded-mongo';
import type { GraphNode } from './graph-node/graph-node';
import { graphNodePart } from './graph-node/graph-node-part';
import { buildSubgraphIfChanged, SUBGRAPH_BUILD_DIR } from './graph-node/subgraph-build';
import { PartRunner } from './part';
import { postgresPart } from './postgres/postgres-part';
import { assertPortFree, freePort } from './process/free-port';
import { stopLeftovers, type StackPart } from './process/pid-file';
import type { Supervised } from './process/supervisor';
import { consoleProgress, type ProgressLog } from './progress';
import type { StackConfig } from './stack-config';
import { buildWebIfChanged, WEB_DIST_DIR } from './web/web-build';
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
  const stateDir = path.join(config.dataDir, 'stack');
  // Builds write into the repository (subgraph/build, web/dist), so their stamps live with it too.
  const stampDir = path.join(REPO_ROOT, '.data', 'build-stamps');
  const supervisorLog = (line: string) => progress.info(`[supervisor] ${line}`);
  const parts = new PartRunner({ stateDir, log: supervisorLog, onGiveUp: onCrash });
  // The parts the stack runs itself; a part given by URL has none.
  const running: {
    postgres?: { name: string; adminUrl: string };
    graphNode?: Supervised<GraphNode>;
    documents?: Supervised<EmbeddedMongo>;
    api?: Supervised<ApiProcess>;
  } = {};

  /**
   * The PostgreSQL server for graph-node's store and the documents: the one GRAPH_NODE_POSTGRES_URL
   * names, or the embedded cluster kept in the data folder, started (once) by the first part that needs it.
   */
  const postgresAdminUrl = async (forWhat: string): Promise<string> => {
    if (config.graphNodePostgresUrl) return config.graphNodePostgresUrl;
    running.postgres ??= await step(`PostgreSQL (embedded, for ${forWhat})`, async (detail) => {
      const part = postgresPart({ folder: path.join(stateDir, 'graph-node', 'postgres'), port: config.postgresPort, portVariable: 'POSTGRES_PORT' });
      const postgres = (await parts.run(part)).current();
      detail(`127.0.0.1:${postgres.port} (pid ${postgres.pid}, files in ${path.dirname(postgres.logFile)}; restarted if it dies)`);
      return { name: part.name, adminUrl: postgres.adminUrl };
    });
    return running.postgres.adminUrl;
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
    }

    let genesisTimestamp: number | undefined;
    const chain: StackChain = await step(config.rpcUrl ? `Chain at ${config.rpcUrl}` : 'Chain: anvil', async (detail) => {
      if (config.rpcUrl) return connectChain(config.rpcUrl);
      if (config.chainPort) await assertPortFree(config.host, config.chainPort, 'CHAIN_PORT (or RPC_URL to use a running chain)');
      genesisTimestamp = await embeddedGenesisTime(folder, detail);
      const onOutput = (line: string) => progress.info(`[chain] ${line}`);
      const supervised = await parts.run(chainPart({ host: config.host, port: config.chainPort, stateFile: folder.chainState, genesisTimestamp, onOutput, log: supervisorLog }));
      const started = supervised.current();
      detail(`${started.url} (chain id ${started.chainId}, pid ${started.pid}, state ${folder.kept ? 'kept in' : 'kept from now on in'} ${folder.chainState}; restarted if it dies)`);
      return { url: started.url, chainId: started.chainId, embedded: true };
    });
    await bindToChain(folder, chain, genesisTimestamp);

    const deployment = await step('Contracts', (detail) =>
      ensureDeployment({ chain, network: config.network, deployerKey: config.deployerKey, keptDeploymentFile: folder.deploymentFile, log: detail }),
    );

    let subgraphUrl = config.subgraphUrl;
    if (!subgraphUrl) {
      await step('Subgraph build', async (detail) => {
        const built = await buildSubgraphIfChanged({ network: config.network, stampDir, log: detail, reuse: reuseBuilds });
        detail(built ? `built ${path.relative(process.cwd(), SUBGRAPH_BUILD_DIR)}` : reuseBuilds ? 'using the existing build' : 'unchanged since the last build');
      });
      const adminUrl = await postgresAdminUrl("graph-node's store");
      const node = await step('graph-node (gnd dev)', async (detail) => {
        const part = graphNodePart({
          manifest: path.join(SUBGRAPH_BUILD_DIR, 'subgraph.yaml'),
          rpcUrl: chain.url,
          subgraphName: config.subgraphName,
          ports: { http: config.subgraphPort, indexNode: config.indexNodePort, admin: config.graphAdminPort, metrics: config.graphMetricsPort },
          portVariables: { http: 'SUBGRAPH_PORT', indexNode: 'INDEX_NODE_PORT', admin: 'GRAPH_ADMIN_PORT', metrics: 'GRAPH_METRICS_PORT' },
          logFile: path.join(stateDir, 'graph-node', 'graph-node.log'),
          postgresAdminUrl: adminUrl,
          postgresPartName: running.postgres?.name,
          // The index is kept with the chain it indexes (the data folder is bound to one chain), per
          // deployment on a chain the stack did not start, so a redeployment never meets a stale one.
          // On a shared server (GRAPH_NODE_POSTGRES_URL: the tests') each data folder has its own.
          database: config.graphNodePostgresUrl
            ? `stack_${createHash('sha256').update(config.dataDir).digest('hex').slice(0, 16)}`
            : chain.embedded
              ? 'graph_node'
              : `graph_node_${(await indexFolderName(config.network, chain, deployment)).replace(/[^a-z0-9]/gi, '_').toLowerCase()}`,
          freshDatabase: chain.embedded && !folder.kept,
          stallMs: config.graphNodeStallSeconds * 1000,
          onWarning: (line) => progress.info(`    ${line}`),
          log: (line) => progress.info(line),
        });
        const supervised = await parts.run(part);
        const first = supervised.current();
        detail(`queries ${first.queryUrl}`);
        detail(`status  ${first.indexNodeUrl} (pid ${first.pid}, log ${first.logFile}; restarted if it dies or stalls)`);
        if (chain.embedded && folder.kept) {
          const rebuilt = await part.rebuildIfAheadOfChain(supervised);
          if (rebuilt) detail(`WARNING: ${rebuilt}; the index was dropped and is being built again from the chain`);
        }
        const head = await currentBlock(chain.url);
        await supervised.current().waitForBlock(head, 180_000);
        detail(`indexed up to block ${head}`);
        return supervised;
      });
      running.graphNode = node;
      subgraphUrl = node.current().queryUrl;
    } else {
      await step(`Subgraph at ${subgraphUrl}`, async (detail) => detail('graph-node given by SUBGRAPH_URL'));
    }
    const subgraphStatusUrl = running.graphNode?.current().indexNodeUrl;

    const mongodbUri = await step(config.mongodbUri ? 'Database (MONGODB_URI)' : 'Database: embedded FerretDB on PostgreSQL', async (detail) => {
      if (config.mongodbUri) return config.mongodbUri;
      const settings = {
        // The documents live on graph-node's PostgreSQL (a database and role of their own), or on one
        // started for them when graph-node runs elsewhere (SUBGRAPH_URL).
        postgresAdminUrl: await postgresAdminUrl('the documents'),
        // On a shared server (GRAPH_NODE_POSTGRES_URL: the tests') each data folder has its own.
        database: config.graphNodePostgresUrl ? `docs_${createHash('sha256').update(config.dataDir).digest('hex').slice(0, 16)}` : 'ferretdb',
        folder: path.join(stateDir, 'ferretdb'),
      };
      // A folder without a chain keeps no documents either (see above).
      running.documents = await parts.run(documentsPart({ ...settings, fresh: !folder.kept && !config.rpcUrl, buildLog: detail }));
      const mongo = running.documents.current();
      detail(`${mongo.uri} (pid ${mongo.pid}; documents in PostgreSQL database ${settings.database}, its role's password in ${path.relative(process.cwd(), settings.folder)}; restarted if it dies)`);
      return mongo.clientUri('health-records');
    });

    const graphqlUrl = `${apiOrigin}/graphql`;
    await step('API (node dist/api/src/main.js)', async (detail) => {
      const built = await buildApiIfChanged({ stampDir, log: detail, reuse: reuseBuilds });
      if (!built) detail(reuseBuilds ? 'using the existing build in dist/' : 'dist/ unchanged since the last build');
      const env = apiEnvironmentFor({ config, chain, subgraphUrl: subgraphUrl!, subgraphStatusUrl, mongodbUri, webOrigin });
      // Checked here too, so a bad setting fails the start with the API's own message at once.
      loadServerConfig(env);
      running.api = await parts.run(apiPart({ env, host: config.host, port: apiPort, log: (line) => progress.info(line) }));
      const first = running.api.current();
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
        subgraphUrl: subgraphUrl!,
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
      parts.onStop('the web server', server.close);
      detail(server.url);
    });

    if (config.demo && chain.embedded && folder.kept) {
      progress.info(`    (demo data: kept from the previous run in ${folder.dir}; \`npm start -- --fresh\` seeds it anew)`);
    } else if (config.demo && chain.embedded) {
      await step('Demo data', async (detail) => {
        const { blockNumber } = await seedDemo({ rpcUrl: chain.url, chainId: chain.chainId, deployment, apiOrigin, log: detail });
        if (running.graphNode) await running.graphNode.current().waitForBlock(blockNumber);
        else await waitUntilIndexed(subgraphUrl!, blockNumber);
        detail(`indexed through block ${blockNumber}`);
      });
    } else if (config.demo) {
      progress.info('    (demo data is seeded only on the embedded chain, whose test accounts are funded)');
    }

    const { graphNode, documents, api } = running;
    return {
      chainId: chain.chainId,
      deployment,
      urls: {
        rpc: chain.url,
        subgraph: subgraphUrl!,
        subgraphStatus: subgraphStatusUrl,
        graphNodeLog: graphNode?.current().logFile,
        graphql: graphqlUrl,
        web: webOrigin,
        mongodb: redacted(mongodbUri),
      },
      kept: folder.kept,
      embedded: { chain: chain.embedded, subgraph: !config.subgraphUrl, mongodb: !config.mongodbUri },
      get pids() {
        return parts.parts().map((part) => part.pid);
      },
      get parts() {
        return parts.parts();
      },
      get graphNodePid() {
        return graphNode?.current().pid;
      },
      get databasePid() {
        return documents?.current().pid;
      },
      get apiPid() {
        return api!.current().pid;
      },
      get apiStartupMs() {
        return api!.current().startupMs;
      },
      stop: () => parts.stop(),
    };
  } catch (error) {
    await parts.stop();
    throw error;
  }
}
