/**
 * One graph-node (`gnd dev` from npm) serving the subgraph build on 127.0.0.1: the IPFS probe
 * answered, graph-node kept on loopback, its log in a file, the deployment also named `subgraphName`,
 * and a wait for a block to be indexed. The PostgreSQL database is the caller's (postgres.ts).
 */
import { readFileSync } from 'node:fs';
import { Client } from 'pg';
import { parse } from 'yaml';
import { assertPortFree, freePort } from '../process/free-port';
import { explainGndFailure, spawnGnd, type GndProcess, type GraphNodePorts } from './gnd-process';
import { indexingStatus, latestIndexedBlock, nameDeployment, type IndexingStatus } from './index-node';
import { startIpfsProbe } from './ipfs-probe';
import { loopbackGuard } from './loopback-shim';
import { pollUntil } from '../process/poll';
import { currentBlock } from '../chain/chain-status';

/** The name `gnd dev` gives the first (here: the only) manifest it deploys. */
const GND_DEV_NAME = 'subgraph-0';
const HOST = '127.0.0.1';

export interface GraphNodeOptions {
  /** The built manifest (subgraph/build/subgraph.yaml, or a copy pointed at another deployment). */
  manifest: string;
  rpcUrl: string;
  /** A PostgreSQL database of this graph-node's own (createDatabase in postgres.ts). */
  postgresUrl: string;
  /** The name the subgraph answers under, besides `subgraph-0`. */
  subgraphName: string;
  /** Fixed ports; a missing or 0 port is picked free. */
  ports?: Partial<GraphNodePorts>;
  /** The settings that chose the ports, for messages (e.g. { http: 'SUBGRAPH_PORT' }). */
  portVariables?: Partial<Record<keyof GraphNodePorts, string>>;
  logFile: string;
  /** Extra graph-node environment (tuning; see DEV_CHAIN_ENV). */
  env?: Record<string, string>;
  /** Told when graph-node cannot be kept off the network. */
  onWarning?: (message: string) => void;
  /** Told, with the reason and its last log lines, when graph-node exits without being stopped. */
  onCrash?: (message: string) => void;
  startTimeoutMs?: number;
}

