/**
 * The local subgraph node indexes a real subgraph built by graph-cli (test/subgraph/fixtures/
 * indexer-fixture) from a Hardhat chain: event handlers with topic filters and receipts, block
 * handlers (once, polling), templates created with create/createWithContext (also mid-block),
 * ethereum.call (one reverting), and the bigInt/bigDecimal/typeConversion/json/crypto host calls.
 * Then a reorg, and a mapping abort.
 */
import fs from 'node:fs';
import path from 'node:path';
import { encodeBase58, keccak256, type Contract, type TransactionReceipt } from 'ethers';
import { IndexingFailedError, silentLogger, startLocalNode, type LocalNode } from '../../../subgraph/local-node';
import { createQueryApi } from '../../../subgraph/local-node/graphql';
import { buildFixtureSubgraph, type BuiltFixture } from './support/fixture-subgraph';
import { startHardhatChain, type HardhatChain } from './support/hardhat-chain';
import { childAddress, childContract, deployRegistry, REGISTRY_ADDRESS } from './support/registry-scenario';

const FULL_QUERY = `{
  items(orderBy: blockNumber) { id owner kind name data dataHash delta kindThirds kindMath dataHex dataBase58
    jsonA jsonB jsonOk receiptStatus receiptLogCount receiptGasUsed txFrom txNonce blockNumber blockTimestamp logIndex
    itemsAtBlock positiveDelta }
  specialItems(orderBy: id) { id kind }
  tags(orderBy: tag) { id tag item flag scores hasReceipt itemHasCode itemBalance ownerInBlockBefore ownerInBlockAfter }
  owners(orderBy: id) { id itemCount tagCount kindSum }
  childs(orderBy: label) { id label withContext contextLabel contextBlock total totalAtBlock failReverted network
    pings(orderBy: value) { id from value pingCountBefore } }
  blockTicks(orderBy: number, first: 1000) { id handler number hash }
}`;

type Row = Record<string, unknown>;

function query(node: LocalNode, text: string): Record<string, Row[]> {
  const response = createQueryApi({ store: node.store, deployment: 'test' }).execute({ query: text });
  if (response.errors) throw new Error(JSON.stringify(response.errors));
  return response.data as Record<string, Row[]>;
}

const eventId = (receipt: TransactionReceipt, logIndex: number): string => {
  const le = Buffer.alloc(4);
  le.writeInt32LE(logIndex);
  return receipt.hash + le.toString('hex');
};

// Builds the fixture with graph-cli on a cold cache and starts a chain: allow for a slow CI machine.
jest.setTimeout(180_000);

