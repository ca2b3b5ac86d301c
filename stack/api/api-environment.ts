import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { deploymentPath } from '../../contracts/deployment/deployment';
import type { StackChain } from '../chain/chain';
import { testWallet } from '../chain/demo-accounts';
import type { StackConfig } from '../stack-config';

/**
 * The API's environment (the variables `loadServerConfig` reads): the stack's own URLs, the test
 * auditor and relayer keys on the embedded chain, and the session secret kept in the data folder.
 */
export function apiEnvironmentFor(options: {
  config: StackConfig;
  chain: StackChain;
  subgraphUrl: string;
  /** graph-node's index-node status API, when the stack runs graph-node (then `/readyz` reports its health). */
  subgraphStatusUrl?: string;
  mongodbUri: string;
  webOrigin: string;
}): NodeJS.ProcessEnv {
  const { config, chain } = options;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    RPC_URL: chain.url,
    SUBGRAPH_URL: options.subgraphUrl,
    ...(options.subgraphStatusUrl ? { SUBGRAPH_STATUS_URL: options.subgraphStatusUrl } : {}),
    MONGODB_URI: options.mongodbUri,
    DEPLOYMENTS_FILE: deploymentPath(config.network),
    DATA_DIR: path.join(config.dataDir, 'stack'),
    // Browsers reach the API through the web server, on the web client's origin: SIWE binds to it.
    PUBLIC_URL: options.webOrigin,
    ALLOWED_ORIGINS: options.webOrigin,
    SESSION_SECRET: process.env.SESSION_SECRET ?? keptSessionSecret(path.join(config.dataDir, 'stack')),
  };
  if (chain.embedded) {
    env.AUDITOR_PRIVATE_KEY = testWallet(2).privateKey;
    env.RELAYER_PRIVATE_KEY = testWallet(3).privateKey;
  }
  return env;
}


/**
 * The secret that signs session cookies, generated once and kept in `<stateDir>/session-secret` (mode
 * 0600), so signed-in users stay signed in when the API or the whole stack restarts (the sessions
 * themselves are in the database). SESSION_SECRET in the environment wins over it.
 */
export function keptSessionSecret(stateDir: string): string {
  const file = path.join(stateDir, 'session-secret');
  if (existsSync(file)) {
    const kept = readFileSync(file, 'utf8').trim();
    if (kept.length >= 32) return kept;
  }
  mkdirSync(stateDir, { recursive: true });
  const secret = randomBytes(32).toString('hex');
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  return secret;
}

/**
 * The API's environment (what `loadServerConfig` reads) for a throw-away stack on the embedded chain:
 * its URLs, fresh secrets, Hardhat's auditor and relayer keys, and no periodic audit anchoring.
 */
export function scratchApiEnvironment(parts: { rpcUrl: string; subgraphUrl: string; mongodbUri: string; deploymentFile: string; dataDir: string; port: number }): Record<string, string> {
  return {
    RPC_URL: parts.rpcUrl,
    SUBGRAPH_URL: parts.subgraphUrl,
    MONGODB_URI: parts.mongodbUri,
    DEPLOYMENTS_FILE: parts.deploymentFile,
    DATA_DIR: parts.dataDir,
    SESSION_SECRET: randomBytes(32).toString('hex'),
    MASTER_KEY: randomBytes(32).toString('hex'),
    AUDITOR_PRIVATE_KEY: testWallet(2).privateKey,
    RELAYER_PRIVATE_KEY: testWallet(9).privateKey,
    PUBLIC_URL: `http://127.0.0.1:${parts.port}`,
    AUDIT_ANCHOR_INTERVAL_MS: '0',
  };
}
