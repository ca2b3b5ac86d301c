/**
 * The API process's configuration, in one module: every environment variable it reads (the data layer's
 * and the server's) and its command-line flag, each parsed and checked once by a zod schema. A bad
 * setting is named with its variable and what to put there, and every problem is reported at once.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import type { Deployment } from '../../contracts/deployment/deployment';
/** The repository root (one definition, beside the deployment files it locates). */
import { REPO_ROOT } from '../../contracts/deployment/repo-root';

export { REPO_ROOT };

/** The database timeouts when DATABASE_TIMEOUT_MS and DATABASE_SOCKET_TIMEOUT_MS are unset. */
export const DEFAULT_DATABASE_TIMEOUTS = { timeoutMs: 3_000, socketTimeoutMs: 10_000 };

/** Settings of the off-chain data layer, read from the environment. */
export interface DataConfig {
  /**
   * The MongoDB connection string (`MONGODB_URI`). The API needs it and starts no database of its own:
   * `npm start` and the tests start an embedded FerretDB and pass its address here.
   */
  mongodbUri?: string;
  /** Folder for the generated master key (`DATA_DIR`, default `.data/`). */
  dataDir: string;
  /** The master key that wraps record data keys: 32 bytes as hex or base64 (`MASTER_KEY`). */
  masterKey?: string;
  /** How often expired SIWE nonces and sessions are deleted, in milliseconds (`EXPIRY_SWEEP_MS`). */
  expirySweepMs: number;
  /** Most entries in one audit batch (`AUDIT_BATCH_SIZE`, default 1024). */
  auditBatchSize: number;
  /** How long a database command waits for a server or a connection before it fails (`DATABASE_TIMEOUT_MS`, default 3000). */
  databaseTimeoutMs?: number;
  /** How long a database command waits for an answer on an open connection (`DATABASE_SOCKET_TIMEOUT_MS`, default 10000). */
  databaseSocketTimeoutMs?: number;
}

/**
 * Settings of the GraphQL API server, read from the environment and checked before anything starts.
 * Every problem is reported at once, each naming its variable and what to put there.
 */
export interface ServerConfig {
  /** EVM JSON-RPC endpoint used for authorization views, relaying and auditing (`RPC_URL`). */
  rpcUrl: string;
  /** GraphQL endpoint of the subgraph: graph-node's query URL for the subgraph (`SUBGRAPH_URL`). */
  subgraphUrl: string;
  /**
   * graph-node's index-node status API (`SUBGRAPH_STATUS_URL`, e.g. http://127.0.0.1:8030/graphql;
   * optional): readiness then also reports the deployment's health, sync state and fatal error.
   */
  subgraphStatusUrl?: string;
  /** How long one subgraph request may take before it fails as SERVICE_UNAVAILABLE (`SUBGRAPH_TIMEOUT_MS`, default 5000). */
  subgraphTimeoutMs: number;
  /** How long one JSON-RPC request may take before it fails (`CHAIN_TIMEOUT_MS`, default 5000). */
  chainTimeoutMs: number;
  /** Blocks graph-node may be behind the chain before readiness says `degraded` (`READINESS_LAG_BLOCKS`, default 50; still ready). */
  readinessLagBlocks: number;
  /** Contract addresses and chain id (`DEPLOYMENTS_FILE`, default deployments/localhost.json). */
  deployment: Deployment;
  /** The file the deployment was read from. */
  deploymentsFile: string;
  /** Secret that signs session cookies and derives researchers' pseudonyms (`SESSION_SECRET`, ≥ 32 chars). */
  sessionSecret: string;
  /** Key that anchors audit batches (`AUDITOR_PRIVATE_KEY`). */
  auditorPrivateKey: string;
  /** Key that sends patients' signed consents (`RELAYER_PRIVATE_KEY`). */
  relayerPrivateKey: string;
  /**
   * The server's own origin as browsers see it (`PUBLIC_URL`, e.g. https://api.example.org). SIWE
   * messages must name its host as `domain` and an URI on this origin.
   */
  publicOrigin: string;
  /** Origins allowed to call the API from a browser with credentials (`ALLOWED_ORIGINS`, comma-separated). */
  allowedOrigins: string[];
  /** Smallest group a researcher may see in an aggregate (`K_ANONYMITY`, default 5). */
  kAnonymity: number;
  /** Lifetime of a SIWE nonce in seconds (`SIWE_NONCE_TTL_SECONDS`, default 300). */
  nonceTtlSeconds: number;
  /** Lifetime of a session in seconds (`SESSION_TTL_SECONDS`, default 8 hours). */
  sessionTtlSeconds: number;
  /** How long a looked-up session is trusted before asking MongoDB again (`SESSION_CACHE_MS`, default 2000; 0: never). */
  sessionCacheMs: number;
  /** How long public directory profiles (providers, researchers) are reused between requests (`DIRECTORY_CACHE_MS`, default 2000; 0: never). */
  directoryCacheMs: number;
  /** `NODE_ENV=production`: shield debug off, secure cookies, no stack traces. */
  production: boolean;
  /** Sign-in attempts per client IP per minute (`AUTH_RATE_LIMIT`, default 30). */
  authRateLimitPerMinute: number;
  /** GraphQL mutations per session per minute (`MUTATION_RATE_LIMIT`, default 60). */
  mutationRateLimitPerMinute: number;
  /**
   * Where mutations are counted (`MUTATION_RATE_LIMIT_STORE`): `memory` (default) counts per API instance;
   * `mongodb` counts in the API's database, so every instance behind a load balancer shares one count.
   */
  mutationRateLimitStore: 'memory' | 'mongodb';
  /** How often audit entries are sealed into batches and anchored with the auditor key (`AUDIT_ANCHOR_INTERVAL_MS`; 0: never). */
  auditAnchorIntervalMs: number;
  /** Bounds and pace of GraphQL subscriptions, where the environment sets them (`LIVE_*`; see LIVE_SETTINGS). */
  live: LiveSettings;
  /** The data layer's settings (MongoDB, master key, data folder). */
  data: DataConfig;
}

