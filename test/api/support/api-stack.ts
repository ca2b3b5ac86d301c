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
import { startEmbeddedMongo, type EmbeddedMongo } from '../../../stack/documents/embedded-mongo';
import { createServer, type ApiServer, type CreateServerOptions } from '../../../api/src/app/server';
import { loadServerConfig, type ServerConfig } from '../../../api/src/server-config';
import { freePort, hardhatKey, scratchApiEnvironment, subgraphBuildFor } from '../../../stack/bench/stack-parts';
import { startChainServer } from '../../fixtures/chain-server';
import { deploySystem, type System } from '../../fixtures/deploy';
import { startTestGraphNode } from '../../fixtures/graph-node';
import type { LocalGraphNode } from '../../../stack/graph-node';

export { freePort, hardhatKey };

export interface ApiStack {
  system: System;
  chainUrl: string;
  node: LocalGraphNode;
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

export async function startApiStack(options: { env?: Record<string, string>; server?: CreateServerOptions } = {}): Promise<ApiStack> {
  const folder = mkdtempSync(path.join(os.tmpdir(), 'api-stack-'));
  const stops: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const close of stops.reverse()) await close().catch(() => undefined);
    rmSync(folder, { recursive: true, force: true });
  };
  try {
    const chain = await startChainServer();
    stops.push(() => chain.close());
    const system = await deploySystem();
    const deploymentFile = path.join(folder, 'deployment.json');
    writeFileSync(deploymentFile, JSON.stringify(system.deployment, null, 2));

    const build = subgraphBuildFor(system.deployment, path.join(folder, 'subgraph'));
    const subgraphManifest = path.join(build, 'subgraph.yaml');
    const node = await startTestGraphNode({ manifest: subgraphManifest, rpcUrl: chain.url });
    stops.push(() => node.stop());
    const mongo = await startEmbeddedMongo({ dataDir: path.join(folder, 'ferretdb') });
    stops.push(() => mongo.stop());

    const port = await freePort();
    const config = loadServerConfig({
      ...scratchApiEnvironment({ rpcUrl: chain.url, subgraphUrl: node.queryUrl, mongodbUri: mongo.uri, deploymentFile, dataDir: path.join(folder, 'data'), port }),
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
    return { system, chainUrl: chain.url, node, subgraphManifest, mongo, server, config, url, indexed, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
