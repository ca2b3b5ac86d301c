/**
 * `npm run bench:indexer -- [--json] [--events N] [--workload project|fixture]`
 *
 * Measures the local subgraph node indexing at least 20,000 events of mixed types that are already
 * on a local Hardhat chain (a `hardhat node` child process; building the chain is not timed).
 *
 * Workloads:
 * - `project` (default): the project's subgraph (`npm run build:subgraph` output in subgraph/build)
 *   over the project's contracts: records anchored and amended, consents granted, renewed and
 *   revoked, guardians appointed, audit batches anchored (seven event types, one per transaction);
 * - `fixture`: test/subgraph/fixtures/bench-fixture over the indexer fixture's Registry, whose
 *   transactions emit a hundred events each (strings, bytes, arrays, indexed values).
 *
 * Prints { events, eventsPerSecond, peakRssMiB, fetchDecodeOnlyPerSecond } (and the workload, the
 * wall time of indexing and the CPU time this process spent on it):
 * - eventsPerSecond: events handled / wall time from starting the node to the head being indexed;
 * - peakRssMiB: the highest resident set size of this process sampled while indexing;
 * - fetchDecodeOnlyPerSecond: the same logs fetched with eth_getLogs over the same block ranges and
 *   ABI-decoded with ethers, without mappings or store: the limit the indexer is held against.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Interface, type Contract } from 'ethers';
import { silentLogger, startLocalNode } from '../../../../subgraph/local-node';
import { JsonRpcClient } from '../../../../subgraph/local-node/ethereum/json-rpc';
import type { RpcLog } from '../../../../subgraph/local-node/ethereum/rpc-types';
import { buildFixtureSubgraph } from '../support/fixture-subgraph';
import { startHardhatChain, type HardhatChain } from '../support/hardhat-chain';
import { deployRegistry, REGISTRY_ADDRESS } from '../support/registry-scenario';
import { buildProjectChain, PROJECT_CONTRACTS, projectInterface } from './project-chain';

const REPO_ROOT = path.resolve(__dirname, '../../../..');
const BLOCK_RANGE = 2000;

interface Workload {
  build: string;
  /** ABI of each indexed contract, by lower-case address. */
  abis: Map<string, Interface>;
}

async function fixtureWorkload(chain: HardhatChain, events: number): Promise<Workload> {
  const fixture = buildFixtureSubgraph('bench-fixture', { solidityFrom: 'indexer-fixture' });
  const registry = await deployRegistry(chain, fixture);
  const perTx = 100;
  const txs = Math.ceil(events / perTx);
  // Several transactions per block, from several senders.
  const senders = await Promise.all([0, 1, 2, 3].map((i) => chain.signer(i)));
  await chain.rpc('evm_setAutomine', [false]);
  const nonces = await Promise.all(senders.map((s) => s.getNonce()));
  for (let sent = 0; sent < txs; ) {
    const batch: Promise<unknown>[] = [];
    for (let i = 0; i < 8 && sent < txs; i++, sent++) {
      const s = sent % senders.length;
      batch.push((registry.connect(senders[s]) as Contract).emitMany(perTx, { gasLimit: 5_000_000, nonce: nonces[s]++ }));
    }
    await Promise.all(batch);
    await chain.rpc('evm_mine');
  }
  await chain.rpc('evm_setAutomine', [true]);
  return { build: fixture.buildDir, abis: new Map([[REGISTRY_ADDRESS.toLowerCase(), new Interface(fixture.contracts.Registry.abi as never)]]) };
}

async function projectWorkload(chain: HardhatChain, events: number): Promise<Workload> {
  const build = path.join(REPO_ROOT, 'subgraph', 'build');
  if (!fs.existsSync(path.join(build, 'subgraph.yaml'))) throw new Error(`${build} has no subgraph.yaml: run \`npm run build:subgraph\` first`);
  const addresses = await buildProjectChain(chain, events);
  return { build, abis: new Map(PROJECT_CONTRACTS.map((name) => [addresses[name], projectInterface(name)])) };
}