/** What the API process (`node dist/api/src/main.js`) runs with: where it listens, its flag, the server's settings. */
export interface ApiProcessConfig {
  /** Port the API listens on (`API_PORT`, default 4000; 0 picks a free port). */
  port: number;
  /** Host it binds to (`HOST`, default 127.0.0.1). */
  host: string;
  /** `--exit-with-stdin`: also stop when standard input closes (the launcher holds that pipe). */
  exitWithStdin: boolean;
  server: ServerConfig;
}

/**
 * The environment variables that bound and pace subscriptions, each with the setting of createServer's
 * `live` option it sets and its smallest value. An unset variable leaves the default (api/src/live).
 */
export const LIVE_SETTINGS = {
  LIVE_POLL_MS: { key: 'pollMs', min: 10 },
  LIVE_SUBSCRIPTIONS_PER_ACCOUNT: { key: 'perAccount', min: 1 },
  LIVE_SUBSCRIPTIONS_PER_INSTANCE: { key: 'perInstance', min: 1 },
  LIVE_SOCKETS_PER_ACCOUNT: { key: 'socketsPerAccount', min: 1 },
  LIVE_SOCKETS_PER_INSTANCE: { key: 'socketsPerInstance', min: 1 },
  LIVE_QUEUE_EVENTS: { key: 'queue', min: 1 },
  LIVE_RESUME_BLOCKS: { key: 'resumeBlocks', min: 0 },
  LIVE_KEPT_BLOCKS: { key: 'keptBlocks', min: 1 },
  LIVE_INDEXED_TIMEOUT_MS: { key: 'indexedTimeoutMs', min: 1_000 },
  LIVE_KEEPALIVE_MS: { key: 'keepAliveMs', min: 1_000 },
  LIVE_SESSION_CHECK_MS: { key: 'sessionCheckMs', min: 1_000 },
} as const;
export type LiveSettings = Partial<Record<(typeof LIVE_SETTINGS)[keyof typeof LIVE_SETTINGS]['key'], number>>;

