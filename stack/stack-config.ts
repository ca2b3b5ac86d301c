import path from 'node:path';
import { REPO_ROOT } from '../api/src/config';

/**
 * What `npm start` runs, read from the environment. Every component has an embedded default; setting
 * its URL points the stack at an existing one instead (a real chain, graph-node, MongoDB).
 */
export interface StackConfig {
  /** An existing EVM JSON-RPC endpoint (`RPC_URL`); unset: an anvil child on `chainPort`, its state kept in the data folder. */
  rpcUrl?: string;
  /** Port of the embedded anvil chain (`CHAIN_PORT`, default 8545; 0 picks a free port). */
  chainPort: number;
  /** Network name of the deployment file and the subgraph build (`GRAPH_NETWORK`, default `localhost`). */
  network: string;
  /** Deployer key when the contracts must be deployed to `rpcUrl` (`DEPLOYER_PRIVATE_KEY`). */
  deployerKey?: string;
  /** The subgraph's query URL on a graph-node you run (`SUBGRAPH_URL`); unset: the embedded graph-node. */
  subgraphUrl?: string;
  /** Port of the embedded graph-node's GraphQL queries (`SUBGRAPH_PORT`, default 8000). */
  subgraphPort: number;
  /** Port of the embedded graph-node's index-node status API (`INDEX_NODE_PORT`, default 8030). */
  indexNodePort: number;
  /** Port of the embedded graph-node's admin JSON-RPC (`GRAPH_ADMIN_PORT`, default 8020). */
  graphAdminPort: number;
  /** Port of the embedded graph-node's Prometheus metrics (`GRAPH_METRICS_PORT`, default 8040). */
  graphMetricsPort: number;
  /** Port of the embedded PostgreSQL of graph-node (`POSTGRES_PORT`, default 0: a free port). */
  postgresPort: number;
  /**
   * A running PostgreSQL server's admin URL on which graph-node's database is created
   * (`GRAPH_NODE_POSTGRES_URL`); unset: the embedded PostgreSQL in the data folder.
   */
  graphNodePostgresUrl?: string;
  /** Name the subgraph is served under (`SUBGRAPH_NAME`, default `health-records`). */
  subgraphName: string;
  /** A MongoDB connection string (`MONGODB_URI`); unset: the embedded FerretDB. */
  mongodbUri?: string;
  /** Port of the API (`API_PORT`, default 4000). */
  apiPort: number;
  /** Port of the web client's static file server (`WEB_PORT`, default 3000). */
  webPort: number;
  /** Host every server binds to (`HOST`, default 127.0.0.1). */
  host: string;
  /**
   * The web client's origin as browsers reach it (`PUBLIC_URL`), when it is not http://HOST:WEB_PORT
   * (a LAN address, a reverse proxy). Sign-in messages are bound to it.
   */
  publicUrl?: string;
  /** Folder of the stack's state: database files, logs (`DATA_DIR`, default `.data/`). */
  dataDir: string;
  /** Seed the demo data into an empty data folder (`--no-demo` or `DEMO=false` turns it off). */
  demo: boolean;
  /** Delete the stack's state in the data folder first (`--fresh`): chain, index, database. */
  fresh: boolean;
  /**
   * Seconds the embedded graph-node may go without indexing a block while the chain is ahead (or
   * without answering its status API) before it is restarted (`GRAPH_NODE_STALL_SECONDS`, default 60).
   */
  graphNodeStallSeconds: number;
}

