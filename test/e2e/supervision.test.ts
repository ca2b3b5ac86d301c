/**
 * Each part the launcher supervises killed with SIGKILL in the middle of a stream of writes through the
 * API by signed-in users (profile updates, records prepared by the API and anchored by their writer,
 * consents relayed by the API): the part is restarted, the API answers again, every write the API
 * acknowledged is there afterwards, the index catches up to the chain head, and the users' sessions
 * keep working (also across a restart of the API process). Real processes throughout: anvil,
 * graph-node on its own embedded PostgreSQL (so that one can be killed too), FerretDB, the API process
 * (node dist/api/src/main.js), the web server; one stack for the whole file.
 */
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { JsonRpcProvider, NonceManager } from 'ethers';
import { ApiClient } from '../../stack/api-client';
import { currentBlock } from '../../stack/chain-status';
import { testWallet } from '../../stack/demo-accounts';
import { quietProgress } from '../../stack/progress';
import { loadStackConfig } from '../../stack/stack-config';
import { startStack, type RunningStack } from '../../stack/stack';
import { testStackEnvironment } from './support/stack-env';

jest.setTimeout(600_000);

const PATIENTS = [testWallet(4), testWallet(5)];
const PROFILE = 'mutation($input: PatientProfileInput!) { updatePatientProfile(input: $input) { displayName } }';
const PREPARE = 'mutation($input: PrepareRecordInput!) { prepareRecord(input: $input) { recordId transaction { to data } } }';
const TYPED_DATA = 'query($terms: ConsentTermsInput!) { consentTypedData(terms: $terms) { typedData deadline } }';
const RELAY = 'mutation($input: RelayConsentInput!) { relayConsent(input: $input) { consentId blockNumber } }';
const PATIENT = `query($address: String!) {
  patient(address: $address) {
    profile { displayName }
    records(first: 100) { nodes { id } }
    consentsGiven(first: 100) { nodes { id } }
  }
}`;

let dataDir: string;
let stack: RunningStack;
const progress: string[] = [];
let provider: JsonRpcProvider;

/** What the API acknowledged, per patient. */
const acknowledged = PATIENTS.map(() => ({ displayName: '', records: [] as string[], consents: [] as string[] }));
let clients: ApiClient[];
let signers: NonceManager[];
let writes = 0;

// The stream writes as fast as the API answers; at the default 60 mutations a minute per session it
// would spend most of each test waiting out RATE_LIMITED (the limit has its own tests). The API process
// takes its environment from this one.
const rateLimit = process.env.MUTATION_RATE_LIMIT;

beforeAll(async () => {
  process.env.MUTATION_RATE_LIMIT = '100000';
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'health-records-kill-'));
  // graph-node's PostgreSQL runs as an unprivileged user when the tests run as root: it must reach its folder.
  await chmod(dataDir, 0o755);
  // No GRAPH_NODE_POSTGRES_URL: this stack runs its own PostgreSQL, as `npm start` does.
  const { GRAPH_NODE_POSTGRES_URL: _shared, ...shared } = testStackEnvironment(dataDir);
  // A short stall limit, for the hung graph-node below.
  const env = { ...shared, GRAPH_NODE_STALL_SECONDS: '10' };
  try {
    stack = await startStack({ config: loadStackConfig(env, ['--no-demo']), progress: quietProgress(progress), reuseBuilds: true });
  } catch (error) {
    (error as Error).message += `\nProgress:\n${progress.join('\n')}`;
    throw error;
  }
  provider = new JsonRpcProvider(stack.urls.rpc, stack.chainId, { staticNetwork: true });
  signers = PATIENTS.map((wallet) => new NonceManager(wallet.connect(provider)));
  clients = await Promise.all(PATIENTS.map((wallet) => new ApiClient(stack.urls.web).signIn(wallet)));
}, 600_000);

afterAll(async () => {
  provider?.destroy();
  await stack?.stop();
  for (const pid of stack?.pids ?? []) expect(() => process.kill(pid, 0)).toThrow();
  await rm(dataDir, { recursive: true, force: true });
  if (rateLimit === undefined) delete process.env.MUTATION_RATE_LIMIT;
  else process.env.MUTATION_RATE_LIMIT = rateLimit;
});

