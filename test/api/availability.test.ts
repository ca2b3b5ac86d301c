/**
 * The API when a part it depends on goes away and comes back, with real processes: FerretDB killed with
 * SIGKILL (and hung with SIGSTOP) and started again on its port and data; graph-node's PostgreSQL
 * database closed to it; the subgraph removed through graph-node's admin JSON-RPC; the chain's JSON-RPC
 * stopped; graph-node stopped and started again on its ports. Meanwhile requests answer
 * SERVICE_UNAVAILABLE naming the part (they return; none hangs), never INTERNAL_SERVER_ERROR and never
 * another part; /readyz is 503 naming it and shows no address or path (the details go to the API's
 * log); /healthz stays 200; once the part is back the same API process answers again.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { createServer } from '../../api/src/app/server';
import { connectChain } from '../../api/src/chain/chain';
import { toGraphQLError } from '../../api/src/graphql/errors';
import { SubgraphClient } from '../../api/src/graphql/subgraph/subgraph-client';
import { startEmbeddedMongo, type EmbeddedMongo } from '../../stack/documents/embedded-mongo';
import { ApiClient, type GraphQLResponse } from '../../stack/demo/api-client';
import type { LocalGraphNode } from '../../stack/graph-node';
import { adminCall, nameDeployment } from '../../stack/graph-node/index-node';
import { code16, code32, READ } from '../fixtures/deploy';
import { startTestGraphNode, SUBGRAPH_NAME, type TestGraphNode } from '../fixtures/graph-node';
import { freePort, hardhatKey, startApiStack, type ApiStack } from './support/api-stack';

jest.setTimeout(300_000);

const PROFILE = 'mutation($input: PatientProfileInput!) { updatePatientProfile(input: $input) { displayName } }';
const READ_PROFILE = 'query($address: Address!) { patient(address: $address) { profile { displayName } } }';
const RECORDS = 'query($patient: Address!) { records(patient: $patient, first: 5) { nodes { id } } }';
/** Roles are read from the contracts at the chain's latest block: a read that needs the chain alone. */
const ROLES = '{ myRoles { verifiedProvider registrar } }';
/** Generous: a request must come back with an answer, not hang; the figures printed say how fast. */
const ANSWERED_WITHIN_MS = 20_000;

interface ReadyBody {
  ready: boolean;
  status: string;
  checks: Record<string, { status: string; problem?: string; action?: string; [detail: string]: unknown }>;
}

let stack: ApiStack;
/** What the API logged (unexpected errors, and readiness details that /readyz does not show). */
const logged: string[] = [];
let restartedMongo: EmbeddedMongo | undefined;
let restartedNode: LocalGraphNode | undefined;
/** A FerretDB this test stopped with SIGSTOP, resumed in afterAll if a test failed first. */
let hung: number | undefined;

beforeAll(async () => {
  stack = await startApiStack({ server: { logger: { error: (message, error) => logged.push(`${message}: ${error instanceof Error ? error.message : String(error)}`) } } });
});
afterAll(async () => {
  if (hung) process.kill(hung, 'SIGCONT');
  await restartedNode?.stop();
  await stack?.stop();
  await restartedMongo?.stop();
});

