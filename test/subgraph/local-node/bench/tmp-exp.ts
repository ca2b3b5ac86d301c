import { Contract } from 'ethers';
import { buildFixtureSubgraph } from '../support/fixture-subgraph';
import { startHardhatChain, type HardhatChain } from '../support/hardhat-chain';
import { deployRegistry } from '../support/registry-scenario';
import { JsonRpcClient } from '../../../../subgraph/local-node/ethereum/json-rpc';
async function buildChain(chain: HardhatChain, registry: Contract, events: number) {
  const txs = Math.ceil(events / 100);
  const senders = await Promise.all([0, 1, 2, 3].map((i) => chain.signer(i)));
  await chain.rpc('evm_setAutomine', [false]);
  const nonces = await Promise.all(senders.map((s) => s.getNonce()));
  let sent = 0;
  while (sent < txs) {
    const batch: Promise<unknown>[] = [];
    for (let i = 0; i < 8 && sent < txs; i++, sent++) { const s = sent % 4; batch.push((registry.connect(senders[s]) as Contract).emitMany(100, { gasLimit: 5_000_000, nonce: nonces[s]++ })); }
    await Promise.all(batch); await chain.rpc('evm_mine');
  }
  await chain.rpc('evm_setAutomine', [true]);
}
(async () => {
  const fixture = buildFixtureSubgraph('bench-fixture', { solidityFrom: 'indexer-fixture' });
  const chain = await startHardhatChain();
  try {
    const registry = await deployRegistry(chain, fixture);
    await buildChain(chain, registry, 20000);
    const head = await chain.blockNumber();
    const rpc = new JsonRpcClient(chain.url);
    const hx = (n: number) => '0x' + n.toString(16);
    for (const [label, params] of [
      ['all', [{ fromBlock: '0x1', toBlock: hx(head) }]],
      ['addr', [{ fromBlock: '0x1', toBlock: hx(head), address: ['0x5fbdb2315678afecb367f032d93f642f64180aa3'] }]],
      ['addr again', [{ fromBlock: '0x1', toBlock: hx(head), address: ['0x5fbdb2315678afecb367f032d93f642f64180aa3'] }]],
    ] as const) {
      const t = performance.now(); const logs = await rpc.request<unknown[]>('eth_getLogs', params as unknown as unknown[]); console.log(label, logs.length, (performance.now() - t).toFixed(0), 'ms');
    }
    let t = performance.now();
    const calls = []; for (let n = 1; n <= head; n++) calls.push({ method: 'eth_getLogs', params: [{ fromBlock: hx(n), toBlock: hx(n) }] });
    let res = await rpc.batch<unknown[]>(calls); console.log('per-block batch', res.reduce((a, r) => a + (r as unknown[]).length, 0), (performance.now() - t).toFixed(0), 'ms');
    t = performance.now();
    const r2 = await Promise.all(calls.map((c) => rpc.request<unknown[]>(c.method, c.params))); console.log('per-block parallel', r2.reduce((a, r) => a + r.length, 0), (performance.now() - t).toFixed(0), 'ms');
    t = performance.now();
    const blocks = await rpc.batch<{ transactions: string[] }>(Array.from({ length: head }, (_, i) => ({ method: 'eth_getBlockByNumber', params: [hx(i + 1), false] })));
    const hashes = blocks.flatMap((b) => (b as { transactions: string[] }).transactions);
    const receipts = await rpc.batch<{ logs: unknown[] }>(hashes.map((h) => ({ method: 'eth_getTransactionReceipt', params: [h] })));
    console.log('receipts', receipts.reduce((a, r) => a + (r as { logs: unknown[] }).logs.length, 0), (performance.now() - t).toFixed(0), 'ms');
    t = performance.now();
    try { const br = await rpc.batch<unknown[]>(Array.from({ length: head }, (_, i) => ({ method: 'eth_getBlockReceipts', params: [hx(i + 1)] }))); console.log('blockReceipts', JSON.stringify(br[5]).slice(0, 100), (performance.now() - t).toFixed(0), 'ms'); } catch (e) { console.log('blockReceipts failed', String(e)); }
  } finally { await chain.stop(); }
})();