/** Runs `write` until it succeeds (an outage makes it fail for a while); each attempt starts the write over. */
async function untilAcknowledged<T>(write: () => Promise<T>): Promise<T> {
  const started = Date.now();
  for (;;) {
    try {
      return await write();
    } catch (error) {
      if (Date.now() - started > 180_000) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

/** One write of the stream, by patient `who`: a profile update, a record, or a relayed consent, in turn. */
async function writeOnce(who: number): Promise<void> {
  const n = writes++;
  const client = clients[who]!;
  const patient = PATIENTS[who]!.address;
  const mine = acknowledged[who]!;
  switch (n % 3) {
    case 0: {
      const displayName = `Patient ${who} write ${n}`;
      await untilAcknowledged(() => client.data(PROFILE, { input: { displayName } }));
      mine.displayName = displayName;
      return;
    }
    case 1: {
      const content = {
        resourceType: 'Observation',
        status: 'final',
        code: { coding: [{ system: 'http://loinc.org', code: '8867-4', display: 'Heart rate' }] },
        subject: { reference: `Patient/${patient.toLowerCase()}` },
        effectiveDateTime: new Date().toISOString(),
        valueQuantity: { value: 60 + (n % 40), unit: 'beats/minute', system: 'http://unitsofmeasure.org', code: '/min' },
      };
      const { prepareRecord } = await untilAcknowledged(() =>
        client.data<{ prepareRecord: { recordId: string; transaction: { to: string; data: string } } }>(PREPARE, { input: { patient, category: 'Observation', content } }),
      );
      // The writer anchors it, as the web client does with MetaMask.
      await (await signers[who]!.sendTransaction(prepareRecord.transaction)).wait();
      mine.records.push(prepareRecord.recordId);
      return;
    }
    default: {
      // A new grantee each time: every acknowledged consent is its own.
      const terms = { patient, grantee: testWallet(100 + n).address, scope: 'Observation', read: true, write: false, purpose: 'TREAT', expiresAt: new Date(Date.now() + 30 * 86_400_000).toISOString() };
      const { relayConsent } = await untilAcknowledged(async () => {
        const { consentTypedData } = await client.data<{ consentTypedData: { typedData: { domain: Record<string, unknown>; types: Record<string, { name: string; type: string }[]>; message: Record<string, unknown> }; deadline: string } }>(TYPED_DATA, { terms });
        const { EIP712Domain: _domain, ...types } = consentTypedData.typedData.types;
        const signature = await PATIENTS[who]!.signTypedData(consentTypedData.typedData.domain, types, consentTypedData.typedData.message);
        return client.data<{ relayConsent: { consentId: string } }>(RELAY, { input: { terms, deadline: consentTypedData.deadline, signature } });
      });
      mine.consents.push(relayConsent.consentId);
    }
  }
}

/** Both patients writing, one write after the other each, until `stop()`. */
function writeStream(): { stop(): Promise<void>; acknowledgedSoFar(): number } {
  let stopping = false;
  let count = 0;
  const loops = PATIENTS.map(async (_wallet, who) => {
    while (!stopping) {
      await writeOnce(who);
      count += 1;
    }
  });
  return {
    acknowledgedSoFar: () => count,
    async stop() {
      stopping = true;
      await Promise.all(loops);
    },
  };
}

async function until(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 180_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await Promise.resolve(check()).catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs / 1000} s.\nProgress:\n${progress.slice(-40).join('\n')}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function subgraphBlock(): Promise<number> {
  const response = await fetch(stack.urls.subgraph, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ _meta { block { number } } }' }) });
  const body = (await response.json()) as { data?: { _meta: { block: { number: number } } } };
  return body.data?._meta.block.number ?? -1;
}

/** Every acknowledged write is there, read back through the API (profile from the database, records and consents through the index). */
async function expectEveryAcknowledgedWrite(): Promise<void> {
  const head = await currentBlock(stack.urls.rpc);
  await until('the index reaching the chain head', async () => (await subgraphBlock()) >= head);
  for (const [who, wallet] of PATIENTS.entries()) {
    const seen = await clients[who]!.data<{ patient: { profile: { displayName: string }; records: { nodes: { id: string }[] }; consentsGiven: { nodes: { id: string }[] } } }>(PATIENT, { address: wallet.address });
    const mine = acknowledged[who]!;
    if (mine.displayName) expect(seen.patient.profile.displayName).toBe(mine.displayName);
    expect(seen.patient.records.nodes.map((node) => node.id)).toEqual(expect.arrayContaining(mine.records));
    expect(seen.patient.consentsGiven.nodes.map((node) => node.id)).toEqual(expect.arrayContaining(mine.consents));
  }
}

/**
 * The API answering again: `/readyz` ready (database, chain and graph-node answer) and a signed-in read
 * that needs the database and the index.
 */
async function untilAnswering(): Promise<void> {
  await until('the API answering again', async () => {
    const readiness = await fetch(`${stack.urls.web}/readyz`);
    if (!readiness.ok) return false;
    await clients[0]!.data(PATIENT, { address: PATIENTS[0]!.address });
    return true;
  });
}

const pidOf = (name: string) => stack.parts.find((part) => part.name === name)?.pid;

describe.each([
  { part: 'FerretDB (the database)', label: 'FerretDB' },
  { part: 'graph-node', label: 'graph-node' },
  { part: "PostgreSQL (graph-node's store)", label: 'PostgreSQL' },
  { part: 'the API process', label: 'API' },
])('$label killed with SIGKILL during writes', ({ part, label }) => {
  test('is restarted; every acknowledged write is there and the index catches up', async () => {
    const killed = pidOf(part);
    expect(killed).toBeDefined();
    const stream = writeStream();
    await until('a few writes before the kill', () => stream.acknowledgedSoFar() >= 3);

    const before = stream.acknowledgedSoFar();
    const killedAt = Date.now();
    process.kill(killed!, 'SIGKILL');
    await until(`${part} restarted`, () => pidOf(part) !== undefined && pidOf(part) !== killed);
    await untilAnswering();
    console.log(`recovery ${label}: ${Date.now() - killedAt} ms`);
    await until('writes acknowledged after the restart', () => stream.acknowledgedSoFar() >= before + 4);
    await stream.stop();

    expect(progress).toContainEqual(expect.stringContaining(`(pid ${killed}) exited: SIGKILL`));
    expect(progress).toContainEqual(expect.stringMatching(new RegExp(`${part.replace(/[()]/g, '\\$&')} is back \\(pid \\d+\\)`)));
    await expectEveryAcknowledgedWrite();
  });
});

test('graph-node hung (SIGSTOP) while the chain moves on is restarted after GRAPH_NODE_STALL_SECONDS, and the index catches up', async () => {
  const hung = pidOf('graph-node')!;
  process.kill(hung, 'SIGSTOP');
  try {
    await provider.send('evm_mine', []);
    await until('the hung graph-node replaced', () => pidOf('graph-node') !== hung, 120_000);
  } finally {
    // Only if it is still there (the supervisor kills a process that ignores SIGINT).
    try {
      process.kill(hung, 'SIGCONT');
    } catch {
      // already gone
    }
  }
  expect(progress).toContainEqual(expect.stringMatching(new RegExp(`graph-node \\(pid ${hung}\\) was stopped to be restarted: its status API has not answered for 10 s`)));
  await untilAnswering();
  const head = await currentBlock(stack.urls.rpc);
  await until('the index reaching the chain head', async () => (await subgraphBlock()) >= head);
});

test('a session signed in before the API process restarted is still signed in', async () => {
  const me = await clients[1]!.data<{ me: { address: string } | null }>('{ me { address } }');
  expect(me.me?.address.toLowerCase()).toBe(PATIENTS[1]!.address.toLowerCase());
  expect(progress).toContainEqual(expect.stringMatching(/the API process \(pid \d+\) exited: SIGKILL/));
});

test('the chain killed with SIGKILL is restarted from its state file, and the index never answers for blocks the chain lost', async () => {
  const killed = pidOf('the chain (anvil)')!;
  // Blocks mined just before the kill may not be in the state file yet (anvil writes it every second).
  for (let i = 0; i < 3; i++) await provider.send('evm_mine', []);
  const killedAt = Date.now();
  process.kill(killed, 'SIGKILL');
  await until('the chain restarted', () => pidOf('the chain (anvil)') !== killed);
  await untilAnswering();
  console.log(`recovery chain: ${Date.now() - killedAt} ms`);
  expect(progress).toContainEqual(expect.stringMatching(new RegExp(`the chain \\(anvil\\) \\(pid ${killed}\\) exited: SIGKILL`)));
  await provider.send('evm_mine', []);
  const head = await currentBlock(stack.urls.rpc);
  await until('the index reaching the chain head', async () => (await subgraphBlock()) >= head);
  // What the index answers at is the chain's block, not one the chain lost.
  const response = await fetch(stack.urls.subgraph, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ _meta { block { number hash } } }' }) });
  const { data } = (await response.json()) as { data: { _meta: { block: { number: number; hash: string } } } };
  expect(data._meta.block.hash).toBe((await provider.getBlock(data._meta.block.number))!.hash);
  // The profile (in the database) is as the last acknowledged write left it.
  const seen = await clients[0]!.data<{ patient: { profile: { displayName: string } } }>(PATIENT, { address: PATIENTS[0]!.address });
  expect(seen.patient.profile.displayName).toBe(acknowledged[0]!.displayName);
});
