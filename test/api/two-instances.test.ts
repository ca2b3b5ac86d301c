/**
 * Two API processes (the compiled build, `npm run build:api`) on the same store, graph-node and chain,
 * behind one origin that sends requests to them in turn, as a load balancer would: a session made on one
 * works on the other, a nonce is single-use across both, the mutation rate limit is one count, both
 * instances anchor audit batches and each batch is anchored once, and with one instance killed while
 * patients write, the other serves their sessions and every write that was acknowledged.
 */
import { writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { JsonRpcProvider } from 'ethers';
import mongoose from 'mongoose';
import { ApiClient } from '../../stack/demo/api-client';
import { testWallet } from '../../stack/chain/demo-accounts';
import { attachHealthRecords } from '../../contracts/deployment/deployment';
import { PatientWriter, until, writeStream } from '../fixtures/patient-writes';
import { startApiProcess, type ApiProcess } from '../../stack/api/api-process';
import { scratchApiEnvironment } from '../../stack/api/api-environment';
import { freePort, startApiStack, type ApiStack } from './support/api-stack';

jest.setTimeout(300_000);

const PROFILE = `mutation ($name: String!) { updatePatientProfile(input: { displayName: $name }) { displayName } }`;
const READ = `query ($address: Address!) { patient(address: $address) { profile { displayName } } }`;
const CONTENTS = `query ($address: Address!) { patient(address: $address) { records(first: 100) { nodes { id content(purpose: "TREAT") } } } }`;
/** Two patients who write (profile, records, relayed consents) through the balancer. */
const writers = [new PatientWriter(testWallet(10)), new PatientWriter(testWallet(11))];

/** Mutations an account may make per minute, across both instances (the writers below stay under it). */
const RATE_LIMIT = 20;

let stack: ApiStack;
let proxy: http.Server;
let origin: string;
const instances: ApiProcess[] = [];
/** Which instance answered each request, in order. */
const answeredBy: number[] = [];

beforeAll(async () => {
  stack = await startApiStack();
  const proxyPort = await freePort();
  origin = `http://127.0.0.1:${proxyPort}`;
  const deploymentFile = path.join(stack.mongo.settings.folder, 'deployment.json');
  writeFileSync(deploymentFile, JSON.stringify(stack.system.deployment));
  // One environment for both: the same secrets, store, subgraph and chain, and the balancer's origin.
  const env = {
    ...process.env,
    ...scratchApiEnvironment({ rpcUrl: stack.chainUrl, subgraphUrl: stack.node.queryUrl, mongodbUri: stack.mongo.clientUri('two-instances'), deploymentFile, dataDir: stack.mongo.settings.folder, port: proxyPort }),
    MUTATION_RATE_LIMIT: String(RATE_LIMIT),
    // What a deployment of several instances sets: the count lives in the shared store.
    MUTATION_RATE_LIMIT_STORE: 'mongodb',
    NODE_ENV: 'production',
    // Both instances seal and anchor audit batches, each every second: the lease must keep them from
    // anchoring the same entries twice.
    AUDIT_ANCHOR_INTERVAL_MS: '1000',
  };
  for (let i = 0; i < 2; i += 1) {
    instances.push(await startApiProcess({ env, host: '127.0.0.1', port: await freePort(), onOutput: () => undefined }));
  }
  let turn = 0;
  proxy = http.createServer((request, response) => {
    // In turn, skipping an instance that is gone (as a balancer's health check would).
    const live = instances.filter((instance) => instance.pid > 0);
    const index = instances.indexOf(live[turn++ % live.length]!);
    answeredBy.push(index);
    const target = new URL(request.url!, instances[index]!.url);
    const forwarded = http.request(target, { method: request.method, headers: request.headers }, (answer) => {
      response.writeHead(answer.statusCode!, answer.headers);
      answer.pipe(response);
    });
    forwarded.on('error', () => {
      response.writeHead(502).end();
    });
    request.pipe(forwarded);
  });
  await new Promise<void>((resolve) => proxy.listen(proxyPort, '127.0.0.1', resolve));
});

afterAll(async () => {
  for (const writer of writers) writer.close();
  await new Promise((resolve) => proxy?.close(resolve));
  for (const instance of instances) await instance.stop().catch(() => undefined);
  await stack?.stop();
});

test('a session made on one instance works on the other', async () => {
  const client = await new ApiClient(origin).signIn(stack.system.patient);
  const from = answeredBy.length;
  for (let i = 0; i < 2; i += 1) {
    const answer = await client.graphql<{ patient: { profile: unknown } }>(READ, { address: stack.system.patient.address });
    expect(answer.errors).toBeUndefined();
  }
  // The two reads were answered by both instances.
  expect(new Set(answeredBy.slice(from))).toEqual(new Set([0, 1]));
});

test('a nonce is single-use across both instances', async () => {
  const client = new ApiClient(origin);
  const message = await client.message(stack.system.provider.address);
  const signature = await stack.system.provider.signMessage(message);
  const from = answeredBy.length;
  const first = await client.verify(message, signature);
  const replay = await new ApiClient(origin).verify(message, signature);
  expect(first.status).toBe(200);
  expect(replay.status).toBe(401);
  // The use and the replay went to different instances.
  expect(new Set(answeredBy.slice(from)).size).toBe(2);
});

test('the mutation rate limit is one count across both instances', async () => {
  const client = await new ApiClient(origin).signIn(stack.system.stranger);
  const codes: (string | undefined)[] = [];
  const from = answeredBy.length;
  for (let i = 0; i < RATE_LIMIT + 2; i += 1) {
    const answer = await client.graphql(PROFILE, { name: `Write ${i}` });
    codes.push(answer.errors?.[0]?.extensions?.code as string | undefined);
  }
  // RATE_LIMIT allowed per minute in all, whichever instance answered: the two after them are refused.
  expect(codes).toEqual([...Array.from({ length: RATE_LIMIT }, () => undefined), 'RATE_LIMITED', 'RATE_LIMITED']);
  expect(new Set(answeredBy.slice(from))).toEqual(new Set([0, 1]));
});

test('both instances anchor audit batches, and each batch is anchored once', async () => {
  for (const writer of writers) await writer.connect({ web: origin, rpc: stack.chainUrl }, Number(stack.system.deployment.chainId));
  // Records of two patients (prepared through either instance), then their contents read through both:
  // each read is an audit entry, written by the instance that served it.
  for (let i = 0; i < 6; i += 1) await writers[i % 2]!.writeOnce();
  await stack.indexed();
  const from = answeredBy.length;
  for (let round = 0; round < 3; round += 1) {
    for (const writer of writers) {
      const answer = await writer.client.graphql<{ patient: { records: { nodes: { content: unknown }[] } } }>(CONTENTS, { address: writer.wallet.address });
      expect(answer.errors).toBeUndefined();
      expect(answer.data!.patient.records.nodes.length).toBeGreaterThan(0);
    }
  }
  expect(new Set(answeredBy.slice(from))).toEqual(new Set([0, 1]));

  const client = new mongoose.mongo.MongoClient(stack.mongo.clientUri('two-instances'));
  await client.connect();
  try {
    const db = client.db();
    type Batch = { batchId: number; status: string; root: string; entryIds: string[]; anchor?: { chainBatchId?: number } };
    // Every entry sealed into a batch and every batch anchored, by whichever instance held the lease.
    await until('every audit entry anchored', async () =>
      (await db.collection('audit_entries').countDocuments({ batchId: 0 })) === 0 &&
      (await db.collection('audit_batches').countDocuments({ status: { $ne: 'anchored' } })) === 0,
    60_000);
    const entries = await db.collection<{ entryId: string; batchId: number }>('audit_entries').find({}).toArray();
    const batches = await db.collection<Batch>('audit_batches').find({}).toArray();
    expect(entries.length).toBeGreaterThanOrEqual(6);
    // Each entry in exactly one batch, the one its batchId names.
    const members = batches.flatMap((batch) => batch.entryIds);
    expect(members.sort()).toEqual(entries.map((entry) => entry.entryId).sort());
    for (const entry of entries) expect(batches.find((batch) => batch.batchId === entry.batchId)?.entryIds).toContain(entry.entryId);
    // On-chain: one AuditBatchAnchored per stored batch, each root once, at the index the store recorded.
    const chain = new JsonRpcProvider(stack.chainUrl, undefined, { staticNetwork: true });
    const audit = attachHealthRecords(stack.system.deployment, chain).audit;
    const anchored = await audit.queryFilter(audit.filters.AuditBatchAnchored()).finally(() => chain.destroy());
    const roots = anchored.map((event) => event.args.root.toLowerCase());
    expect(roots.sort()).toEqual(batches.map((batch) => batch.root.toLowerCase()).sort());
    expect(new Set(roots).size).toBe(roots.length);
    for (const batch of batches) {
      const event = anchored.find((candidate) => candidate.args.root.toLowerCase() === batch.root.toLowerCase())!;
      expect(Number(event.args.batchId)).toBe(batch.anchor?.chainBatchId);
    }
  } finally {
    await client.close();
  }
});

test('with one instance killed while patients write, the other serves their sessions and every acknowledged write', async () => {
  // Profile updates, records and relayed consents, one after the other per patient, each tried again
  // until acknowledged (a write the killed instance was serving fails at the balancer and is retried).
  const stream = writeStream(writers);
  await until('writes acknowledged before the kill', () => stream.acknowledgedSoFar() >= 4, 120_000);
  const killed = instances[0]!;
  process.kill(killed.pid, 'SIGKILL');
  await killed.exited;
  (killed as { pid: number }).pid = -1;
  const atKill = stream.acknowledgedSoFar();
  await until('writes acknowledged after the kill', () => stream.acknowledgedSoFar() >= atKill + 4, 120_000);
  await stream.stop();
  await stack.indexed();
  const from = answeredBy.length;
  // The sessions made before the kill (on either instance) still work, and every acknowledged write is there.
  for (const writer of writers) await writer.expectEveryAcknowledgedWrite();
  expect(new Set(answeredBy.slice(from))).toEqual(new Set([1]));
});
