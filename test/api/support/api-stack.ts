/**
 * The whole API stack for end-to-end tests, in this Jest worker: Hardhat's network served over
 * JSON-RPC on 127.0.0.1, the contracts deployed by the real deploy function, the real subgraph (built
 * by graph-cli) indexed by graph-node (`gnd dev` from npm, test/fixtures/graph-node.ts), the embedded FerretDB, and
 * the API from `createServer` listening on a free port. Everything started is stopped by `stop()`.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import hre from 'hardhat';
import type { EmbeddedMongo } from '../../../stack/documents/embedded-mongo';
import { startTestMongo } from '../data/support/test-database';
import { createServer, type ApiServer, type CreateServerOptions } from '../../../api/src/app/server';
import { loadServerConfig, type ServerConfig } from '../../../api/src/config';
import { scratchApiEnvironment } from '../../../stack/api/api-environment';
import { testWallet } from '../../../stack/chain/demo-accounts';
import { subgraphBuildFor } from '../../../stack/graph-node/subgraph-build';
import { freePort } from '../../../stack/process/free-port';
import { startChainServer } from '../../fixtures/chain-server';
import { deploySystem, type System } from '../../fixtures/deploy';
import { startTestGraphNode, type TestGraphNode } from '../../fixtures/graph-node';

export { freePort };

/** Hardhat's test account `index`'s key (the API's auditor is 2, its relayer 9). */
export const hardhatKey = (index: number): string => testWallet(index).privateKey;

export interface ApiStack {
  system: System;
  chainUrl: string;
  /** Stops serving the chain's JSON-RPC (the Hardhat network in this process keeps its state); `startChain` serves it again on the same port. */
  stopChain(): Promise<void>;
  startChain(): Promise<void>;
  node: TestGraphNode;
  /** The subgraph build graph-node indexes (a test that restarts graph-node deploys it again). */
  subgraphManifest: string;
  mongo: EmbeddedMongo;
  server: ApiServer;
  config: ServerConfig;
  /** The API's origin, e.g. http://127.0.0.1:41234. */
  url: string;
  /** Waits until the subgraph has indexed the chain's latest block. */
  indexed(): Promise<number>;
  stop(): Promise<void>;
}

export interface ApiStackOptions {
  env?: Record<string, string>;
  server?: CreateServerOptions;
  /** The PostgreSQL (admin URL) FerretDB stores the documents on (default: the run's shared one). */
  documentsPostgres?: string;
  /** Called once FerretDB runs, before the API connects to it. */
  onDatabase?: (mongo: EmbeddedMongo) => Promise<void>;
}

export async function startApiStack(options: ApiStackOptions = {}): Promise<ApiStack> {
  const folder = mkdtempSync(path.join(os.tmpdir(), 'api-stack-'));
  const stops: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const close of stops.reverse()) await close().catch(() => undefined);
    rmSync(folder, { recursive: true, force: true });
  };
  try {
    let chain = await startChainServer();
    stops.push(() => chain.close());
    const system = await deploySystem();
    const deploymentFile = path.join(folder, 'deployment.json');
    writeFileSync(deploymentFile, JSON.stringify(system.deployment, null, 2));

    const build = subgraphBuildFor(system.deployment, path.join(folder, 'subgraph'));
    const subgraphManifest = path.join(build, 'subgraph.yaml');
    const node = await startTestGraphNode({ manifest: subgraphManifest, rpcUrl: chain.url });
    stops.push(() => node.stop());
    const mongo = await startTestMongo(path.join(folder, 'ferretdb'), options.documentsPostgres);
    stops.push(() => mongo.stop());
    await options.onDatabase?.(mongo);

    const port = await freePort();
    const config = loadServerConfig({
      ...scratchApiEnvironment({ rpcUrl: chain.url, subgraphUrl: node.queryUrl, mongodbUri: mongo.clientUri('health-records'), deploymentFile, dataDir: path.join(folder, 'data'), port }),
      ALLOWED_ORIGINS: 'http://127.0.0.1:5173',
      AUTH_RATE_LIMIT: '1000',
      MUTATION_RATE_LIMIT: '1000',
      ...options.env,
    });
    const server = await createServer(config, options.server);
    stops.push(() => server.close());
    const { url } = await server.listen(port, '127.0.0.1');

    const indexed = async () => {
      const head = await hre.ethers.provider.getBlockNumber();
      await node.waitForBlock(head, 60_000);
      return head;
    };
    await indexed();
    const stopChain = () => chain.close();
    const startChain = async () => {
      chain = await startChainServer({ port: chain.port });
    };
    return { system, chainUrl: chain.url, stopChain, startChain, node, subgraphManifest, mongo, server, config, url, indexed, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