async function fetchAndDecode(url: string, abis: Map<string, Interface>, from: number, to: number): Promise<number> {
  const rpc = new JsonRpcClient(url);
  let decoded = 0;
  for (let start = from; start <= to; start += BLOCK_RANGE) {
    const end = Math.min(to, start + BLOCK_RANGE - 1);
    const logs = await rpc.request<RpcLog[]>('eth_getLogs', [
      { fromBlock: `0x${start.toString(16)}`, toBlock: `0x${end.toString(16)}`, address: [...abis.keys()] },
    ]);
    for (const log of logs) {
      const parsed = abis.get(log.address.toLowerCase())?.parseLog({ topics: log.topics, data: log.data });
      if (parsed) {
        parsed.args.toArray(true);
        decoded++;
      }
    }
  }
  return decoded;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { json: { type: 'boolean' }, events: { type: 'string' }, workload: { type: 'string' } } });
  const wanted = Number(values.events ?? 20_000);
  const workloadName = values.workload ?? 'project';
  if (workloadName !== 'project' && workloadName !== 'fixture') throw new Error(`--workload ${workloadName} is not project or fixture`);
  const say = (message: string): void => {
    if (!values.json) process.stderr.write(`${message}\n`);
  };
  const chain = await startHardhatChain();
  try {
    say(`making a chain with ${wanted} events (${workloadName} workload) ...`);
    const workload = workloadName === 'project' ? await projectWorkload(chain, wanted) : await fixtureWorkload(chain, wanted);
    const head = await chain.blockNumber();

    // Hardhat answers the first eth_getLogs over new blocks slowly; warm it for both measurements,
    // then index, then fetch and decode the same logs.
    await fetchAndDecode(chain.url, new Map([...workload.abis.keys()].map((a) => [a, new Interface([])])), 1, head);
    say('indexing ...');
    let peakRss = process.memoryUsage().rss;
    const sampler = setInterval(() => {
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
    }, 20);
    const started = performance.now();
    const cpuBefore = process.cpuUsage();
    const node = await startLocalNode({ build: workload.build, rpcUrl: chain.url, name: 'bench', logger: silentLogger, blockRange: BLOCK_RANGE });
    await node.waitForBlock(head, 600_000);
    const seconds = (performance.now() - started) / 1000;
    const cpu = process.cpuUsage(cpuBefore);
    clearInterval(sampler);
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
    const { events } = node.status();
    await node.stop();

    say('fetch + decode only ...');
    const fetchStart = performance.now();
    const fetched = await fetchAndDecode(chain.url, workload.abis, 1, head);
    const fetchSeconds = (performance.now() - fetchStart) / 1000;

    if (events < wanted || fetched < wanted) throw new Error(`only ${events} events indexed and ${fetched} fetched; expected at least ${wanted}`);

    const result = {
      events,
      eventsPerSecond: Math.round(events / seconds),
      peakRssMiB: Math.round(peakRss / 1024 / 1024),
      fetchDecodeOnlyPerSecond: Math.round(fetched / fetchSeconds),
      workload: workloadName,
      // CPU time of this process while indexing: the machine may be shared, wall time varies.
      indexerCpuSeconds: Number(((cpu.user + cpu.system) / 1e6).toFixed(2)),
      indexingSeconds: Number(seconds.toFixed(2)),
    };
    if (values.json) process.stdout.write(`${JSON.stringify(result)}\n`);
    else {
      say(`indexed ${events} events in ${seconds.toFixed(2)} s: ${result.eventsPerSecond} events/s, peak RSS ${result.peakRssMiB} MiB`);
      say(`fetch + decode only: ${result.fetchDecodeOnlyPerSecond} events/s (${fetchSeconds.toFixed(2)} s)`);
    }
  } finally {
    await chain.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
