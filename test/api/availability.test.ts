/**
 * The API when a part it depends on goes away and comes back, with real processes: FerretDB killed with
 * SIGKILL and started again on its port and data, graph-node stopped and started again on its ports.
 * Meanwhile requests answer SERVICE_UNAVAILABLE naming the part (they return; none hangs), /readyz is
 * 503 naming it, /healthz stays 200; once the part is back the same API process answers again.
 */
import http from 'node:http';
import net from 'node:net';
import { createServer } from '../../api/src/app/server';
import { connectChain } from '../../api/src/chain/chain';
import { toGraphQLError } from '../../api/src/graphql/errors';
import { SubgraphClient } from '../../api/src/graphql/subgraph/subgraph-client';
import { startEmbeddedMongo, type EmbeddedMongo } from '../../stack/documents/embedded-mongo';
import { ApiClient, type GraphQLResponse } from '../../stack/demo/api-client';
import type { LocalGraphNode } from '../../stack/graph-node';
import { startTestGraphNode } from '../fixtures/graph-node';
import { freePort, hardhatKey, startApiStack, type ApiStack } from './support/api-stack';

jest.setTimeout(300_000);

const PROFILE = 'mutation($input: PatientProfileInput!) { updatePatientProfile(input: $input) { displayName } }';
const READ_PROFILE = 'query($address: String!) { patient(address: $address) { profile { displayName } } }';
const RECORDS = 'query($patient: String!) { records(patient: $patient, first: 5) { nodes { id } } }';
/** Generous: a request must come back with an answer, not hang; the figures printed say how fast. */
const ANSWERED_WITHIN_MS = 20_000;

interface ReadyBody {
  ready: boolean;
  status: string;
  checks: Record<string, { status: string; problem?: string; action?: string; [detail: string]: unknown }>;
}

let stack: ApiStack;
let restartedMongo: EmbeddedMongo | undefined;
let restartedNode: LocalGraphNode | undefined;
/** A FerretDB this test stopped with SIGSTOP, resumed in afterAll if a test failed first. */
let hung: number | undefined;

beforeAll(async () => {
  stack = await startApiStack();
});
afterAll(async () => {
  if (hung) process.kill(hung, 'SIGCONT');
  await restartedNode?.stop();
  await stack?.stop();
  await restartedMongo?.stop();
});

async function readyz(): Promise<{ status: number; body: ReadyBody }> {
  const response = await fetch(`${stack.url}/readyz`);
  return { status: response.status, body: (await response.json()) as ReadyBody };
}

async function healthz(): Promise<number> {
  return (await fetch(`${stack.url}/healthz`)).status;
}

/** Runs `ask` and says how long it took to answer. */
async function timed<T>(ask: () => Promise<T>): Promise<{ answer: T; ms: number }> {
  const started = Date.now();
  const answer = await ask();
  return { answer, ms: Date.now() - started };
}