/** Raised when the environment cannot run the server; `problems` lists every variable at fault. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`The API cannot start; fix these settings:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

// ---- The variables' schemas. A bad value adds an issue naming its variable and returns a stand-in, so
// ---- the other variables are still checked and every problem is reported at once.

/** A variable's value: trimmed, and unset when empty. */
const setting = z.preprocess((raw) => (typeof raw === 'string' && raw.trim() !== '' ? raw.trim() : undefined), z.string().optional());

/** A variable's value exactly as set (SESSION_SECRET: its length counts as given). */
const verbatim = z.string().optional();

/**
 * A whole-number variable of at least `min`: unset gives `fallback`; a bad value adds the issue
 * `problem(raw)` and gives `fallback`, so the other variables are still checked.
 */
function wholeSetting<F extends number | undefined>(min: number, fallback: F, problem: (raw: string) => string) {
  return setting.transform((raw, context): number | F => {
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (Number.isSafeInteger(value) && value >= min) return value;
    context.addIssue({ code: 'custom', message: problem(raw) });
    return fallback;
  });
}

/** A data-layer number: a whole number above zero. */
const positiveInteger = (name: string, fallback: number) =>
  wholeSetting(1, fallback, (raw) => `${name}=${JSON.stringify(raw)} is not a positive whole number; unset it to use ${fallback}.`);

/** A server number: a whole number of at least `min`. */
const wholeNumber = (name: string, fallback: number, min: number) =>
  wholeSetting(min, fallback, (raw) => `${name}=${JSON.stringify(raw)} must be a whole number of at least ${min}; unset it to use ${fallback}.`);

/** A LIVE_* bound: unset leaves createServer's default. */
const liveNumber = (name: string, min: number) =>
  wholeSetting(min, undefined, (raw) => `${name}=${JSON.stringify(raw)} must be a whole number of at least ${min}; unset it to use the default (docs/api.md, "Live updates").`);

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

/** An http(s) URL; `required`: unset is a problem too. `example` shows what is expected. */
function httpUrl(name: string, example: string, required: boolean) {
  return setting.transform((raw, context) => {
    if (raw === undefined) {
      if (required) context.addIssue({ code: 'custom', message: `${name} is not set; set it to an http(s) URL such as ${example}.` });
      return undefined;
    }
    if (isHttpUrl(raw)) return raw;
    context.addIssue({ code: 'custom', message: `${name}=${JSON.stringify(raw)} is not an http(s) URL; use one such as ${example}.` });
    return undefined;
  });
}

const PRIVATE_KEY = /^(0x)?[0-9a-fA-F]{64}$/;

/** A 32-byte hex private key, 0x-prefixed in the result. */
function privateKey(name: string, role: string) {
  return setting.transform((raw, context) => {
    if (raw === undefined) {
      context.addIssue({ code: 'custom', message: `${name} is not set; set it to the 32-byte hex private key of the ${role}.` });
      return '';
    }
    if (!PRIVATE_KEY.test(raw)) {
      context.addIssue({ code: 'custom', message: `${name} is not a 32-byte hex private key (64 hex digits, optionally 0x-prefixed).` });
      return '';
    }
    return raw.startsWith('0x') ? raw : `0x${raw}`;
  });
}

const DEPLOYED_CONTRACTS = ['ProviderDirectory', 'ConsentManager', 'RecordRegistry', 'AuditAnchor'] as const;

/** DEPLOYMENTS_FILE: the file (resolved from the repository root) and the deployment it holds. */
const deploymentsFile = setting.transform((raw, context): { file: string; deployment?: Deployment } => {
  const file = path.resolve(REPO_ROOT, raw ?? 'deployments/localhost.json');
  let parsed: Deployment;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8')) as Deployment;
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'does not exist' : `cannot be read: ${(error as Error).message}`;
    context.addIssue({
      code: 'custom',
      message: `DEPLOYMENTS_FILE ${file} ${reason}; deploy with \`npm run deploy -- --network <name>\` or point DEPLOYMENTS_FILE at deployments/<network>.json.`,
    });
    return { file };
  }
  const missing = DEPLOYED_CONTRACTS.filter((name) => !/^0x[0-9a-fA-F]{40}$/.test(parsed.contracts?.[name]?.address ?? ''));
  if (missing.length > 0 || !Number.isSafeInteger(parsed.chainId)) {
    context.addIssue({ code: 'custom', message: `DEPLOYMENTS_FILE ${file} is not a deployment written by the deploy step (missing ${missing.join(', ') || 'chainId'}).` });
    return { file };
  }
  return { file, deployment: parsed };
});

