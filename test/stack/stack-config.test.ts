/**
 * `npm start`'s settings: embedded defaults with no environment, each component replaceable by URL,
 * and configuration mistakes refused with the variable's name and what to do.
 */
import path from 'node:path';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { REPO_ROOT } from '../../api/src/config';
import { BuildStamp, hashInputs } from '../../stack/process/build-cache';
import { buildSummaryLine } from '../../stack/process/run-command';
import { loadStackConfig } from '../../stack/stack-config';

describe('loadStackConfig', () => {
  test('with no environment, everything is embedded on the documented ports', () => {
    expect(loadStackConfig({}, [])).toEqual({
      rpcUrl: undefined,
      chainPort: 8545,
      network: 'localhost',
      deployerKey: undefined,
      subgraphUrl: undefined,
      subgraphPort: 8000,
      indexNodePort: 8030,
      graphAdminPort: 8020,
      graphMetricsPort: 8040,
      postgresPort: 0,
      graphNodePostgresUrl: undefined,
      subgraphName: 'health-records',
      mongodbUri: undefined,
      apiPort: 4000,
      webPort: 3000,
      host: '127.0.0.1',
      publicUrl: undefined,
      dataDir: path.join(REPO_ROOT, '.data'),
      demo: true,
      fresh: false,
      graphNodeStallSeconds: 60,
    });
  });

  test('URLs point the stack at existing parts; --no-demo skips the demo data', () => {
    const config = loadStackConfig(
      { RPC_URL: 'https://rpc.example.org', SUBGRAPH_URL: 'https://graph.example.org/subgraphs/name/hr', MONGODB_URI: 'mongodb+srv://db.example.org/hr', API_PORT: '4100' },
      ['--no-demo'],
    );
    expect(config).toMatchObject({
      rpcUrl: 'https://rpc.example.org',
      subgraphUrl: 'https://graph.example.org/subgraphs/name/hr',
      mongodbUri: 'mongodb+srv://db.example.org/hr',
      apiPort: 4100,
      demo: false,
    });
    expect(loadStackConfig({}, ['--fresh']).fresh).toBe(true);
  });

  test('mistakes are refused with the variable and the fix', () => {
    expect(() => loadStackConfig({ API_PORT: '70000' }, [])).toThrow('API_PORT="70000" is not a TCP port (0 to 65535); unset it to use 4000.');
    expect(() => loadStackConfig({ RPC_URL: 'localhost:8545' }, [])).toThrow(/RPC_URL has an unsupported scheme localhost:/);
    expect(() => loadStackConfig({ MONGODB_URI: 'http://db' }, [])).toThrow('MONGODB_URI must start with mongodb:// or mongodb+srv://.');
    expect(() => loadStackConfig({ GRAPH_NODE_STALL_SECONDS: '2' }, [])).toThrow('GRAPH_NODE_STALL_SECONDS="2" is not a whole number of seconds of at least 5; unset it to use 60.');
    expect(() => loadStackConfig({ DEPLOYER_PRIVATE_KEY: '0x1234' }, [])).toThrow('DEPLOYER_PRIVATE_KEY must be 0x followed by 64 hex digits.');
    // Every bad setting is named at once.
    expect(() => loadStackConfig({ API_PORT: '70000', DEPLOYER_PRIVATE_KEY: '0x1234' }, [])).toThrow(
      'DEPLOYER_PRIVATE_KEY must be 0x followed by 64 hex digits.\nAPI_PORT="70000" is not a TCP port (0 to 65535); unset it to use 4000.',
    );
    expect(() => loadStackConfig({}, ['--demo-data'])).toThrow(
      'Unknown option --demo-data. `npm start` accepts `-- --no-demo` (skip the demo data) and `-- --fresh` (delete the kept chain, index and database first).',
    );
  });
});

describe('build stamps', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'stamps-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  test('a build is due exactly when an input changed since the recorded success', async () => {
    await writeFile(path.join(dir, 'a.txt'), 'one');
    const stamp = new BuildStamp(path.join(dir, 'stamps', 'x.sha256'));
    const first = await hashInputs(dir, ['a.txt']);
    expect(await stamp.matches(first)).toBe(false);
    await stamp.record(first);
    expect(await stamp.matches(await hashInputs(dir, ['a.txt']))).toBe(true);
    await writeFile(path.join(dir, 'a.txt'), 'two');
    expect(await stamp.matches(await hashInputs(dir, ['a.txt']))).toBe(false);
  });

  test("build output keeps each step's result and drops per-file chatter", () => {
    expect(buildSummaryLine('\u001b[32m✔\u001b[39m Compile subgraph')).toBe('✔ Compile subgraph');
    expect(buildSummaryLine('  \u001b[90mLoad contract ABI from x.json\u001b[39m')).toBeUndefined();
    expect(buildSummaryLine('✖ Failed to compile subgraph')).toBe('✖ Failed to compile subgraph');
  });
});
