/**
 * The stack `npm start` runs keeps its data across restarts: the chain's state, graph-node's index,
 * FerretDB's documents and the session secret stay in the data folder, so a second start resumes them
 * (seeds nothing, and a signed-in user stays signed in),
 * a folder made with another chain is refused, and `--fresh` starts over. Real processes throughout:
 * anvil, graph-node on the run's shared PostgreSQL (test/global-setup.ts), FerretDB, the API, the web
 * server.
 */
import { readFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ApiClient } from '../../stack/demo/api-client';
import { blockHash, currentBlock } from '../../stack/chain/chain-status';
import { testWallet } from '../../stack/chain/demo-accounts';
import { quietProgress } from '../../stack/progress';
import { loadStackConfig } from '../../stack/stack-config';
import { startStack, type RunningStack } from '../../stack/launcher';
import { testStackEnvironment } from '../fixtures/stack-env';

jest.setTimeout(600_000);

const ALICE = testWallet(4);
const PATIENT = `query($address: Address!) {
  patient(address: $address) {
    profile { displayName email }
    records(first: 50) { nodes { id category version content } }
    consentsGiven(first: 50) { nodes { id grantee scope purpose active } }
  }
}`;

let dataDir: string;
let running: RunningStack | undefined;
const progress: string[] = [];

async function start(argv: string[] = []): Promise<{ stack: RunningStack; ms: number }> {
  progress.length = 0;
  const config = loadStackConfig(testStackEnvironment(dataDir), argv);
  const started = Date.now();
  try {
    running = await startStack({ config, progress: quietProgress(progress), reuseBuilds: true });
  } catch (error) {
    (error as Error).message += `\nProgress:\n${progress.join('\n')}`;
    throw error;
  }
  return { stack: running, ms: Date.now() - started };
}

async function stop(): Promise<void> {
  const stack = running;
  running = undefined;
  await stack?.stop();
  for (const pid of stack?.pids ?? []) expect(() => process.kill(pid, 0)).toThrow();
}

async function aliceSees(stack: RunningStack) {
  const alice = await new ApiClient(stack.urls.web).signIn(ALICE);
  return (await alice.data<{ patient: unknown }>(PATIENT, { address: ALICE.address })).patient;
}

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'health-records-restart-'));
});

afterAll(async () => {
  await stop();
  await rm(dataDir, { recursive: true, force: true });
});

describe('npm start on a kept data folder', () => {
  let seen: unknown;
  let head: number;
  let headHash: string;
  let fresh: { ms: number };

  test('a restart resumes chain, index, database and demo as the last run left them', async () => {
    const first = await start();
    fresh = first;
    expect(first.stack.kept).toBe(false);
    expect(progress).toContain('▸ Demo data');
    // A write of this run, through the API, on top of the seeded demo.
    const alice = await new ApiClient(first.stack.urls.web).signIn(ALICE);
    await alice.data('mutation($input: PatientProfileInput!) { updatePatientProfile(input: $input) { displayName } }', {
      input: { displayName: 'Alice (before the restart)', email: 'alice@example.org' },
    });
    seen = await aliceSees(first.stack);
    const signedIn = alice.cookie;
    expect(seen).toMatchObject({
      profile: { displayName: 'Alice (before the restart)' },
      records: { nodes: expect.arrayContaining([expect.objectContaining({ content: expect.objectContaining({ resourceType: expect.any(String) }) })]) },
      consentsGiven: { nodes: expect.arrayContaining([expect.objectContaining({ active: true })]) },
    });
    head = await currentBlock(first.stack.urls.rpc);
    headHash = await blockHash(first.stack.urls.rpc, head);
    const deployment = first.stack.deployment;
    await stop();

    const second = await start();
    expect(second.stack.kept).toBe(true);
    expect(progress).not.toContain('▸ Demo data');
    expect(second.stack.deployment).toEqual(deployment);
    expect(await blockHash(second.stack.urls.rpc, head)).toBe(headHash);
    expect(await aliceSees(second.stack)).toEqual(seen);
    // The session secret is kept in the data folder and the sessions in the database: still signed in.
    const sameSession = new ApiClient(second.stack.urls.web);
    sameSession.cookie = signedIn;
    expect(await sameSession.data('{ me { address } }')).toEqual({ me: { address: expect.stringMatching(new RegExp(`^${ALICE.address}$`, 'i')) } });
    process.stdout.write(`restart: fresh data folder ${(fresh.ms / 1000).toFixed(1)} s (deploy, index, demo seed); kept ${(second.ms / 1000).toFixed(1)} s\n`);
    await stop();
  });

  test('a data folder made with another chain is refused, never mixed', async () => {
    const identity = path.join(dataDir, 'stack', 'chain.json');
    const recorded = await readFile(identity, 'utf8');
    await writeFile(identity, recorded.replace(/"genesisHash": "0x[0-9a-f]+"/, `"genesisHash": "0x${'11'.repeat(32)}"`));
    await expect(start()).rejects.toThrow(/holds the state of chain 31337 \(genesis block 0x1{64}\), but the chain at .* is chain 31337 \(genesis block 0x[0-9a-f]{64}\)[\s\S]*nothing in the folder was changed[\s\S]*move the folder aside \(`mv \S+ \S+\.chain-31337-11111111`\)[\s\S]*npm start -- --fresh/);
    expect(running).toBeUndefined();
  });

  test('--fresh says what it deletes and starts over with the demo', async () => {
    const { stack } = await start(['--fresh']);
    expect(progress).toContainEqual(expect.stringMatching(/deleting .*stack: .*chain\.json.*ferretdb/));
    expect(stack.kept).toBe(false);
    expect(progress).toContain('▸ Demo data');
    const now = (await aliceSees(stack)) as { profile: { displayName: string } };
    expect(now.profile.displayName).not.toBe('Alice (before the restart)');
    await stop();
  });
});