/** ALLOWED_ORIGINS: comma-separated origins; each bad entry is a problem of its own. */
const allowedOrigins = z
  .string()
  .optional()
  .transform((raw, context) => {
    const origins: string[] = [];
    for (const entry of (raw ?? '').split(',').map((item) => item.trim()).filter(Boolean)) {
      try {
        const url = new URL(entry);
        if (url.origin !== entry.replace(/\/$/, '')) throw new Error('path');
        origins.push(url.origin);
      } catch {
        context.addIssue({
          code: 'custom',
          message: `ALLOWED_ORIGINS entry ${JSON.stringify(entry)} is not an origin such as https://app.example.org (scheme, host, port; no path).`,
        });
      }
    }
    return origins;
  });

const MUTATION_RATE_LIMIT_STORES = ['memory', 'mongodb'] as const;

const mutationRateLimitStore = setting.transform((raw, context): ServerConfig['mutationRateLimitStore'] => {
  const store = raw ?? 'memory';
  if ((MUTATION_RATE_LIMIT_STORES as readonly string[]).includes(store)) return store as ServerConfig['mutationRateLimitStore'];
  context.addIssue({
    code: 'custom',
    message: `MUTATION_RATE_LIMIT_STORE=${JSON.stringify(store)} must be memory (one count per API instance) or mongodb (one count shared by every instance).`,
  });
  return 'memory';
});

/** The data layer's variables. */
const dataVariables = {
  MONGODB_URI: setting.transform((raw, context) => {
    if (raw !== undefined && !/^mongodb(\+srv)?:\/\//.test(raw)) {
      context.addIssue({ code: 'custom', message: `MONGODB_URI must start with mongodb:// or mongodb+srv:// (got ${JSON.stringify(raw.slice(0, 20))}…).` });
    }
    return raw;
  }),
  DATA_DIR: setting.transform((raw) => path.resolve(REPO_ROOT, raw ?? '.data')),
  MASTER_KEY: setting,
  EXPIRY_SWEEP_MS: positiveInteger('EXPIRY_SWEEP_MS', 60_000),
  AUDIT_BATCH_SIZE: positiveInteger('AUDIT_BATCH_SIZE', 1024),
  DATABASE_TIMEOUT_MS: positiveInteger('DATABASE_TIMEOUT_MS', DEFAULT_DATABASE_TIMEOUTS.timeoutMs),
  DATABASE_SOCKET_TIMEOUT_MS: positiveInteger('DATABASE_SOCKET_TIMEOUT_MS', DEFAULT_DATABASE_TIMEOUTS.socketTimeoutMs),
};

const liveVariables = Object.fromEntries(Object.entries(LIVE_SETTINGS).map(([name, { min }]) => [name, liveNumber(name, min)])) as {
  [name in keyof typeof LIVE_SETTINGS]: ReturnType<typeof liveNumber>;
};

