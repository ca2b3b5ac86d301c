/**
 * The local node's life cycle: progress reports while catching up, a restart that resumes from the
 * persisted store with its dynamic data sources, and the command line entry point.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Contract } from 'ethers';
import { IndexingFailedError, startLocalNode, type NodeLogger } from '../../../subgraph/local-node';
import { createQueryApi } from '../../../subgraph/local-node/graphql';
import { buildFixtureSubgraph, type BuiltFixture } from './support/fixture-subgraph';
import { freePort, startHardhatChain, type HardhatChain } from './support/hardhat-chain';
import { childAddress, childContract, deployRegistry, mined } from './support/registry-scenario';

jest.setTimeout(180_000);

const REPO_ROOT = path.resolve(__dirname, '../../..');

function recordingLogger(): NodeLogger & { lines: string[] } {
  const lines: string[] = [];
  const keep = (level: string) => (message: string) => {
    lines.push(`${level} ${message}`);
  };
  return { lines, debug: keep('debug'), info: keep('info'), warn: keep('warn'), error: keep('error') };
}

describe('local subgraph node: life cycle', () => {
  let fixture: BuiltFixture;
  let chain: HardhatChain;
  let registry: Contract;
  let dataDir: string;

  beforeAll(async () => {
    fixture = buildFixtureSubgraph('indexer-fixture');
    chain = await startHardhatChain();
    registry = await deployRegistry(chain, fixture);
    await mined(registry.createItem(2, 'first', '0x01', 1));
    await mined(registry.createChild('restarted', true));
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'local-node-data-'));
  });

  afterAll(async () => {
    await chain?.stop();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('reports progress, then resumes after a restart with its dynamic data sources', async () => {
    const firstRun = recordingLogger();
    const head = await chain.blockNumber();
    let node = await startLocalNode({ build: fixture.buildDir, rpcUrl: chain.url, name: 'restart', dataDir, logger: firstRun, progressIntervalMs: 0, pollIntervalMs: 50 });
    await node.waitForBlock(head);
    expect(firstRun.lines).toContain('info indexing restart from block 1');
    expect(firstRun.lines.some((line) => /^info indexed block \d+ of \d+ \(\d+(\.\d)?%\), \d+ events, \d+ events\/s$/.test(line))).toBe(true);
    expect(node.store.dataSources()).toHaveLength(1);
    await node.stop();

    // While the node is down: a ping on the child created before, and a new item.
    const child = await childContract(chain, fixture, childAddress(1), 1);
    const pingBlock = await mined(child.ping(21));
    const itemBlock = await mined(registry.createItem(3, 'second', '0x02', 2));

    const secondRun = recordingLogger();
    node = await startLocalNode({ build: fixture.buildDir, rpcUrl: chain.url, name: 'restart', dataDir, logger: secondRun, pollIntervalMs: 50 });
    try {
      expect(secondRun.lines).toContain(`info resuming restart after block ${head}`);
      await node.waitForBlock(itemBlock);
      const { data } = createQueryApi({ store: node.store, deployment: 'test' }).execute({
        query: '{ childs { id total contextLabel pings { value } } items(orderBy: blockNumber) { name } }',
      });
      expect(data).toEqual({
        childs: [{ id: childAddress(1).toLowerCase(), total: '21', contextLabel: 'restarted', pings: [{ value: '21' }] }],
        items: [{ name: 'first' }, { name: 'second' }],
      });
      expect(node.status().block!.number).toBeGreaterThanOrEqual(Math.max(pingBlock, itemBlock));
      expect(node.store.dataSources()).toHaveLength(1);
    } finally {
      await node.stop();
    }
  });

  it('runs from the command line and serves the query API until stopped', async () => {
    const port = await freePort();
    const head = await chain.blockNumber();
    const child = spawn(
      process.execPath,
      ['-r', 'ts-node/register/transpile-only', path.join(REPO_ROOT, 'subgraph/local-node/cli.ts'), fixture.buildDir, '--rpc', chain.url, '--name', 'cli-fixture', '--port', String(port)],
      { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, TS_NODE_PROJECT: path.join(REPO_ROOT, 'tsconfig.json') } },
    );
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      const url = `http://127.0.0.1:${port}/subgraphs/name/cli-fixture`;
      const deadline = Date.now() + 90_000;
      let indexed = -1;
      while (indexed < head) {
        if (Date.now() > deadline) throw new Error(`the CLI did not index block ${head} in time:\n${stderr}`);
        if (child.exitCode !== null) throw new Error(`the CLI exited with ${child.exitCode}:\n${stderr}`);
        try {
          const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ _meta { block { number } } }' }) });
          const body = (await response.json()) as { data?: { _meta: { block: { number: number } } } };
          indexed = body.data?._meta.block.number ?? -1;
        } catch {
          // not serving yet
        }
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
      expect(stderr).toContain(`serving GraphQL at ${url}`);
    } finally {
      if (child.exitCode === null) process.kill(child.pid!, 'SIGTERM');
    }
    expect(await exited).toBe(0);
  });

  it('stops with an indexing error when the store refuses an entity a mapping saves', async () => {
    const boomBlock = await mined(registry.boom(0));
    const node = await startLocalNode({ build: fixture.buildDir, rpcUrl: chain.url, name: 'refused', logger: recordingLogger(), pollIntervalMs: 50 });
    try {
      await expect(node.waitForBlock(boomBlock)).rejects.toThrow(IndexingFailedError);
      const error = node.store.indexingError()!;
      expect(error.handler).toBe('Registry.handleBoom');
      expect(error.block.number).toBe(boomBlock);
      expect(error.message).toMatch(/^Entity Item\[0x[0-9a-f]{64}\]: missing value for non-nullable field `\w+`$/);
      expect(node.store.latestBlock()!.number).toBe(boomBlock - 1);
    } finally {
      await node.stop();
    }
  });
});