describe('local subgraph node: indexing', () => {
  let fixture: BuiltFixture;
  let chain: HardhatChain;
  let node: LocalNode;
  let registry: Contract;
  const receipts: Record<string, TransactionReceipt> = {};
  let accounts: string[];

  const send = async (label: string, tx: Promise<{ wait(): Promise<TransactionReceipt | null> }>): Promise<TransactionReceipt> => {
    const receipt = (await (await tx).wait())!;
    receipts[label] = receipt;
    return receipt;
  };

  beforeAll(async () => {
    fixture = buildFixtureSubgraph('indexer-fixture');
    chain = await startHardhatChain();
    accounts = await Promise.all([0, 1, 2].map(async (i) => (await chain.signer(i)).getAddress()));
    registry = await deployRegistry(chain, fixture);
    const asOne = registry.connect(await chain.signer(1)) as Contract;
    await send('item1', asOne.createItem(1, '{"a":12345678901234567890,"b":["x",true,3,null]}', '0x0102', 5));
    await send('item7', registry.createItem(7, 'plain', '0x', -3));
    await send('tag', registry.tag(`0x${'11'.repeat(32)}`, accounts[1], true, [1, 2, 3]));
    // Unflagged: the handler creates the tagged owner (a contract) and removes it again.
    await send('untag', registry.tag(`0x${'22'.repeat(32)}`, REGISTRY_ADDRESS, false, []));
    await send('alpha', registry.createChild('alpha', false));
    await send('beta', registry.createChild('beta', true));
    await send('pingAlpha', (await childContract(chain, fixture, childAddress(1), 2)).ping(10));
    await send('pingBeta', (await childContract(chain, fixture, childAddress(2), 1)).ping(5));
    await send('pingAlpha2', (await childContract(chain, fixture, childAddress(1), 1)).ping(3));
    // A child created and pinged in the same block: the new data source sees that block's ping.
    await chain.rpc('evm_setAutomine', [false]);
    const gammaTx = await registry.createChild('gamma', false);
    const gamma = await childContract(chain, fixture, childAddress(3), 2);
    const gammaPingTx = await gamma.ping(4, { gasLimit: 200_000 });
    await chain.rpc('evm_mine');
    await chain.rpc('evm_setAutomine', [true]);
    receipts.gamma = (await gammaTx.wait())!;
    receipts.pingGamma = (await gammaPingTx.wait())!;
    expect(receipts.pingGamma.blockNumber).toBe(receipts.gamma.blockNumber);
    node = await startLocalNode({ build: fixture.buildDir, rpcUrl: chain.url, name: 'fixture', logger: silentLogger, pollIntervalMs: 50 });
    await node.waitForBlock(await chain.blockNumber());
  });

  afterAll(async () => {
    await node?.stop();
    await chain?.stop();
  });

  it('runs event handlers with receipts, topic filters, eth_calls and the numeric, JSON and crypto host functions', async () => {
    const data = query(node, FULL_QUERY);
    const block = async (n: number) => (await chain.provider.getBlock(n))!;
    const item1 = receipts.item1;
    const item7 = receipts.item7;
    expect(data.items).toEqual([
      {
        id: eventId(item1, 0),
        owner: accounts[1].toLowerCase(),
        kind: '1',
        name: '{"a":12345678901234567890,"b":["x",true,3,null]}',
        data: '0x0102',
        dataHash: keccak256('0x0102'),
        delta: '5',
        kindThirds: '0.3333333333333333333333333333333333',
        kindMath: '11',
        dataHex: '0x0102',
        dataBase58: encodeBase58('0x0102'),
        jsonA: '12345678901234567890',
        jsonB: ['x', 'true', '3', 'null'],
        jsonOk: true,
        receiptStatus: '1',
        receiptLogCount: 1,
        receiptGasUsed: item1.gasUsed.toString(),
        txFrom: accounts[1].toLowerCase(),
        txNonce: '0',
        blockNumber: String(item1.blockNumber),
        blockTimestamp: String((await block(item1.blockNumber)).timestamp),
        logIndex: '0',
        itemsAtBlock: '1',
        positiveDelta: '5',
      },
      {
        id: eventId(item7, 0),
        owner: accounts[0].toLowerCase(),
        kind: '7',
        name: 'plain',
        data: '0x',
        dataHash: keccak256('0x'),
        delta: '-3',
        kindThirds: '2.333333333333333333333333333333333',
        kindMath: '197',
        dataHex: '0x',
        dataBase58: '',
        jsonA: null,
        jsonB: null,
        jsonOk: false,
        receiptStatus: '1',
        receiptLogCount: 1,
        receiptGasUsed: item7.gasUsed.toString(),
        txFrom: accounts[0].toLowerCase(),
        txNonce: '1',
        blockNumber: String(item7.blockNumber),
        blockTimestamp: String((await block(item7.blockNumber)).timestamp),
        logIndex: '0',
        itemsAtBlock: '2',
        // requirePositive(-3) reverts: the try_ call reports it and the field stays null.
        positiveDelta: null,
      },
    ]);
    // Only the kind-7 item passes the handler's topic2 filter.
    expect(data.specialItems).toEqual([{ id: eventId(item7, 0), kind: '7' }]);
    const balanceAt = async (address: string, block: number) => (await chain.provider.getBalance(address, block)).toString();
    expect(data.tags).toEqual([
      {
        id: eventId(receipts.tag, 0),
        tag: `0x${'11'.repeat(32)}`,
        item: accounts[1].toLowerCase(),
        flag: true,
        scores: [1, 2, 3],
        hasReceipt: false,
        itemHasCode: false,
        itemBalance: await balanceAt(accounts[1], receipts.tag.blockNumber),
        // The owner was saved in an earlier block: get_in_block does not see it, until saved here.
        ownerInBlockBefore: false,
        ownerInBlockAfter: true,
      },
      {
        id: eventId(receipts.untag, 0),
        tag: `0x${'22'.repeat(32)}`,
        item: REGISTRY_ADDRESS.toLowerCase(),
        flag: false,
        scores: [],
        hasReceipt: false,
        itemHasCode: true,
        itemBalance: '0',
        ownerInBlockBefore: false,
        ownerInBlockAfter: true,
      },
    ]);
    expect(BigInt(data.tags[0].itemBalance as string)).toBeGreaterThan(0n);
    // The owner created for the unflagged tag was removed in the same handler.
    expect(data.owners).toEqual(
      [
        { id: accounts[0].toLowerCase(), itemCount: 1, tagCount: 0, kindSum: '7' },
        { id: accounts[1].toLowerCase(), itemCount: 1, tagCount: 1, kindSum: '1' },
      ].sort((a, b) => a.id.localeCompare(b.id)),
    );
  });

  it('creates data sources from templates, with and without context, and indexes the creating block for them', () => {
    const data = query(node, FULL_QUERY);
    const ping = (label: string, from: string, value: string, before: number) => ({
      id: eventId(receipts[label], receipts[label].logs[receipts[label].logs.length - 1].index),
      from: from.toLowerCase(),
      value,
      pingCountBefore: before,
    });
    expect(data.childs).toEqual([
      {
        id: childAddress(1).toLowerCase(),
        label: 'alpha',
        withContext: false,
        contextLabel: null,
        contextBlock: null,
        total: '13',
        totalAtBlock: '13',
        failReverted: true,
        network: 'hardhat',
        pings: [ping('pingAlpha', accounts[2], '10', 0), ping('pingAlpha2', accounts[1], '3', 1)].sort((a, b) => Number(a.value) - Number(b.value)),
      },
      {
        id: childAddress(2).toLowerCase(),
        label: 'beta',
        withContext: true,
        contextLabel: 'beta',
        contextBlock: String(receipts.beta.blockNumber),
        total: '5',
        totalAtBlock: '5',
        failReverted: true,
        network: 'hardhat',
        pings: [ping('pingBeta', accounts[1], '5', 0)],
      },
      {
        id: childAddress(3).toLowerCase(),
        label: 'gamma',
        withContext: false,
        contextLabel: null,
        contextBlock: null,
        total: '4',
        totalAtBlock: '4',
        failReverted: true,
        network: 'hardhat',
        pings: [ping('pingGamma', accounts[2], '4', 0)],
      },
    ]);
    expect(node.store.dataSources().map((ds) => [ds.template, ds.params[0], ds.createdAtBlock])).toEqual([
      ['Child', childAddress(1).toLowerCase(), receipts.alpha.blockNumber],
      ['Child', childAddress(2).toLowerCase(), receipts.beta.blockNumber],
      ['Child', childAddress(3).toLowerCase(), receipts.gamma.blockNumber],
    ]);
  });

  it('runs the once block handler at the start block and the polling one every third block', async () => {
    const head = node.status().block!.number;
    const ticks = query(node, FULL_QUERY).blockTicks;
    const expected: Row[] = [];
    for (let n = 1; n <= head; n++) {
      const hash = (await chain.provider.getBlock(n))!.hash;
      if (n === 1) expected.push({ id: 'once-1', handler: 'once', number: '1', hash });
      if ((n - 1) % 3 === 0) expected.push({ id: `polling-${n}`, handler: 'polling', number: String(n), hash });
    }
    expect(ticks).toEqual(expected);
  });

  it('detects a reorg by parent hash, reverts and re-indexes to the same state as a fresh index', async () => {
    const before = await chain.blockNumber();
    const snapshot = await chain.rpc<string>('evm_snapshot');
    // The abandoned branch: an item, and a child (a dynamic data source) that gets pinged.
    await send('doomed', registry.createItem(3, 'doomed', '0xdead', 1));
    await send('doomedChild', registry.createChild('doomed', false));
    await send('doomedPing', (await childContract(chain, fixture, childAddress(4), 1)).ping(99));
    await node.waitForBlock(before + 3);
    expect(query(node, '{ items(where: { name: "doomed" }) { name } }').items).toEqual([{ name: 'doomed' }]);
    expect(query(node, '{ childs(where: { label: "doomed" }) { total } }').childs).toEqual([{ total: '99' }]);
    expect(node.store.dataSources()).toHaveLength(4);

    // The new branch is longer than the abandoned one, and forks three blocks deep.
    await chain.rpc('evm_revert', [snapshot]);
    await send('replacement', registry.createItem(4, 'replacement', '0xbeef', 2));
    for (let i = 0; i < 3; i++) await chain.rpc('evm_mine');
    const head = await chain.blockNumber();
    const headHash = (await chain.provider.getBlock(head))!.hash;
    await node.waitForBlock(head);
    expect(node.status().block!.hash).toBe(headHash);
    const reorged = query(node, FULL_QUERY);
    expect(node.store.dataSources()).toHaveLength(3);
    expect(reorged.childs.map((c) => c.label)).toEqual(['alpha', 'beta', 'gamma']);
    expect(reorged.items.map((i) => i.name)).toEqual([
      '{"a":12345678901234567890,"b":["x",true,3,null]}',
      'plain',
      'replacement',
    ]);

    const fresh = await startLocalNode({ build: fixture.buildDir, rpcUrl: chain.url, name: 'fresh', logger: silentLogger, pollIntervalMs: 50 });
    try {
      await fresh.waitForBlock(head);
      expect(reorged).toEqual(query(fresh, FULL_QUERY));
    } finally {
      await fresh.stop();
    }
  });

  it('stops on a mapping abort and reports the message, the file and the line as an indexing error', async () => {
    const source = fs.readFileSync(path.join(fixture.dir, 'src', 'registry.ts'), 'utf8').split('\n');
    const line = source.findIndex((l) => l.includes("assert(event.params.code.isZero()")) + 1;
    const boom = await send('boom', registry.boom(5));
    await expect(node.waitForBlock(boom.blockNumber)).rejects.toThrow(IndexingFailedError);
    const error = node.store.indexingError()!;
    expect(error.message).toMatch(new RegExp(`^Mapping aborted at src/registry\\.ts, line ${line}, column \\d+, with message: boom with code 5$`));
    expect(error.location).toMatch(new RegExp(`^src/registry\\.ts, line ${line}, column \\d+$`));
    expect(error.handler).toBe('Registry.handleBoom');
    expect(error.block.number).toBe(boom.blockNumber);
    // Nothing of the failed block was committed.
    expect(node.store.latestBlock()!.number).toBe(boom.blockNumber - 1);
    expect(node.status().error).toEqual(error);
    expect(REGISTRY_ADDRESS).toBe(await registry.getAddress());
  });
});