export interface GraphNode {
  /** The subgraph's GraphQL endpoint, /subgraphs/name/<subgraphName>. */
  queryUrl: string;
  /** The index-node status API (indexingStatuses, indexingStatusForCurrentVersion). */
  indexNodeUrl: string;
  adminUrl: string;
  metricsUrl: string;
  logFile: string;
  pid: number;
  /** The ports it listens on (a restart takes the same). */
  ports: GraphNodePorts;
  /** Resolves when graph-node exits, stopped or not, with how it ended and why, from its log. */
  exited: Promise<string>;
  /** The deployment id graph-node gave the build. */
  deployment: string;
  /** False where graph-node's ports could not be kept on loopback (see the warning). */
  loopbackOnly: boolean;
  status(): Promise<IndexingStatus | null>;
  /** Waits until graph-node has indexed `block`; throws on an indexing error, a crash or the timeout. */
  waitForBlock(block: number, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

/** The network the build's data sources index (all of them must share one). */
export function manifestNetwork(manifest: string): string {
  let text: string;
  try {
    text = readFileSync(manifest, 'utf8');
  } catch {
    throw new Error(`No subgraph build at ${manifest}: run \`npm run build:subgraph\` first.`);
  }
  const networks = new Set(((parse(text) as { dataSources?: { network?: string }[] }).dataSources ?? []).map((source) => source.network));
  const [network] = [...networks];
  if (networks.size !== 1 || !network) throw new Error(`The subgraph build ${manifest} must index exactly one network; it names ${[...networks].join(', ') || 'none'}.`);
  return network;
}

async function assertRpcAnswers(rpcUrl: string): Promise<void> {
  try {
    await currentBlock(rpcUrl);
  } catch (error) {
    throw new Error(`graph-node needs the chain's JSON-RPC at ${rpcUrl}, which does not answer (${(error as Error).message}): start the chain or fix RPC_URL.`);
  }
}

async function choosePorts(given: Partial<GraphNodePorts>, variables: Partial<Record<keyof GraphNodePorts, string>>): Promise<GraphNodePorts> {
  const pick = async (key: keyof GraphNodePorts) => {
    const port = given[key];
    if (!port) return freePort(HOST);
    await assertPortFree(HOST, port, variables[key] ?? `graph-node's ${key} port`);
    return port;
  };
  return { http: await pick('http'), indexNode: await pick('indexNode'), admin: await pick('admin'), metrics: await pick('metrics') };
}

/**
 * Clears graph-node's deployment assignments in its database (kept from an earlier run), so that the
 * next `gnd dev` runs the subgraph once. At start graph-node runs every deployment assigned to it,
 * while gnd dev at once unassigns and redeploys the same build: two runners of one deployment then
 * overlap, the second starting from a block the first is still writing past, and the second's
 * writer fails for good ("writing Poi$ entities at block N failed: range lower bound must be less
 * than or equal to range upper bound"; measured with gnd 0.45 after a SIGKILL, roughly every other
 * restart), so the index stops at the block of the restart. Unassigned, the deployment keeps its
 * data and block pointer (the launcher's name for it keeps it in use) and gnd dev's redeploy assigns
 * and resumes it. A database graph-node has not set up yet has nothing to clear.
 */
async function clearAssignments(postgresUrl: string): Promise<void> {
  const client = new Client({ connectionString: postgresUrl });
  await client.connect();
  try {
    const table = await client.query("SELECT to_regclass('subgraphs.subgraph_deployment_assignment') AS name");
    if (table.rows[0]?.name) await client.query('DELETE FROM subgraphs.subgraph_deployment_assignment');
  } finally {
    await client.end();
  }
}

export async function startGraphNode(options: GraphNodeOptions): Promise<GraphNode> {
  const network = manifestNetwork(options.manifest);
  await assertRpcAnswers(options.rpcUrl);
  await clearAssignments(options.postgresUrl);
  const ports = await choosePorts(options.ports ?? {}, options.portVariables ?? {});
  const guard = await loopbackGuard();
  if ('warning' in guard) {
    options.onWarning?.(`WARNING: graph-node listens on ALL network interfaces (ports ${Object.values(ports).join(', ')}, its admin JSON-RPC included): ${guard.warning}. Firewall these ports.`);
  }
  const ipfs = await startIpfsProbe();
  let gnd: GndProcess;
  try {
    gnd = spawnGnd({
      manifest: options.manifest,
      network,
      rpcUrl: options.rpcUrl,
      postgresUrl: options.postgresUrl,
      ipfs: ipfs.address,
      ports,
      logFile: options.logFile,
      preload: 'preload' in guard ? guard.preload : undefined,
      env: options.env,
    });
  } catch (error) {
    await ipfs.close();
    throw error;
  }

  const indexNodeUrl = `http://${HOST}:${ports.indexNode}/graphql`;
  const adminUrl = `http://${HOST}:${ports.admin}`;
  let stopping = false;
  const explain = () => explainGndFailure(options.logFile, ports, options.portVariables);
  const stop = async () => {
    stopping = true;
    await gnd.stop();
    await ipfs.close();
  };
  void gnd.exited.then(() => {
    if (!stopping) options.onCrash?.(`graph-node (pid ${gnd.pid}) exited (${gnd.child.signalCode ?? `code ${gnd.child.exitCode}`}): ${explain()}`);
  });
  const running = () => gnd.child.exitCode === null && gnd.child.signalCode === null;

  try {
    // gnd dev deploys the build as `subgraph-0` once its store and servers are up.
    const timeoutMs = options.startTimeoutMs ?? 120_000;
    const deployed = await pollUntil(
      async () => {
        if (!running()) throw new Error(`graph-node exited at start: ${explain()}`);
        return (await indexingStatus(indexNodeUrl, GND_DEV_NAME).catch(() => null)) ?? undefined;
      },
      { timeoutMs, everyMs: 200, timedOut: () => new Error(`graph-node did not deploy the subgraph within ${timeoutMs / 1000} s: ${explain()}`) },
    );
    if (options.subgraphName !== GND_DEV_NAME) await nameDeployment(adminUrl, options.subgraphName, deployed.subgraph);
    const deployment = deployed.subgraph;

    const status = () => indexingStatus(indexNodeUrl, options.subgraphName);
    const waitForBlock = async (block: number, waitMs = 120_000) => {
      let current: IndexingStatus | null = null;
      await pollUntil(
        async () => {
          if (!running()) throw new Error(`graph-node exited while indexing: ${explain()}`);
          current = await status().catch(() => null);
          if (current?.fatalError) {
            throw new Error(`graph-node stopped indexing the subgraph at block ${current.fatalError.block?.number ?? '?'}: ${current.fatalError.message} (log: ${options.logFile})`);
          }
          return current !== null && latestIndexedBlock(current) >= block;
        },
        { timeoutMs: waitMs, timedOut: () => new Error(`graph-node did not index block ${block} within ${waitMs / 1000} s (at ${current ? latestIndexedBlock(current) : 'none'}): ${explain()}`) },
      );
    };

    return {
      queryUrl: `http://${HOST}:${ports.http}/subgraphs/name/${options.subgraphName}`,
      indexNodeUrl,
      adminUrl,
      metricsUrl: `http://${HOST}:${ports.metrics}/metrics`,
      logFile: options.logFile,
      pid: gnd.pid,
      ports,
      exited: gnd.exited.then(() => `${gnd.child.signalCode ?? `code ${gnd.child.exitCode}`}: ${explain()}`),
      deployment,
      loopbackOnly: 'preload' in guard,
      status,
      waitForBlock,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