/** Addresses, URLs, paths and driver errors: nothing of the machine the public /readyz and /healthz may show. */
function assertNoLocalDetail(text: string): void {
  expect(text).not.toMatch(/127\.0\.0\.1|localhost|mongodb:|https?:\/\/|ECONN|\/tmp\/|\/home\/|\/root\//);
  for (const local of [os.tmpdir(), process.cwd(), os.hostname()]) expect(text).not.toContain(local);
}

async function readyz(): Promise<{ status: number; body: ReadyBody }> {
  const response = await fetch(`${stack.url}/readyz`);
  const text = await response.text();
  assertNoLocalDetail(text);
  return { status: response.status, body: JSON.parse(text) as ReadyBody };
}

async function healthz(): Promise<number> {
  const response = await fetch(`${stack.url}/healthz`);
  assertNoLocalDetail(await response.text());
  return response.status;
}

/** Every error of `answer` is SERVICE_UNAVAILABLE naming `service`: never INTERNAL_SERVER_ERROR, never another part. */
function expectOnlyUnavailable(answer: GraphQLResponse, service: string): void {
  for (const error of answer.errors ?? []) expect(error.extensions).toEqual({ code: 'SERVICE_UNAVAILABLE', service });
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

/**
 * `query` answers, within the bound, HTTP 503 with SERVICE_UNAVAILABLE naming `service` and saying
 * `message`, and /readyz then reports that check down; returns how long the answer took.
 */
async function expectOutage(client: ApiClient, query: string, variables: Record<string, unknown>, service: string, message: string, check: { name: string; problem: string }): Promise<number> {
  const { answer, ms } = await timed(() => client.graphql(query, variables));
  expect(codeOf(answer)).toEqual({ code: 'SERVICE_UNAVAILABLE', service });
  expect(answer.status).toBe(503);
  expect(answer.errors?.[0]?.message).toBe(message);
  expect(ms).toBeLessThan(ANSWERED_WITHIN_MS);
  await until('/readyz 503', async () => (await readyz()).status === 503);
  expect((await readyz()).body.checks[check.name]).toMatchObject({ status: 'down', problem: check.problem });
  return ms;
}

/** Waits until `query` answers without errors and /readyz is 200 again; returns how long that took. */
async function recovered(client: ApiClient, query: string, variables: Record<string, unknown> = {}): Promise<number> {
  const started = Date.now();
  await until('the API answering again', async () => !(await client.graphql(query, variables)).errors);
  await until('/readyz 200', async () => (await readyz()).status === 200);
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
      graphNode: { status: 'ok', hasIndexingErrors: false },
    },
  });
  // gnd dev names its deployment by the manifest's path on this machine: /readyz leaves it out.
  expect(stack.node.deployment).toContain('/');
  expect(body.checks.graphNode!.deployment).toBeUndefined();
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
  const pending = new ApiClient(stack.url);
  const pendingMessage = await pending.message(patient.address);
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
  // The database is never reported as another part (the driver wraps the same socket errors the
  // chain's client throws), whatever the request also asks of the chain and graph-node.
  const verify = await pending.verify(pendingMessage, await patient.signMessage(pendingMessage));
  expect(verify).toMatchObject({ status: 503, body: { error: { code: 'SERVICE_UNAVAILABLE', service: 'database' } } });
  for (const query of [ROLES, RECORDS]) expectOnlyUnavailable(await alice.graphql(query, { patient: patient.address }), 'database');

  // Readiness answers from a result at most a second old: wait for the first one taken after the kill.
  await until('/readyz 503', async () => (await readyz()).status === 503);
  const ready = await timed(readyz);
  expect(ready.answer.status).toBe(503);
  expect(ready.answer.body).toMatchObject({ ready: false, status: 'down', checks: { database: { status: 'down' }, chain: { status: 'ok' }, graphNode: { status: 'ok' } } });
  expect(ready.answer.body.checks.database!.problem).toBe('The database is not answering.');
  expect(ready.ms).toBeLessThan(ANSWERED_WITHIN_MS);
  // Operators get what failed, with the address (its password masked), in the API's log.
  expect(logged).toContainEqual(expect.stringMatching(/^readiness: database down: The database at mongodb:\/\/(\*\*\*@)?127\.0\.0\.1:\d+\/\S* is not answering: /));
  expect(await healthz()).toBe(200);

  restartedMongo = await startEmbeddedMongo({ ...stack.mongo.settings, port });
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

test("graph-node's PostgreSQL database closed to it: SERVICE_UNAVAILABLE naming graph-node, not an internal error; opened again: the API answers again", async () => {
  const { patient } = stack.system;
  const alice = await new ApiClient(stack.url).signIn(patient);
  await alice.data(RECORDS, { patient: patient.address });
  // As when graph-node's PostgreSQL goes away: no new connection is accepted and the open ones end.
  const admin = new Client({ connectionString: process.env.GRAPH_NODE_POSTGRES_URL });
  await admin.connect();
  const database = stack.node.database;
  try {
    await admin.query(`ALTER DATABASE "${database}" ALLOW_CONNECTIONS false`);
    await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [database]);
    // graph-node answers "Store error: database unavailable" (its StoreError::DatabaseUnavailable), or,
    // as the connections end, "Store error: store error: terminating connection due to administrator
    // command" or "… error communicating with the server" (each seen in runs of this test).
    const message = 'graph-node (the index of the chain) cannot reach its database; retry in a few seconds.';
    const ms = await expectOutage(alice, RECORDS, { patient: patient.address }, 'graph-node', message, { name: 'graphNode', problem: message });
    console.log(`graph-node's database closed: records answered SERVICE_UNAVAILABLE in ${ms} ms`);
  } finally {
    await admin.query(`ALTER DATABASE "${database}" ALLOW_CONNECTIONS true`);
    await admin.end();
  }
  const back = await recovered(alice, RECORDS, { patient: patient.address });
  console.log(`graph-node's database open again: records answered again after ${back} ms`);
});

