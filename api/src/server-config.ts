import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Wallet } from 'ethers';
import type { Deployment } from '../../contracts/deployment/deployment';
import { loadDataConfig, REPO_ROOT, type DataConfig } from './config';

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

const PRIVATE_KEY = /^(0x)?[0-9a-fA-F]{64}$/;

function httpUrl(value: string | undefined, name: string, example: string, problems: string[]): string {
  if (!value) {
    problems.push(`${name} is not set; set it to an http(s) URL such as ${example}.`);
    return '';
  }
  try {
    const url = new URL(value);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('not http');
    return value;
  } catch {
    problems.push(`${name}=${JSON.stringify(value)} is not an http(s) URL; use one such as ${example}.`);
    return '';
  }
}

function wholeNumber(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, problems: string[]): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < min) {
    problems.push(`${name}=${JSON.stringify(raw)} must be a whole number of at least ${min}; unset it to use ${fallback}.`);
    return fallback;
  }
  return value;
}

function liveSettings(env: NodeJS.ProcessEnv, problems: string[]): LiveSettings {
  const settings: LiveSettings = {};
  for (const [name, { key, min }] of Object.entries(LIVE_SETTINGS)) {
    const raw = env[name]?.trim();
    if (!raw) continue;
    const value = Number(raw);
    if (Number.isSafeInteger(value) && value >= min) settings[key] = value;
    else problems.push(`${name}=${JSON.stringify(raw)} must be a whole number of at least ${min}; unset it to use the default (docs/api.md, "Live updates").`);
  }
  return settings;
}

function privateKey(env: NodeJS.ProcessEnv, name: string, role: string, problems: string[]): string {
  const raw = env[name]?.trim();
  if (!raw) {
    problems.push(`${name} is not set; set it to the 32-byte hex private key of the ${role}.`);
    return '';
  }
  if (!PRIVATE_KEY.test(raw)) {
    problems.push(`${name} is not a 32-byte hex private key (64 hex digits, optionally 0x-prefixed).`);
    return '';
  }
  return raw.startsWith('0x') ? raw : `0x${raw}`;
}

function readDeploymentFile(file: string, problems: string[]): Deployment | undefined {
  let parsed: Deployment;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8')) as Deployment;
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'does not exist' : `cannot be read: ${(error as Error).message}`;
    problems.push(`DEPLOYMENTS_FILE ${file} ${reason}; deploy with \`npm run deploy -- --network <name>\` or point DEPLOYMENTS_FILE at deployments/<network>.json.`);
    return undefined;
  }
  const names = ['ProviderDirectory', 'ConsentManager', 'RecordRegistry', 'AuditAnchor'] as const;
  const missing = names.filter((name) => !/^0x[0-9a-fA-F]{40}$/.test(parsed.contracts?.[name]?.address ?? ''));
  if (missing.length > 0 || !Number.isSafeInteger(parsed.chainId)) {
    problems.push(`DEPLOYMENTS_FILE ${file} is not a deployment written by the deploy step (missing ${missing.join(', ') || 'chainId'}).`);
    return undefined;
  }
  return parsed;
}

/**
 * Reads and validates the server's settings. Throws one ConfigError listing every problem, so an
 * operator fixes the environment in one go.
 */