/** The server's variables (the data layer's first), in the order their problems are listed. */
const serverVariables = {
  ...dataVariables,
  RPC_URL: httpUrl('RPC_URL', 'http://127.0.0.1:8545', true),
  SUBGRAPH_URL: httpUrl('SUBGRAPH_URL', 'http://127.0.0.1:8000/subgraphs/name/health-records', true),
  SUBGRAPH_STATUS_URL: httpUrl('SUBGRAPH_STATUS_URL', 'http://127.0.0.1:8030/graphql', false),
  SUBGRAPH_TIMEOUT_MS: wholeNumber('SUBGRAPH_TIMEOUT_MS', 5_000, 100),
  CHAIN_TIMEOUT_MS: wholeNumber('CHAIN_TIMEOUT_MS', 5_000, 100),
  READINESS_LAG_BLOCKS: wholeNumber('READINESS_LAG_BLOCKS', 50, 0),
  DEPLOYMENTS_FILE: deploymentsFile,
  SESSION_SECRET: verbatim.transform((raw, context) => {
    const secret = raw ?? '';
    if (secret.length < 32) {
      context.addIssue({ code: 'custom', message: 'SESSION_SECRET must be at least 32 characters of random text (e.g. `openssl rand -hex 32`).' });
    }
    return secret;
  }),
  NODE_ENV: verbatim,
  AUDITOR_PRIVATE_KEY: privateKey('AUDITOR_PRIVATE_KEY', 'audit anchor auditor'),
  RELAYER_PRIVATE_KEY: privateKey('RELAYER_PRIVATE_KEY', 'consent relayer (any funded account)'),
  PUBLIC_URL: httpUrl('PUBLIC_URL', 'https://api.example.org', true),
  ALLOWED_ORIGINS: allowedOrigins,
  K_ANONYMITY: wholeNumber('K_ANONYMITY', 5, 2),
  SIWE_NONCE_TTL_SECONDS: wholeNumber('SIWE_NONCE_TTL_SECONDS', 300, 10),
  SESSION_TTL_SECONDS: wholeNumber('SESSION_TTL_SECONDS', 8 * 3600, 60),
  AUTH_RATE_LIMIT: wholeNumber('AUTH_RATE_LIMIT', 30, 1),
  MUTATION_RATE_LIMIT: wholeNumber('MUTATION_RATE_LIMIT', 60, 1),
  MUTATION_RATE_LIMIT_STORE: mutationRateLimitStore,
  DIRECTORY_CACHE_MS: wholeNumber('DIRECTORY_CACHE_MS', 2000, 0),
  SESSION_CACHE_MS: wholeNumber('SESSION_CACHE_MS', 2000, 0),
  AUDIT_ANCHOR_INTERVAL_MS: wholeNumber('AUDIT_ANCHOR_INTERVAL_MS', 60_000, 0),
  ...liveVariables,
};

const dataEnvironment = z.object(dataVariables);

const serverEnvironment = z.object(serverVariables).superRefine((settings, context) => {
  // Every variable's own check has run (a bad one leaves a stand-in value): this one needs two of them.
  if (settings.MASTER_KEY === undefined && settings.NODE_ENV === 'production') {
    context.addIssue({ code: 'custom', message: 'MASTER_KEY is not set; in production set it to the 32-byte record master key (hex or base64) from your key store.' });
  }
});

/** The API process's own variables, beside the server's. */
const processEnvironment = z.object({
  API_PORT: setting.transform((raw, context) => {
    if (raw === undefined) return 4000;
    const port = Number(raw);
    if (Number.isInteger(port) && port >= 0 && port <= 65_535) return port;
    context.addIssue({ code: 'custom', message: `API_PORT=${JSON.stringify(raw)} is not a TCP port (0 to 65535); unset it to use 4000.` });
    return 4000;
  }),
  HOST: setting.transform((raw) => raw ?? '127.0.0.1'),
});

/** `node dist/api/src/main.js <flags>`. */
const FLAGS = { 'exit-with-stdin': { type: 'boolean' } } as const;

/** The problems zod found, each naming its variable (a check of this module says it in words). */
function problemsOf(error: z.ZodError): string[] {
  return error.issues.map((issue) => (issue.code === 'custom' ? issue.message : `${issue.path.join('.')}: ${issue.message}`));
}

function dataConfigOf(settings: z.infer<typeof dataEnvironment>): DataConfig {
  return {
    mongodbUri: settings.MONGODB_URI,
    dataDir: settings.DATA_DIR,
    masterKey: settings.MASTER_KEY,
    expirySweepMs: settings.EXPIRY_SWEEP_MS,
    auditBatchSize: settings.AUDIT_BATCH_SIZE,
    databaseTimeoutMs: settings.DATABASE_TIMEOUT_MS,
    databaseSocketTimeoutMs: settings.DATABASE_SOCKET_TIMEOUT_MS,
  };
}

/** Reads the data layer's settings; throws a ConfigError naming every variable that is malformed. */
export function loadDataConfig(env: NodeJS.ProcessEnv = process.env): DataConfig {
  const parsed = dataEnvironment.safeParse(env);
  if (!parsed.success) throw new ConfigError(problemsOf(parsed.error));
  return dataConfigOf(parsed.data);
}

