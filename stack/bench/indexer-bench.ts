/**
 * `npm run bench:indexer -- [--json] [--events N] [--latency-samples N] [--env KEY=VALUE ...] [--variant "KEY=VALUE ..." ...]`
 *
 * graph-node (`gnd dev` from npm, on the embedded PostgreSQL) indexing the project's subgraph over at
 * least 20,000 events of the project's contracts already on a Hardhat chain (a child process; making
 * the chain is not timed), then the latency of single transactions. Prints one JSON object:
 * - events: logs of the indexed contracts in the indexed range that the subgraph has handlers for;
 * - eventsPerSecond: events / wall time from graph-node's deployment of the subgraph to the chain
 *   head being indexed (graph-node's start-up, `startupSeconds`, is apart);
 * - fetchDecodeOnlyPerSecond: the same logs fetched with eth_getLogs over 2,000-block ranges and
 *   ABI-decoded with ethers, without mappings or store: the floor any indexer is held against;
 * - graphNodePeakRssMiB, postgresPeakRssMiB: highest resident memory sampled every 200 ms while
 *   indexing (PostgreSQL: the proportional set size summed over its processes, so shared buffers
 *   count once);
 * - txToIndexedMs { p50, p95 }: with the chain idle and indexed, from a transaction's receipt to the
 *   subgraph answering the record it anchored, over `--latency-samples` transactions (default 40);
 * - graphNodeEnv: graph-node's tuning in force (DEV_CHAIN_ENV and every --env given);
 * - variants: with --variant, the same measured again on the same chain (a fresh database each) with
 *   those graph-node settings over --env, to see what a setting changes.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from '../../contracts/deployment/deployment';
import { parseArgs } from 'node:util';
import { Interface, JsonRpcProvider, encodeBytes32String, keccak256, solidityPacked } from 'ethers';
import { parse } from 'yaml';
import { startEmbeddedChain } from '../chain/chain';
import { startScratchGraphNode } from '../graph-node';
import { DEV_CHAIN_ENV } from '../graph-node/gnd-process';
import { buildProjectChain, PROJECT_CONTRACTS, projectInterface, rpc } from './project-chain';

const MANIFEST = path.join(REPO_ROOT, 'subgraph', 'build', 'subgraph.yaml');
const BLOCK_RANGE = 2000;

/** Names of the events the subgraph handles, from the built manifest. */
function handledEvents(): Set<string> {
  const manifest = parse(readFileSync(MANIFEST, 'utf8')) as { dataSources: { mapping: { eventHandlers?: { event: string }[] } }[] };
  return new Set(manifest.dataSources.flatMap((source) => (source.mapping.eventHandlers ?? []).map((handler) => handler.event.split('(')[0]!)));
}

async function fetchAndDecode(url: string, abis: Map<string, Interface>, handled: Set<string>, from: number, to: number): Promise<number> {
  let decoded = 0;
  for (let start = from; start <= to; start += BLOCK_RANGE) {
    const end = Math.min(to, start + BLOCK_RANGE - 1);
    const logs = await rpc<{ address: string; topics: string[]; data: string }[]>(url, 'eth_getLogs', [
      { fromBlock: `0x${start.toString(16)}`, toBlock: `0x${end.toString(16)}`, address: [...abis.keys()] },
    ]);
    for (const log of logs) {
      const parsed = abis.get(log.address.toLowerCase())?.parseLog({ topics: log.topics, data: log.data });
      if (parsed && handled.has(parsed.name)) {
        parsed.args.toArray(true);
        decoded += 1;
      }
    }
  }
  return decoded;
}

