/**
 * `npm run bench:indexer -- [--json] [--events N]`
 *
 * Measures the local subgraph node indexing at least 20,000 events of mixed types (ItemCreated with
 * strings, bytes and two indexed values; ItemTagged with an array) that are already on a local
 * Hardhat chain (a `hardhat node` child process; building the chain is not timed), with the
 * benchmark fixture subgraph (test/subgraph/fixtures/bench-fixture: an immutable entity per event and
 * a mutable counter per account, like most subgraphs).
 *
 * Prints { events, eventsPerSecond, peakRssMiB, fetchDecodeOnlyPerSecond }:
 * - eventsPerSecond: events handled / wall time from starting the node to the head being indexed;
 * - peakRssMiB: the highest resident set size of this process sampled while indexing;
 * - fetchDecodeOnlyPerSecond: the same logs fetched with eth_getLogs over the same block ranges and
 *   ABI-decoded with ethers, without mappings or store: the limit the indexer is held against.
 */
import { parseArgs } from 'node:util';
import { Interface, type Contract } from 'ethers';
import { silentLogger, startLocalNode } from '../../../../subgraph/local-node';
import { JsonRpcClient } from '../../../../subgraph/local-node/ethereum/json-rpc';
import type { RpcLog } from '../../../../subgraph/local-node/ethereum/rpc-types';
import { buildFixtureSubgraph } from '../support/fixture-subgraph';
import { startHardhatChain, type HardhatChain } from '../support/hardhat-chain';
import { deployRegistry } from '../support/registry-scenario';

const EVENTS_PER_TX = 100;
const BLOCK_RANGE = 2000;

async function buildChain(chain: HardhatChain, registry: Contract, events: number): Promise<void> {
  const txs = Math.ceil(events / EVENTS_PER_TX);
  // Several transactions per block, from several senders, so blocks hold logs of many transactions.
  const senders = await Promise.all([0, 1, 2, 3].map((i) => chain.signer(i)));
  await chain.rpc('evm_setAutomine', [false]);
  const nonces = await Promise.all(senders.map((s) => s.getNonce()));
  let sent = 0;
  while (sent < txs) {
    const batch: Promise<unknown>[] = [];
    for (let i = 0; i < 8 && sent < txs; i++, sent++) {
      const s = sent % senders.length;
      const connected = registry.connect(senders[s]) as Contract;
      batch.push(connected.emitMany(EVENTS_PER_TX, { gasLimit: 5_000_000, nonce: nonces[s]++ }));
    }
    await Promise.all(batch);
    await chain.rpc('evm_mine');
  }
  await chain.rpc('evm_setAutomine', [true]);
}

async function fetchAndDecode(url: string, abi: Interface, from: number, to: number): Promise<number> {
  const rpc = new JsonRpcClient(url);
  let decoded = 0;
  for (let start = from; start <= to; start += BLOCK_RANGE) {
    const end = Math.min(to, start + BLOCK_RANGE - 1);
    const logs = await rpc.request<RpcLog[]>('eth_getLogs', [{ fromBlock: `0x${start.toString(16)}`, toBlock: `0x${end.toString(16)}`, address: ['0x5fbdb2315678afecb367f032d93f642f64180aa3'] }]);
    for (const log of logs) {
      const parsed = abi.parseLog({ topics: log.topics, data: log.data });
      if (parsed) {
        parsed.args.toArray(true);
        decoded++;
      }
    }
  }
  return decoded;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { json: { type: 'boolean' }, events: { type: 'string' } } });
  const wanted = Number(values.events ?? 20_000);
  const say = (message: string): void => {
    if (!values.json) process.stderr.write(`${message}\n`);
  };
  say('building the benchmark subgraph (cached) ...');
  const fixture = buildFixtureSubgraph('bench-fixture', { solidityFrom: 'indexer-fixture' });
  const chain = await startHardhatChain();
  try {
    say(`making a chain with ${wanted} events ...`);
    const registry = await deployRegistry(chain, fixture);
    await buildChain(chain, registry, wanted);
    const head = await chain.blockNumber();

    // Hardhat answers the first eth_getLogs over new blocks slowly; warm it for both measurements.
    await fetchAndDecode(chain.url, new Interface([]), 1, head);
    say('fetch + decode only ...');
    const abi = new Interface(fixture.contracts.Registry.abi as never);
    const fetchStart = performance.now();
    const fetched = await fetchAndDecode(chain.url, abi, 1, head);
    const fetchSeconds = (performance.now() - fetchStart) / 1000;

    say('indexing ...');
    let peakRss = process.memoryUsage().rss;
    const sampler = setInterval(() => {
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
    }, 20);
    const started = performance.now();
    const node = await startLocalNode({ build: fixture.buildDir, rpcUrl: chain.url, name: 'bench', logger: silentLogger, blockRange: BLOCK_RANGE });
    await node.waitForBlock(head, 600_000);
    const seconds = (performance.now() - started) / 1000;
    clearInterval(sampler);
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
    const { events } = node.status();
    await node.stop();
    if (events < wanted || fetched < wanted) throw new Error(`only ${events} events indexed and ${fetched} fetched; expected ${wanted}`);

    const result = {
      events,
      eventsPerSecond: Math.round(events / seconds),
      peakRssMiB: Math.round(peakRss / 1024 / 1024),
      fetchDecodeOnlyPerSecond: Math.round(fetched / fetchSeconds),
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