/** Parses the server's variables: its settings, or every problem found. */
function parseServerConfig(env: NodeJS.ProcessEnv): { config: ServerConfig } | { problems: string[] } {
  const parsed = serverEnvironment.safeParse(env);
  if (!parsed.success) return { problems: problemsOf(parsed.error) };
  const settings = parsed.data;
  const live: LiveSettings = {};
  for (const [name, { key }] of Object.entries(LIVE_SETTINGS)) {
    const value = settings[name as keyof typeof LIVE_SETTINGS];
    if (value !== undefined) live[key] = value;
  }
  return {
    config: {
      rpcUrl: settings.RPC_URL!,
      subgraphUrl: settings.SUBGRAPH_URL!,
      subgraphStatusUrl: settings.SUBGRAPH_STATUS_URL,
      subgraphTimeoutMs: settings.SUBGRAPH_TIMEOUT_MS,
      chainTimeoutMs: settings.CHAIN_TIMEOUT_MS,
      readinessLagBlocks: settings.READINESS_LAG_BLOCKS,
      deployment: settings.DEPLOYMENTS_FILE.deployment!,
      deploymentsFile: settings.DEPLOYMENTS_FILE.file,
      sessionSecret: settings.SESSION_SECRET,
      auditorPrivateKey: settings.AUDITOR_PRIVATE_KEY,
      relayerPrivateKey: settings.RELAYER_PRIVATE_KEY,
      publicOrigin: new URL(settings.PUBLIC_URL!).origin,
      allowedOrigins: settings.ALLOWED_ORIGINS,
      kAnonymity: settings.K_ANONYMITY,
      nonceTtlSeconds: settings.SIWE_NONCE_TTL_SECONDS,
      sessionTtlSeconds: settings.SESSION_TTL_SECONDS,
      sessionCacheMs: settings.SESSION_CACHE_MS,
      directoryCacheMs: settings.DIRECTORY_CACHE_MS,
      production: settings.NODE_ENV === 'production',
      authRateLimitPerMinute: settings.AUTH_RATE_LIMIT,
      mutationRateLimitPerMinute: settings.MUTATION_RATE_LIMIT,
      mutationRateLimitStore: settings.MUTATION_RATE_LIMIT_STORE,
      auditAnchorIntervalMs: settings.AUDIT_ANCHOR_INTERVAL_MS,
      live,
      data: dataConfigOf(settings),
    },
  };
}

/**
 * Reads and validates the server's settings. Throws one ConfigError listing every problem, so an
 * operator fixes the environment in one go.
 */
export function loadServerConfig(env: NodeJS.ProcessEnv = process.env): ServerConfig {
  const parsed = parseServerConfig(env);
  if ('problems' in parsed) throw new ConfigError(parsed.problems);
  return parsed.config;
}

/**
 * Reads the API process's settings: its flags (`--exit-with-stdin`), where it listens (`API_PORT`,
 * `HOST`) and the server's settings. Throws one ConfigError listing every problem.
 */
export function loadApiProcessConfig(env: NodeJS.ProcessEnv = process.env, argv: readonly string[] = process.argv.slice(2)): ApiProcessConfig {
  const problems: string[] = [];
  let exitWithStdin = false;
  try {
    exitWithStdin = parseArgs({ args: [...argv], options: FLAGS, strict: true, allowPositionals: false }).values['exit-with-stdin'] === true;
  } catch {
    const unknown = argv.filter((arg) => !Object.keys(FLAGS).some((flag) => arg === `--${flag}`));
    problems.push(`Unknown command-line argument ${unknown.join(' ')}; the API process accepts only --exit-with-stdin (stop when standard input closes).`);
  }
  const listen = processEnvironment.safeParse(env);
  if (!listen.success) problems.push(...problemsOf(listen.error));
  const server = parseServerConfig(env);
  if ('problems' in server) problems.push(...server.problems);
  if (problems.length > 0 || !listen.success || 'problems' in server) throw new ConfigError(problems);
  return { port: listen.data.API_PORT, host: listen.data.HOST, exitWithStdin, server: server.config };
}
