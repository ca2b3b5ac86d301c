import path from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
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

/** A variable's value: trimmed, and unset when empty. */
const setting = z.preprocess((raw) => (typeof raw === 'string' && raw.trim() !== '' ? raw.trim() : undefined), z.string().optional());

/** A whole-number setting from `min` to `max`; `expected` says what it must be, in the error. */
function wholeNumber(name: string, fallback: number, min: number, max: number, expected: string) {
  return setting.transform((raw, context) => {
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (Number.isInteger(value) && value >= min && value <= max) return value;
    context.addIssue({ code: 'custom', message: `${name}=${JSON.stringify(raw)} is not ${expected}; unset it to use ${fallback}.` });
    return z.NEVER;
  });
}

const port = (name: string, fallback: number) => wholeNumber(name, fallback, 0, 65_535, 'a TCP port (0 to 65535)');

/** A URL setting with one of `schemes` (unset: the embedded default); `example` shows what is expected. */
function url(name: string, example: string, schemes: string[], wrongScheme?: string) {
  return setting.transform((raw, context) => {
    if (raw === undefined) return undefined;
    let parsed: URL;
    try {
      parsed = new URL(raw);
    } catch {
      context.addIssue({ code: 'custom', message: `${name}=${JSON.stringify(raw)} is not a URL; expected something like ${example}, or unset it to use the embedded default.` });
      return z.NEVER;
    }
    if (schemes.includes(parsed.protocol)) return raw;
    context.addIssue({ code: 'custom', message: wrongScheme ?? `${name} has an unsupported scheme ${parsed.protocol}; expected something like ${example}.` });
    return z.NEVER;
  });
}

const HTTP = ['http:', 'https:'];

/** The launcher's environment variables, each parsed and checked once. */
const environment = z.object({
  RPC_URL: url('RPC_URL', 'http://127.0.0.1:8545', HTTP),
  CHAIN_PORT: port('CHAIN_PORT', 8545),
  GRAPH_NETWORK: setting.transform((raw) => raw ?? 'localhost'),
  DEPLOYER_PRIVATE_KEY: setting.refine((raw) => raw === undefined || /^0x[0-9a-fA-F]{64}$/.test(raw), 'DEPLOYER_PRIVATE_KEY must be 0x followed by 64 hex digits.'),
  SUBGRAPH_URL: url('SUBGRAPH_URL', 'http://127.0.0.1:8000/subgraphs/name/health-records', HTTP),
  SUBGRAPH_PORT: port('SUBGRAPH_PORT', 8000),
  INDEX_NODE_PORT: port('INDEX_NODE_PORT', 8030),
  GRAPH_ADMIN_PORT: port('GRAPH_ADMIN_PORT', 8020),
  GRAPH_METRICS_PORT: port('GRAPH_METRICS_PORT', 8040),
  POSTGRES_PORT: port('POSTGRES_PORT', 0),
  GRAPH_NODE_POSTGRES_URL: url('GRAPH_NODE_POSTGRES_URL', 'postgresql://graph:PASSWORD@127.0.0.1:5432/postgres', ['postgresql:', 'postgres:'], 'GRAPH_NODE_POSTGRES_URL must start with postgresql://.'),
  SUBGRAPH_NAME: setting.transform((raw) => raw ?? 'health-records'),
  MONGODB_URI: url('MONGODB_URI', 'mongodb://127.0.0.1:27017/health-records', ['mongodb:', 'mongodb+srv:'], 'MONGODB_URI must start with mongodb:// or mongodb+srv://.'),
  API_PORT: port('API_PORT', 4000),
  WEB_PORT: port('WEB_PORT', 3000),
  HOST: setting.transform((raw) => raw ?? '127.0.0.1'),
  PUBLIC_URL: url('PUBLIC_URL', 'http://192.168.1.20:3000', HTTP),
  DATA_DIR: setting.transform((raw) => path.resolve(REPO_ROOT, raw ?? '.data')),
  DEMO: setting.transform((raw) => raw?.toLowerCase() !== 'false' && raw !== '0'),
  GRAPH_NODE_STALL_SECONDS: wholeNumber('GRAPH_NODE_STALL_SECONDS', 60, 5, Number.MAX_SAFE_INTEGER, 'a whole number of seconds of at least 5'),
});

/** `npm start -- <flags>`. */
const FLAGS = { 'no-demo': { type: 'boolean' }, demo: { type: 'boolean' }, fresh: { type: 'boolean' } } as const;

/** Reads the stack's settings from the environment and the command line; throws naming what is wrong. */
export function loadStackConfig(env: NodeJS.ProcessEnv = process.env, argv: readonly string[] = []): StackConfig {
  let flags: { 'no-demo'?: boolean; demo?: boolean; fresh?: boolean };
  try {
    flags = parseArgs({ args: [...argv], options: FLAGS, strict: true, allowPositionals: false }).values;
  } catch {
    const unknown = argv.filter((arg) => !Object.keys(FLAGS).some((flag) => arg === `--${flag}`));
    throw new Error(
      `Unknown option ${unknown.join(' ')}. \`npm start\` accepts \`-- --no-demo\` (skip the demo data) and \`-- --fresh\` (delete the kept chain, index and database first).`,
    );
  }
  const parsed = environment.safeParse(env);
  // Every problem at once, one a line, so one edit fixes them all.
  if (!parsed.success) throw new Error(parsed.error.issues.map((issue) => issue.message).join('\n'));
  const settings = parsed.data;
  return {
    rpcUrl: settings.RPC_URL,
    chainPort: settings.CHAIN_PORT,
    network: settings.GRAPH_NETWORK,
    deployerKey: settings.DEPLOYER_PRIVATE_KEY,
    subgraphUrl: settings.SUBGRAPH_URL,
    subgraphPort: settings.SUBGRAPH_PORT,
    indexNodePort: settings.INDEX_NODE_PORT,
    graphAdminPort: settings.GRAPH_ADMIN_PORT,
    graphMetricsPort: settings.GRAPH_METRICS_PORT,
    postgresPort: settings.POSTGRES_PORT,
    graphNodePostgresUrl: settings.GRAPH_NODE_POSTGRES_URL,
    subgraphName: settings.SUBGRAPH_NAME,
    mongodbUri: settings.MONGODB_URI,
    apiPort: settings.API_PORT,
    webPort: settings.WEB_PORT,
    host: settings.HOST,
    publicUrl: settings.PUBLIC_URL,
    dataDir: settings.DATA_DIR,
    demo: !flags['no-demo'] && settings.DEMO,
    fresh: flags.fresh === true,
    graphNodeStallSeconds: settings.GRAPH_NODE_STALL_SECONDS,
  };
}