/** Polls `check` until it holds; returns how long that took. */
async function until(what: string, check: () => Promise<boolean>, timeoutMs = 120_000): Promise<number> {
  const started = Date.now();
  while (!(await check().catch(() => false))) {
    if (Date.now() - started > timeoutMs) throw new Error(`${what} did not happen within ${timeoutMs / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return Date.now() - started;
}

const codeOf = (answer: GraphQLResponse) => answer.errors?.[0]?.extensions as { code?: string; service?: string } | undefined;

test('readiness reports each dependency; with graph-node\'s status URL also the deployment\'s health', async () => {
  await stack.indexed();
  const { status, body } = await readyz();
  expect(status).toBe(200);
  expect(body).toMatchObject({
    ready: true,
    status: 'ok',
    checks: {
      database: { status: 'ok', connection: 'connected' },
      chain: { status: 'ok' },
      graphNode: { status: 'ok', hasIndexingErrors: false, deployment: stack.node.deployment },
    },
  });
  const { chain, graphNode } = body.checks as Record<string, Record<string, number>>;
  expect(chain!.head! - graphNode!.indexedBlock!).toBe(graphNode!.lagBlocks);

  const port = await freePort();
  const withStatus = await createServer({ ...stack.config, subgraphStatusUrl: stack.node.indexNodeUrl, publicOrigin: `http://127.0.0.1:${port}` });
  try {
    const { url } = await withStatus.listen(port);
    const answer = (await (await fetch(`${url}/readyz`)).json()) as ReadyBody;
    expect(answer.checks.graphNode).toMatchObject({ status: 'ok', health: 'healthy', fatalError: null });
    expect(typeof answer.checks.graphNode!.synced).toBe('boolean');
  } finally {
    await withStatus.close();
  }
});

test('FerretDB killed: SERVICE_UNAVAILABLE naming the database, readiness 503, liveness 200; back on its port: the same API answers again', async () => {
  const { patient } = stack.system;
  const alice = await new ApiClient(stack.url).signIn(patient);
  await alice.data(PROFILE, { input: { displayName: 'Alice before the kill' } });
  expect((await readyz()).status).toBe(200);

  const port = Number(new URL(stack.mongo.uri).port);
  process.kill(stack.mongo.pid, 'SIGKILL');
  await stack.mongo.exited;

  // The session cache (SESSION_CACHE_MS) may answer the first lookups; the database's answer is what counts.
  const write = await timed(() => alice.graphql(PROFILE, { input: { displayName: 'Alice while the database is down' } }));
  const read = await timed(() => alice.graphql(READ_PROFILE, { address: patient.address }));
  const nonce = await timed(() => fetch(`${stack.url}/auth/nonce`).then(async (response) => ({ status: response.status, body: (await response.json()) as { error?: { code: string; service: string; message: string } } })));
  for (const { answer } of [write, read]) {
    expect(codeOf(answer)).toEqual({ code: 'SERVICE_UNAVAILABLE', service: 'database' });
    expect(answer.status).toBe(503);
    // Which part and what to do; the addresses and the driver's error stay on the server (and in /readyz).
    expect(answer.errors?.[0]?.message).toBe('The database is not answering; retry in a few seconds (the API reconnects by itself when it is back).');
  }
  expect(nonce.answer.status).toBe(503);
  expect(nonce.answer.body.error).toMatchObject({ code: 'SERVICE_UNAVAILABLE', service: 'database', message: expect.stringContaining('The database is not answering') });
  for (const { ms } of [write, read, nonce]) expect(ms).toBeLessThan(ANSWERED_WITHIN_MS);

  // Readiness answers from a result at most a second old: wait for the first one taken after the kill.
  await until('/readyz 503', async () => (await readyz()).status === 503);
  const ready = await timed(readyz);
  expect(ready.answer.status).toBe(503);
  expect(ready.answer.body).toMatchObject({ ready: false, status: 'down', checks: { database: { status: 'down' }, chain: { status: 'ok' }, graphNode: { status: 'ok' } } });
  expect(ready.answer.body.checks.database!.problem).toContain('is not answering');
  expect(ready.ms).toBeLessThan(ANSWERED_WITHIN_MS);
  expect(await healthz()).toBe(200);

  restartedMongo = await startEmbeddedMongo({ dataDir: stack.mongo.dataDir, port });
  const recoveryMs = await until('the API answering from the restarted FerretDB', async () => {
    const answer = await alice.graphql<{ updatePatientProfile: { displayName: string } }>(PROFILE, { input: { displayName: 'Alice after the restart' } });
    return answer.data?.updatePatientProfile?.displayName === 'Alice after the restart';
  });
  await until('/readyz 200', async () => (await readyz()).status === 200);
  // Sign-in works again, and what was written before the kill is still there.
  const again = await new ApiClient(stack.url).signIn(patient);
  expect(await again.data(READ_PROFILE, { address: patient.address })).toEqual({ patient: { profile: { displayName: 'Alice after the restart' } } });
  console.log(`database down: profile write answered in ${write.ms} ms, read in ${read.ms} ms, /auth/nonce in ${nonce.ms} ms, /readyz in ${ready.ms} ms; back ${recoveryMs} ms after FerretDB restarted`);
});

test('FerretDB hung (SIGSTOP: connections stay open, nothing answers): requests still end as SERVICE_UNAVAILABLE; resumed: they succeed again', async () => {
  const { patient } = stack.system;
  const alice = await new ApiClient(stack.url).signIn(patient);
  const mongo = restartedMongo ?? stack.mongo;
  process.kill(mongo.pid, 'SIGSTOP');
  hung = mongo.pid;
  const write = await timed(() => alice.graphql(PROFILE, { input: { displayName: 'Alice while the database hangs' } }));
  expect(codeOf(write.answer)).toEqual({ code: 'SERVICE_UNAVAILABLE', service: 'database' });
  expect(write.ms).toBeLessThan(ANSWERED_WITHIN_MS);
  await until('/readyz 503', async () => (await readyz()).status === 503);
  const ready = await timed(readyz);
  expect(ready.answer.body.checks.database).toMatchObject({ status: 'down' });

  process.kill(mongo.pid, 'SIGCONT');
  hung = undefined;
  const started = Date.now();
  await until('a profile write after SIGCONT', async () => !(await alice.graphql(PROFILE, { input: { displayName: 'Alice after the hang' } })).errors);
  await until('/readyz 200', async () => (await readyz()).status === 200);
  console.log(`database hung: profile write answered SERVICE_UNAVAILABLE in ${write.ms} ms, /readyz in ${ready.ms} ms; back ${Date.now() - started} ms after SIGCONT`);
});

test('graph-node stopped: records answer SERVICE_UNAVAILABLE naming graph-node, readiness 503; started again on its ports: the API answers again', async () => {
  const { patient } = stack.system;
  const alice = await new ApiClient(stack.url).signIn(patient);
  await alice.data(RECORDS, { patient: patient.address });
  const ports = stack.node.ports;

  await stack.node.stop();
  const records = await timed(() => alice.graphql(RECORDS, { patient: patient.address }));
  expect(codeOf(records.answer)).toEqual({ code: 'SERVICE_UNAVAILABLE', service: 'graph-node' });
  expect(records.answer.status).toBe(503);
  expect(records.answer.errors?.[0]?.message).toMatch(/^graph-node .* is not answering; retry in a few seconds/);
  expect(JSON.stringify(records.answer)).not.toContain('127.0.0.1');
  expect(records.ms).toBeLessThan(ANSWERED_WITHIN_MS);

  await until('/readyz 503', async () => (await readyz()).status === 503);
  const ready = await timed(readyz);
  expect(ready.answer.status).toBe(503);
  expect(ready.answer.body).toMatchObject({ ready: false, checks: { database: { status: 'ok' }, graphNode: { status: 'down' } } });
  expect(ready.answer.body.checks.graphNode!.problem).toMatch(new RegExp(`^graph-node is not answering at ${stack.config.subgraphUrl}: .*cannot be reached \\(connect ECONNREFUSED`));
  expect(await healthz()).toBe(200);

  restartedNode = await startTestGraphNode({ manifest: stack.subgraphManifest, rpcUrl: stack.chainUrl, ports });
  const started = Date.now();
  await until('graph-node answering records again', async () => !(await alice.graphql(RECORDS, { patient: patient.address })).errors);
  await until('/readyz 200', async () => (await readyz()).status === 200);
  console.log(`graph-node down: records answered SERVICE_UNAVAILABLE in ${records.ms} ms, /readyz in ${ready.ms} ms; back ${Date.now() - started} ms after graph-node restarted`);
});

describe('a dependency that accepts connections and never answers, or refuses them', () => {
  let silent: net.Server;
  const sockets: net.Socket[] = [];
  let silentUrl: string;
  beforeAll(async () => {
    // A real TCP server that takes every connection and never writes a byte: a hung graph-node or RPC.
    silent = net.createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    silentUrl = `http://127.0.0.1:${(silent.address() as net.AddressInfo).port}`;
  });
  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => silent.close(resolve));
  });

  test('a subgraph request ends at its timeout as SERVICE_UNAVAILABLE naming graph-node', async () => {
    const client = new SubgraphClient(`${silentUrl}/subgraphs/name/health-records`, 500);
    try {
      const started = Date.now();
      const error = await client.latestHead().catch((failure: unknown) => failure);
      expect(Date.now() - started).toBeGreaterThanOrEqual(450);
      expect(toGraphQLError(error).extensions).toEqual({ code: 'SERVICE_UNAVAILABLE', service: 'graph-node' });
      expect((error as Error).message).toMatch(/did not answer within 500 ms/);
    } finally {
      client.close();
    }
  });

  test('a deployment graph-node has not indexed a block of yet answers SERVICE_UNAVAILABLE, not an internal error', async () => {
    // graph-node shows this state only for the moments after a deployment (or a dropped index) before
    // its first block, too briefly to hit on purpose; this loopback server answers a query with the
    // body graph-node sends then (its store's message, word for word as far as the test needs).
    const starting = http.createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ errors: [{ message: 'Subgraph `QmTest` has not started syncing yet. Wait for it to ingest a few blocks before querying it' }] }));
    });
    await new Promise<void>((resolve) => starting.listen(0, '127.0.0.1', resolve));
    const client = new SubgraphClient(`http://127.0.0.1:${(starting.address() as net.AddressInfo).port}/subgraphs/name/health-records`, 2_000);
    try {
      const error = await client.latestHead().catch((failure: unknown) => failure);
      const answer = toGraphQLError(error);
      expect(answer.extensions).toEqual({ code: 'SERVICE_UNAVAILABLE', service: 'graph-node' });
      expect(answer.message).toMatch(/has not indexed its first blocks yet; retry/);
    } finally {
      client.close();
      await new Promise((resolve) => starting.close(resolve));
    }
  });

  test('a JSON-RPC call ends at its timeout, or at once when refused, as SERVICE_UNAVAILABLE naming the chain', async () => {
    const refusedPort = await freePort();
    for (const rpcUrl of [silentUrl, `http://127.0.0.1:${refusedPort}`]) {
      const chain = connectChain({ rpcUrl, deployment: stack.system.deployment, relayerPrivateKey: hardhatKey(9), auditorPrivateKey: hardhatKey(2), chainTimeoutMs: 500 });
      try {
        const error = await chain.provider.getBlockNumber().catch((failure: unknown) => failure);
        expect(toGraphQLError(error).extensions).toEqual({ code: 'SERVICE_UNAVAILABLE', service: 'chain' });
      } finally {
        chain.close();
      }
    }
  });
});
