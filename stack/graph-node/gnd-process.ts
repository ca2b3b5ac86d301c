/**
 * graph-node's `gnd dev` as a child process: the npm package @graphprotocol/gnd-<platform>-<arch>
 * ships the binary. `gnd dev` runs a full graph-node (store, block ingestor, WASM runtime, GraphQL
 * servers) and deploys the given build from disk under the name `subgraph-0`; it redeploys (and so
 * re-indexes) that build at every start. It stops on SIGINT and ignores SIGTERM.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { interruptOnce, killOnExit, processExited } from '../process/child';
import { lastLines } from '../process/log-tail';

/** The ports of one graph-node, all on 127.0.0.1. */
export interface GraphNodePorts {
  /** GraphQL queries: /subgraphs/name/<name>. */
  http: number;
  /** Index-node status API: /graphql. */
  indexNode: number;
  /** Admin JSON-RPC (subgraph_create, subgraph_deploy, ...). */
  admin: number;
  /** Prometheus metrics. */
  metrics: number;
}

/**
 * graph-node's settings for a local development chain, through its documented environment variables
 * (graph/src/env/*.rs, chain/ethereum/src/env.rs). Values the caller's environment sets win.
 * - ETHEREUM_POLLING_INTERVAL (default 1000 ms): how often the block ingestor asks for the chain
 *   head; a dev chain mines a block per transaction, so a short interval is the time from a
 *   transaction to its indexed answer.
 * - GRAPH_CHAIN_HEAD_WATCHER_TIMEOUT (default 30 s): a subgraph that misses the store's chain-head
 *   notification waits this long before it looks again; one bench run saw a 30.6 s outlier, so 1 s
 *   bounds it.
 * - GRAPH_LOG=info: gnd dev logs every block at debug level otherwise.
 * What each changed, measured with `npm run bench:indexer -- --variant ...`, is in the README.
 */
export const DEV_CHAIN_ENV: Readonly<Record<string, string>> = {
  ETHEREUM_POLLING_INTERVAL: '200',
  GRAPH_CHAIN_HEAD_WATCHER_TIMEOUT: '1',
  GRAPH_LOG: 'info',
};

export interface GndProcessOptions {
  /** The built manifest (`graph build`'s build/subgraph.yaml). */
  manifest: string;
  /** The network name the manifest's data sources use (e.g. `localhost`). */
  network: string;
  rpcUrl: string;
  postgresUrl: string;
  /** host:port of the IPFS endpoint (see ipfs-probe.ts). */
  ipfs: string;
  ports: GraphNodePorts;
  logFile: string;
  /** A library to preload (see loopback-shim.ts): servers on loopback, the admin port for graph-node's user only. */
  preload?: string;
  /** Extra environment for graph-node, over DEV_CHAIN_ENV. */
  env?: Record<string, string>;
}

export interface GndProcess {
  pid: number;
  child: ChildProcess;
  exited: Promise<void>;
  /** SIGINT (gnd ignores SIGTERM), then SIGKILL after 10 s; resolves when it has exited. */
  stop(): Promise<void>;
}

/** The gnd binary of this platform's npm package. */
export function gndBinary(): string {
  const name = `@graphprotocol/gnd-${process.platform}-${os.arch()}`;
  let manifest: string;
  try {
    manifest = require.resolve(`${name}/package.json`);
  } catch {
    throw new Error(
      `graph-node (gnd) is not installed for ${process.platform}-${os.arch()}: npm package ${name}. ` +
        'Run `npm ci`; graph-node publishes gnd on npm for linux-x64 only, so elsewhere run graph-node yourself and set SUBGRAPH_URL.',
    );
  }
  const binary = path.join(path.dirname(manifest), 'bin', process.platform === 'win32' ? 'gnd.exe' : 'gnd');
  if (!existsSync(binary)) throw new Error(`${name} has no bin/gnd; reinstall it with \`npm ci\`.`);
  return binary;
}

/** Starts `gnd dev` on the manifest; its output goes to `logFile` (appended, with a start marker). */
export function spawnGnd(options: GndProcessOptions): GndProcess {
  mkdirSync(path.dirname(options.logFile), { recursive: true });
  const log = openSync(options.logFile, 'a');
  writeSync(log, `\n==== gnd dev started ${new Date().toISOString()} for ${options.manifest}\n`);
  const { ports } = options;
  const child = spawn(
    gndBinary(),
    [
      'dev',
      // MANIFEST:BUILD_DIR, the build folder relative to the manifest: the manifest's own folder.
      '--manifests',
      `${options.manifest}:.`,
      '--ethereum-rpc',
      `${options.network}:${options.rpcUrl}`,
      '--ipfs',
      options.ipfs,
      '--http-port',
      String(ports.http),
      '--index-node-port',
      String(ports.indexNode),
      '--admin-port',
      String(ports.admin),
      '--metrics-port',
      String(ports.metrics),
    ],
    {
      cwd: path.dirname(options.manifest),
      stdio: ['ignore', log, log],
      // Its own process group: a Ctrl-C in the terminal reaches the launcher only, which stops
      // graph-node after the parts that use it.
      detached: true,
      env: {
        ...DEV_CHAIN_ENV,
        ...process.env,
        ...options.env,
        // The shim also keeps the admin JSON-RPC to graph-node's own user (loopback-bind.c).
        ...(options.preload ? { LD_PRELOAD: [options.preload, process.env.LD_PRELOAD].filter(Boolean).join(':'), OWNER_ONLY_PORT: String(ports.admin) } : {}),
        // gnd's --postgres-url, here because the URL carries the role's password: a command line is
        // visible to every local user, a process's environment only to its owner.
        POSTGRES_URL: options.postgresUrl,
      },
    },
  );
  closeSync(log);
  killOnExit(child);
  const exited = processExited(child);
  return { pid: child.pid!, child, exited, stop: interruptOnce(child, 10_000) };
}

/** One line saying why graph-node stopped or stalled, read from the end of its log. */
export function explainGndFailure(logFile: string, ports: GraphNodePorts, portVariables: Partial<Record<keyof GraphNodePorts, string>> = {}): string {
  const tail = lastLines(logFile, 15);
  const text = tail.join('\n');
  let hint = `see ${logFile}`;
  if (/Address already in use|AddrInUse/i.test(text)) {
    const names = Object.entries(ports)
      .map(([key, port]) => `${portVariables[key as keyof GraphNodePorts] ?? key} (${port})`)
      .join(', ');
    hint = `one of its ports is in use: ${names}; stop what holds it or choose other ports`;
  } else if (/Error deploying subgraphs|Failed to drop and recreate subgraph|failed to resolve|Subgraph validation/i.test(text) || deployStartedNotFinished(tail)) {
    // gnd dev exits as soon as a deployment fails, often before its logger has written why: the log
    // then ends with the redeploy it started and no "Subgraph deployed".
    hint = 'graph-node rejected the subgraph build: rebuild it with `npm run build:subgraph`, which reports what is wrong; graph-node\'s last lines';
  } else if (/connection refused|error sending request/i.test(text)) {
    hint = 'it cannot reach the chain\'s JSON-RPC: check that the chain runs (RPC_URL)';
  } else if (/database|postgres/i.test(text) && /error|failed/i.test(text)) {
    hint = 'it cannot use its PostgreSQL database';
  }
  return `${hint}.\n  ${tail.join('\n  ')}`;
}

function deployStartedNotFinished(tail: string[]): boolean {
  const started = tail.map((line) => line.includes('Re-deploying subgraph')).lastIndexOf(true);
  return started >= 0 && !tail.slice(started).some((line) => line.includes('Subgraph deployed'));
}