/** A whole-number setting from `min` to `max`; `expected` says what it must be, in the error. */
function wholeNumber(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number, expected: string): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${name}=${JSON.stringify(raw)} is not ${expected}; unset it to use ${fallback}.`);
  }
  return value;
}

const port = (env: NodeJS.ProcessEnv, name: string, fallback: number) => wholeNumber(env, name, fallback, 0, 65_535, 'a TCP port (0 to 65535)');

function url(env: NodeJS.ProcessEnv, name: string, example: string): string | undefined {
  const raw = env[name]?.trim();
  if (!raw) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new Error(`${name}=${JSON.stringify(raw)} is not a URL; expected something like ${example}, or unset it to use the embedded default.`);
  }
  if (!['http:', 'https:', 'mongodb:', 'mongodb+srv:', 'postgresql:', 'postgres:'].includes(parsed.protocol)) {
    throw new Error(`${name} has an unsupported scheme ${parsed.protocol}; expected something like ${example}.`);
  }
  return raw;
}

/** Reads the stack's settings from the environment and the command line; throws naming what is wrong. */
export function loadStackConfig(env: NodeJS.ProcessEnv = process.env, argv: readonly string[] = []): StackConfig {
  const unknown = argv.filter((arg) => !['--no-demo', '--demo', '--fresh'].includes(arg));
  if (unknown.length > 0) {
    throw new Error(
      `Unknown option ${unknown.join(' ')}. \`npm start\` accepts \`-- --no-demo\` (skip the demo data) and \`-- --fresh\` (delete the kept chain, index and database first).`,
    );
  }
  const deployerKey = env.DEPLOYER_PRIVATE_KEY?.trim() || undefined;
  if (deployerKey && !/^0x[0-9a-fA-F]{64}$/.test(deployerKey)) {
    throw new Error('DEPLOYER_PRIVATE_KEY must be 0x followed by 64 hex digits.');
  }
  const mongodbUri = url(env, 'MONGODB_URI', 'mongodb://127.0.0.1:27017/health-records');
  if (mongodbUri && !mongodbUri.startsWith('mongodb')) {
    throw new Error('MONGODB_URI must start with mongodb:// or mongodb+srv://.');
  }
  const postgresUrl = url(env, 'GRAPH_NODE_POSTGRES_URL', 'postgresql://graph:PASSWORD@127.0.0.1:5432/postgres');
  if (postgresUrl && !/^postgres(ql)?:/.test(postgresUrl)) {
    throw new Error('GRAPH_NODE_POSTGRES_URL must start with postgresql://.');
  }
  const demoEnv = env.DEMO?.trim().toLowerCase();
  return {
    rpcUrl: url(env, 'RPC_URL', 'http://127.0.0.1:8545'),
    chainPort: port(env, 'CHAIN_PORT', 8545),
    network: env.GRAPH_NETWORK?.trim() || 'localhost',
    deployerKey,
    subgraphUrl: url(env, 'SUBGRAPH_URL', 'http://127.0.0.1:8000/subgraphs/name/health-records'),
    subgraphPort: port(env, 'SUBGRAPH_PORT', 8000),
    indexNodePort: port(env, 'INDEX_NODE_PORT', 8030),
    graphAdminPort: port(env, 'GRAPH_ADMIN_PORT', 8020),
    graphMetricsPort: port(env, 'GRAPH_METRICS_PORT', 8040),
    postgresPort: port(env, 'POSTGRES_PORT', 0),
    graphNodePostgresUrl: postgresUrl,
    subgraphName: env.SUBGRAPH_NAME?.trim() || 'health-records',
    mongodbUri,
    apiPort: port(env, 'API_PORT', 4000),
    webPort: port(env, 'WEB_PORT', 3000),
    host: env.HOST?.trim() || '127.0.0.1',
    publicUrl: url(env, 'PUBLIC_URL', 'http://192.168.1.20:3000'),
    dataDir: path.resolve(REPO_ROOT, env.DATA_DIR?.trim() || '.data'),
    demo: !argv.includes('--no-demo') && demoEnv !== 'false' && demoEnv !== '0',
    fresh: argv.includes('--fresh'),
    graphNodeStallSeconds: wholeNumber(env, 'GRAPH_NODE_STALL_SECONDS', 60, 5, Number.MAX_SAFE_INTEGER, 'a whole number of seconds of at least 5'),
  };
}