test('the subgraph removed through graph-node\'s admin JSON-RPC: SERVICE_UNAVAILABLE naming graph-node saying so; deployed again: the API answers again', async () => {
  const { patient } = stack.system;
  const alice = await new ApiClient(stack.url).signIn(patient);
  await alice.data(RECORDS, { patient: patient.address });
  await adminCall(stack.node.adminUrl, 'subgraph_remove', { name: SUBGRAPH_NAME });
  try {
    // graph-node answers "deployment `health-records` does not exist" (its DeploymentNotFound).
    const message = 'graph-node (the index of the chain) has no deployment of the subgraph (removed, or not deployed yet); retry once it is deployed again (`npm start` deploys it).';
    await expectOutage(alice, RECORDS, { patient: patient.address }, 'graph-node', message, { name: 'graphNode', problem: message });
    expect(logged).toContainEqual(expect.stringMatching(/^readiness: graphNode down: .*deployment `health-records` does not exist/));
  } finally {
    await nameDeployment(stack.node.adminUrl, SUBGRAPH_NAME, stack.node.deployment);
  }
  await recovered(alice, RECORDS, { patient: patient.address });
});

test("the chain's JSON-RPC stopped: reads that need it answer SERVICE_UNAVAILABLE naming the chain, /readyz 503; served again: the API answers again", async () => {
  const { provider } = stack.system;
  const doctor = await new ApiClient(stack.url).signIn(provider);
  await doctor.data(ROLES);
  await stack.stopChain();
  try {
    const ms = await expectOutage(doctor, ROLES, {}, 'chain', 'The blockchain node (JSON-RPC) is not answering; retry in a few seconds.', { name: 'chain', problem: "The chain's JSON-RPC endpoint is not answering." });
    expect((await readyz()).body.checks.database).toMatchObject({ status: 'ok' });
    console.log(`chain down: roles answered SERVICE_UNAVAILABLE in ${ms} ms`);
  } finally {
    await stack.startChain();
  }
  await recovered(doctor, ROLES);
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
  expect(ready.answer.body.checks.graphNode!.problem).toBe('graph-node (the index of the chain) is not answering; retry in a few seconds.');
  expect(logged).toContainEqual(expect.stringMatching(new RegExp(`^readiness: graphNode down: graph-node at ${stack.config.subgraphUrl.replace(/[.]/g, '\\.')}: .*cannot be reached \\(connect ECONNREFUSED`)));
  expect(await healthz()).toBe(200);

  restartedNode = await startTestGraphNode({ manifest: stack.subgraphManifest, rpcUrl: stack.chainUrl, ports });
  const started = Date.now();
  await until('graph-node answering records again', async () => !(await alice.graphql(RECORDS, { patient: patient.address })).errors);
  await until('/readyz 200', async () => (await readyz()).status === 200);
  console.log(`graph-node down: records answered SERVICE_UNAVAILABLE in ${records.ms} ms, /readyz in ${ready.ms} ms; back ${Date.now() - started} ms after graph-node restarted`);
});