/** Resident memory of a process in KiB (VmRSS), or, with `proportional`, its Pss (shared pages split). */
function memoryKiB(pid: number, proportional: boolean): number {
  try {
    if (proportional) return Number(/^Pss:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'))?.[1] ?? 0);
    return Number(/^VmRSS:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

/** Pss of a process and all its descendants (PostgreSQL forks a backend per connection). */
function treePssKiB(pid: number): number {
  let total = memoryKiB(pid, true);
  try {
    const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim();
    for (const child of children ? children.split(' ') : []) total += treePssKiB(Number(child));
  } catch {
    // gone meanwhile
  }
  return total;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

function parseEnv(pairs: readonly string[]): Record<string, string> {
  return Object.fromEntries(
    pairs.map((pair) => {
      const at = pair.indexOf('=');
      if (at < 1) throw new Error(`${pair} is not KEY=VALUE`);
      return [pair.slice(0, at), pair.slice(at + 1)];
    }),
  );
}

interface Chain {
  url: string;
  head: number;
  addresses: Record<string, string>;
}

/** One graph-node, on a fresh database, indexing the chain to `head`, then the single-transaction latency. */
async function measure(chain: Chain, env: Record<string, string>, run: number, samples: number, say: (line: string) => void) {
  const folder = mkdtempSync(path.join(os.tmpdir(), 'bench-indexer-'));
  try {
    const started = performance.now();
    const node = await startScratchGraphNode({ manifest: MANIFEST, rpcUrl: chain.url, folder, env, onWarning: say });
    const deployed = performance.now();
    let graphNodePeak = 0;
    let postgresPeak = 0;
    const sample = () => {
      graphNodePeak = Math.max(graphNodePeak, memoryKiB(node.pid, false));
      if (node.postgres) postgresPeak = Math.max(postgresPeak, treePssKiB(node.postgres.pid));
    };
    const sampler = setInterval(sample, 200);
    try {
      await node.waitForBlock(chain.head, 1_800_000);
      const seconds = (performance.now() - deployed) / 1000;
      sample();
      clearInterval(sampler);

      say(`latency of ${samples} single transactions ...`);
      const provider = new JsonRpcProvider(chain.url, undefined, { staticNetwork: true, pollingInterval: 10 });
      const patient = await provider.getSigner(5);
      const registry = projectInterface('RecordRegistry');
      const latencies: number[] = [];
      for (let i = 0; i < samples; i += 1) {
        const recordId = keccak256(solidityPacked(['string', 'uint256', 'uint256'], ['latency', run, i]));
        const sent = await patient.sendTransaction({
          to: chain.addresses.RecordRegistry,
          data: registry.encodeFunctionData('anchorRecord', [recordId, await patient.getAddress(), encodeBytes32String('Observation'), recordId, `0x${'00'.repeat(32)}`]),
        });
        await sent.wait();
        const receiptAt = performance.now();
        for (;;) {
          const response = await fetch(node.queryUrl, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ query: `{ record(id: "${recordId}") { id } }` }),
          });
          const body = (await response.json()) as { data?: { record: { id: string } | null } };
          if (body.data?.record) break;
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
        latencies.push(performance.now() - receiptAt);
      }
      latencies.sort((a, b) => a - b);
      return {
        seconds,
        startupSeconds: (deployed - started) / 1000,
        graphNodePeakRssMiB: Math.round(graphNodePeak / 1024),
        postgresPeakRssMiB: Math.round(postgresPeak / 1024),
        txToIndexedMs: { p50: Math.round(percentile(latencies, 50)), p95: Math.round(percentile(latencies, 95)), max: Math.round(latencies.at(-1)!), samples },
      };
    } finally {
      clearInterval(sampler);
      await node.stop();
    }
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      json: { type: 'boolean' },
      events: { type: 'string' },
      'latency-samples': { type: 'string' },
      env: { type: 'string', multiple: true },
      variant: { type: 'string', multiple: true },
    },
  });
  const wanted = Number(values.events ?? 20_000);
  const samples = Number(values['latency-samples'] ?? 40);
  const env = parseEnv(values.env ?? []);
  // --variant "KEY=VALUE KEY2=VALUE2": graph-node again on the same chain with these settings over --env.
  const variants = (values.variant ?? []).map((text) => ({ ...env, ...parseEnv(text.split(/\s+/).filter(Boolean)) }));
  const say = (message: string): void => {
    if (!values.json) process.stderr.write(`[bench:indexer] ${message}\n`);
  };
  const embedded = await startEmbeddedChain('127.0.0.1', 0);
  try {
    say(`making a chain with ${wanted} events ...`);
    const addresses = await buildProjectChain(embedded.url, wanted);
    const chain: Chain = { url: embedded.url, addresses, head: Number(BigInt(await rpc<string>(embedded.url, 'eth_blockNumber'))) };
    const abis = new Map(PROJECT_CONTRACTS.map((name) => [addresses[name]!, projectInterface(name)]));
    // Hardhat answers the first eth_getLogs over new blocks slowly: warm it before either measurement.
    await fetchAndDecode(chain.url, abis, new Set(), 1, chain.head);

    say('fetch + decode only ...');
    const fetchStart = performance.now();
    const events = await fetchAndDecode(chain.url, abis, handledEvents(), 1, chain.head);
    const fetchSeconds = (performance.now() - fetchStart) / 1000;
    if (events < wanted) throw new Error(`only ${events} handled events on the chain; expected at least ${wanted}`);

    const report = (run: Awaited<ReturnType<typeof measure>>, runEnv: Record<string, string>) => ({
      eventsPerSecond: Math.round(events / run.seconds),
      indexingSeconds: Number(run.seconds.toFixed(2)),
      startupSeconds: Number(run.startupSeconds.toFixed(2)),
      graphNodePeakRssMiB: run.graphNodePeakRssMiB,
      postgresPeakRssMiB: run.postgresPeakRssMiB,
      txToIndexedMs: run.txToIndexedMs,
      graphNodeEnv: { ...DEV_CHAIN_ENV, ...runEnv },
    });
    say('indexing with graph-node ...');
    const base = report(await measure(chain, env, 0, samples, say), env);
    const compared = [];
    for (const [index, variantEnv] of variants.entries()) {
      say(`indexing again with ${JSON.stringify(variantEnv)} ...`);
      compared.push(report(await measure(chain, variantEnv, index + 1, samples, say), variantEnv));
    }
    const result = {
      events,
      ...base,
      fetchDecodeOnlyPerSecond: Math.round(events / fetchSeconds),
      blocks: chain.head,
      graphNodeVersion: 'gnd 0.45.0 (graph-node 0.45)',
      ...(compared.length ? { variants: compared } : {}),
    };
    process.stdout.write(`${JSON.stringify(result, null, values.json ? undefined : 2)}\n`);
  } finally {
    await embedded.stop();
  }
}

main().catch((error: unknown) => {
  const cause = error instanceof Error && error.cause instanceof Error ? ` (${error.cause.message})` : '';
  process.stderr.write(`bench:indexer failed: ${error instanceof Error ? error.message : String(error)}${cause}\n`);
  process.exit(1);
});
