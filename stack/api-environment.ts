import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { deploymentPath } from '../contracts/deployment/deployment';
import type { StackChain } from './chain';
import { testWallet } from './demo-accounts';
import type { StackConfig } from './stack-config';

/**
 * The API's environment (the variables `loadServerConfig` reads): the stack's own URLs, the test
 * auditor and relayer keys on the embedded chain, and a session secret made fresh for this run.
 */
export function apiEnvironmentFor(options: {
  config: StackConfig;
  chain: StackChain;
  subgraphUrl: string;
  mongodbUri: string;
  webOrigin: string;
}): NodeJS.ProcessEnv {
  const { config, chain } = options;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    RPC_URL: chain.url,
    SUBGRAPH_URL: options.subgraphUrl,
    MONGODB_URI: options.mongodbUri,
    DEPLOYMENTS_FILE: deploymentPath(config.network),
    DATA_DIR: path.join(config.dataDir, 'stack'),
    // Browsers reach the API through the web server, on the web client's origin: SIWE binds to it.
    PUBLIC_URL: options.webOrigin,
    ALLOWED_ORIGINS: options.webOrigin,
    SESSION_SECRET: process.env.SESSION_SECRET ?? randomBytes(32).toString('hex'),
  };
  if (chain.embedded) {
    env.AUDITOR_PRIVATE_KEY = testWallet(2).privateKey;
    env.RELAYER_PRIVATE_KEY = testWallet(3).privateKey;
  }
  return env;
}