test("a deployment that failed at an indexing error: SERVICE_UNAVAILABLE naming graph-node saying so, /readyz 503 at the failed block, graph-node's error in the log", async () => {
  // The real subgraph build with one handler pointed at another of the same mapping: a ConsentGranted
  // handled as GuardianAppointed reads its bytes32 consent id as an address, and the mapping aborts,
  // which graph-node treats as a deterministic error: the deployment fails at that block.
  const folder = mkdtempSync(path.join(os.tmpdir(), 'failing-subgraph-'));
  let failing: TestGraphNode | undefined;
  let server: Awaited<ReturnType<typeof createServer>> | undefined;
  try {
    cpSync(path.dirname(stack.subgraphManifest), folder, { recursive: true });
    const manifest = path.join(folder, 'subgraph.yaml');
    writeFileSync(manifest, readFileSync(manifest, 'utf8').replace('handler: handleConsentGranted', 'handler: handleGuardianAppointed'));
    failing = await startTestGraphNode({ manifest, rpcUrl: stack.chainUrl });
    const { consents, patient, provider2 } = stack.system;
    const expiresAt = BigInt((await stack.system.consents.runner!.provider!.getBlock('latest'))!.timestamp) + 86_400n;
    await (await consents.connect(patient).grantConsent({ patient: patient.address, grantee: provider2.address, scope: code32('Condition'), access: READ, purpose: code16('TREAT'), expiresAt })).wait();
    const node = failing;
    await until('graph-node failing the deployment', async () => (await node.status())?.health === 'failed');
    const status = (await node.status())!;
    const failedAt = status.fatalError!.block!.number;

    const port = await freePort();
    const lines: string[] = [];
    server = await createServer(
      { ...stack.config, subgraphUrl: node.queryUrl, subgraphStatusUrl: node.indexNodeUrl, publicOrigin: `http://127.0.0.1:${port}` },
      { logger: { error: (message, error) => lines.push(`${message}: ${error instanceof Error ? error.message : String(error)}`) } },
    );
    const { url } = await server.listen(port);
    const alice = await new ApiClient(url).signIn(patient);
    // graph-node answers `indexing_error` to every query of the deployment's data (its resolver.rs).
    const records = await alice.graphql(RECORDS, { patient: patient.address });
    expect(codeOf(records)).toEqual({ code: 'SERVICE_UNAVAILABLE', service: 'graph-node' });
    expect(records.status).toBe(503);
    expect(records.errors?.[0]?.message).toBe('graph-node (the index of the chain) stopped indexing the subgraph at an indexing error; retry once the subgraph is fixed and deployed again.');

    const response = await fetch(`${url}/readyz`);
    const text = await response.text();
    assertNoLocalDetail(text);
    expect(response.status).toBe(503);
    const graphNode = (JSON.parse(text) as ReadyBody).checks.graphNode!;
    expect(graphNode).toMatchObject({ status: 'down', health: 'failed', fatalError: { block: { number: failedAt } } });
    expect(graphNode.problem).toBe(`graph-node stopped indexing the subgraph at an indexing error at block ${failedAt}; it refuses queries of its data until the subgraph is fixed and deployed again.`);
    expect(lines).toContainEqual(`readiness: graphNode down: graph-node's indexing error: ${status.fatalError!.message}`);
    console.log(`failed deployment: graph-node failed at block ${failedAt} (${status.fatalError!.message.slice(0, 160)}…); records answered SERVICE_UNAVAILABLE`);
  } finally {
    await server?.close();
    await failing?.stop();
    rmSync(folder, { recursive: true, force: true });
  }
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

  test('/readyz names a graph-node that takes connections and never answers as not answering, within its bound', async () => {
    const port = await freePort();
    const hanging = await createServer({ ...stack.config, subgraphUrl: `${silentUrl}/subgraphs/name/health-records`, publicOrigin: `http://127.0.0.1:${port}` });
    try {
      const { url } = await hanging.listen(port);
      const { answer, ms } = await timed(() => fetch(`${url}/readyz`));
      const text = await answer.text();
      assertNoLocalDetail(text);
      expect(answer.status).toBe(503);
      expect((JSON.parse(text) as ReadyBody).checks.graphNode).toMatchObject({ status: 'down', problem: 'graph-node (the index of the chain) is not answering; retry in a few seconds.' });
      expect(ms).toBeLessThan(ANSWERED_WITHIN_MS);
    } finally {
      await hanging.close();
    }
  });

  test("graph-node's answers for a deployment it cannot serve now are SERVICE_UNAVAILABLE saying why; its refusals of the query itself are not", async () => {
    // States too brief or too costly to hit on purpose (a deployment before its first block, a failed
    // one queried at its error, a busy database): this loopback server answers a query with the body
    // graph-node sends then, its messages word for word from its source.
    let answer = '';
    const node = http.createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ errors: [{ message: answer }] }));
    });
    await new Promise<void>((resolve) => node.listen(0, '127.0.0.1', resolve));
    const client = new SubgraphClient(`http://127.0.0.1:${(node.address() as net.AddressInfo).port}/subgraphs/name/health-records`, 2_000);
    const cases: [graphNode: string, says: RegExp | null][] = [
      ['Subgraph `QmTest` has not started syncing yet. Wait for it to ingest a few blocks before querying it', /has not indexed its first blocks yet; retry/],
      ['deployment `health-records` does not exist', /has no deployment of the subgraph \(removed, or not deployed yet\)/],
      ['Store error: database unavailable', /cannot reach its database; retry/],
      ['Store error: store error: terminating connection due to administrator command', /cannot reach its database; retry/],
      ['Store error: store error: error communicating with the server', /cannot reach its database; retry/],
      ['Store error: store error: connection closed', /cannot reach its database; retry/],
      ['database query timed out', /overloaded and did not answer in time/],
      ['service is overloaded and can not run the query right now. Please try again in a few minutes', /overloaded and did not answer in time/],
      ['indexing_error', /stopped indexing the subgraph at an indexing error/],
      ['Failed to decode `block.hash` value: `no block with that hash found`', /no longer has the block this request read at/],
      ['Type `Query` has no field `nope`', null],
    ];
    try {
      for (const [graphNode, says] of cases) {
        answer = graphNode;
        const error = await client.latestHead().catch((failure: unknown) => failure);
        const translated = toGraphQLError(error);
        if (says) {
          expect({ graphNode, extensions: translated.extensions }).toEqual({ graphNode, extensions: { code: 'SERVICE_UNAVAILABLE', service: 'graph-node' } });
          expect(translated.message).toMatch(says);
          expect(translated.message).toMatch(/^graph-node \(the index of the chain\) /);
        } else {
          expect({ graphNode, code: translated.extensions.code }).toEqual({ graphNode, code: 'INTERNAL_SERVER_ERROR' });
        }
      }
    } finally {
      client.close();
      await new Promise((resolve) => node.close(resolve));
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