export function loadServerConfig(env: NodeJS.ProcessEnv = process.env): ServerConfig {
  const problems: string[] = [];
  let data: DataConfig | undefined;
  try {
    data = loadDataConfig(env);
  } catch (error) {
    problems.push((error as Error).message);
  }

  const rpcUrl = httpUrl(env.RPC_URL?.trim(), 'RPC_URL', 'http://127.0.0.1:8545', problems);
  const subgraphUrl = httpUrl(
    env.SUBGRAPH_URL?.trim(),
    'SUBGRAPH_URL',
    'http://127.0.0.1:8000/subgraphs/name/health-records',
    problems,
  );
  const statusUrl = env.SUBGRAPH_STATUS_URL?.trim();
  const subgraphStatusUrl = statusUrl ? httpUrl(statusUrl, 'SUBGRAPH_STATUS_URL', 'http://127.0.0.1:8030/graphql', problems) || undefined : undefined;
  const subgraphTimeoutMs = wholeNumber(env, 'SUBGRAPH_TIMEOUT_MS', 5_000, 100, problems);
  const chainTimeoutMs = wholeNumber(env, 'CHAIN_TIMEOUT_MS', 5_000, 100, problems);
  const readinessLagBlocks = wholeNumber(env, 'READINESS_LAG_BLOCKS', 50, 0, problems);
  const deploymentsFile = path.resolve(REPO_ROOT, env.DEPLOYMENTS_FILE?.trim() || 'deployments/localhost.json');
  const deployment = readDeploymentFile(deploymentsFile, problems);

  const sessionSecret = env.SESSION_SECRET ?? '';
  if (sessionSecret.length < 32) {
    problems.push('SESSION_SECRET must be at least 32 characters of random text (e.g. `openssl rand -hex 32`).');
  }
  if (!env.MASTER_KEY?.trim() && env.NODE_ENV === 'production') {
    problems.push('MASTER_KEY is not set; in production set it to the 32-byte record master key (hex or base64) from your key store.');
  }
  const auditorPrivateKey = privateKey(env, 'AUDITOR_PRIVATE_KEY', 'audit anchor auditor', problems);
  const relayerPrivateKey = privateKey(env, 'RELAYER_PRIVATE_KEY', 'consent relayer (any funded account)', problems);

  const publicUrl = httpUrl(env.PUBLIC_URL?.trim(), 'PUBLIC_URL', 'https://api.example.org', problems);
  const publicOrigin = publicUrl ? new URL(publicUrl).origin : '';

  const allowedOrigins: string[] = [];
  for (const entry of (env.ALLOWED_ORIGINS ?? '').split(',').map((item) => item.trim()).filter(Boolean)) {
    try {
      const url = new URL(entry);
      if (url.origin !== entry.replace(/\/$/, '')) throw new Error('path');
      allowedOrigins.push(url.origin);
    } catch {
      problems.push(`ALLOWED_ORIGINS entry ${JSON.stringify(entry)} is not an origin such as https://app.example.org (scheme, host, port; no path).`);
    }
  }

  const kAnonymity = wholeNumber(env, 'K_ANONYMITY', 5, 2, problems);
  const nonceTtlSeconds = wholeNumber(env, 'SIWE_NONCE_TTL_SECONDS', 300, 10, problems);
  const sessionTtlSeconds = wholeNumber(env, 'SESSION_TTL_SECONDS', 8 * 3600, 60, problems);
  const authRateLimitPerMinute = wholeNumber(env, 'AUTH_RATE_LIMIT', 30, 1, problems);
  const mutationRateLimitPerMinute = wholeNumber(env, 'MUTATION_RATE_LIMIT', 60, 1, problems);
  const mutationRateLimitStore = env.MUTATION_RATE_LIMIT_STORE?.trim() || 'memory';
  if (mutationRateLimitStore !== 'memory' && mutationRateLimitStore !== 'mongodb') {
    problems.push(`MUTATION_RATE_LIMIT_STORE=${JSON.stringify(mutationRateLimitStore)} must be memory (one count per API instance) or mongodb (one count shared by every instance).`);
  }

  const directoryCacheMs = wholeNumber(env, 'DIRECTORY_CACHE_MS', 2000, 0, problems);
  const sessionCacheMs = wholeNumber(env, 'SESSION_CACHE_MS', 2000, 0, problems);
  const auditAnchorIntervalMs = wholeNumber(env, 'AUDIT_ANCHOR_INTERVAL_MS', 60_000, 0, problems);
  const live = liveSettings(env, problems);

  if (problems.length > 0 || !deployment || !data) throw new ConfigError(problems);
  return {
    rpcUrl,
    subgraphUrl,
    subgraphStatusUrl,
    subgraphTimeoutMs,
    chainTimeoutMs,
    readinessLagBlocks,
    deployment,
    deploymentsFile,
    sessionSecret,
    auditorPrivateKey,
    relayerPrivateKey,
    publicOrigin,
    allowedOrigins,
    kAnonymity,
    nonceTtlSeconds,
    sessionTtlSeconds,
    sessionCacheMs,
    directoryCacheMs,
    production: env.NODE_ENV === 'production',
    authRateLimitPerMinute,
    mutationRateLimitPerMinute,
    mutationRateLimitStore: mutationRateLimitStore as ServerConfig['mutationRateLimitStore'],
    auditAnchorIntervalMs,
    live,
    data,
  };
}

/** The auditor's and relayer's addresses, for start-up logs (never the keys). */
export function describeKeys(config: ServerConfig): { auditor: string; relayer: string } {
  return { auditor: new Wallet(config.auditorPrivateKey).address, relayer: new Wallet(config.relayerPrivateKey).address };
}
