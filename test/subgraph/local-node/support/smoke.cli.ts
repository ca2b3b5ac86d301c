// Manual smoke run: builds the fixture, starts a chain, runs a few transactions and indexes them.
import { buildFixtureSubgraph } from './fixture-subgraph';
import { startHardhatChain } from './hardhat-chain';
import { deployRegistry, mined, childAddress, childContract } from './registry-scenario';
import { startLocalNode, consoleLogger } from '../../../../subgraph/local-node';
import { createQueryApi } from '../../../../subgraph/local-node/graphql';

(async () => {
  const fixture = buildFixtureSubgraph('indexer-fixture');
  const chain = await startHardhatChain();
  try {
    const registry = await deployRegistry(chain, fixture);
    const r1 = registry.connect(await chain.signer(1)) as typeof registry;
    await mined(r1.createItem(1, '{"a":12345678901234567890,"b":["x",true,3,null]}', '0x0102', 5));
    await mined(registry.createItem(7, 'plain', '0x', -3));
    await mined(registry.tag('0x' + '11'.repeat(32), await (await chain.signer(1)).getAddress(), true, [1, 2, 3]));
    await mined(registry.createChild('alpha', false));
    await mined(registry.createChild('beta', true));
    const a = await childContract(chain, fixture, childAddress(1), 2);
    await mined(a.ping(10));
    const last = await chain.blockNumber();
    const node = await startLocalNode({ build: fixture.buildDir, rpcUrl: chain.url, name: 'fixture', logger: consoleLogger({ debug: true }) });
    await node.waitForBlock(last, 30000);
    const api = createQueryApi({ store: node.store, deployment: 'x' });
    const res = api.execute({ query: '{ items(orderBy: blockNumber) { id owner kind name data dataHash delta kindThirds kindMath dataHex dataBase58 jsonA jsonB jsonOk receiptStatus receiptLogCount receiptGasUsed txFrom txNonce blockNumber logIndex itemsAtBlock positiveDelta } specialItems { id kind } tags { tag item flag scores hasReceipt } owners { id itemCount tagCount kindSum } childs { id label withContext contextLabel contextBlock total totalAtBlock failReverted network pings { value pingCountBefore } } blockTicks(orderBy: number) { id handler number } }' });
    console.log(JSON.stringify(res, null, 1));
    console.log(node.status());
    await node.stop();
  } finally {
    await chain.stop();
  }
})().catch((e) => { console.error(e); process.exit(1); });
