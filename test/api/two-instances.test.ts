/**
 * Two API processes (the compiled build, `npm run build:api`) on the same store, graph-node and chain,
 * behind one origin that sends requests to them in turn, as a load balancer would: a session made on one
 * works on the other, a nonce is single-use across both, the mutation rate limit is one count, and with
 * one instance killed the other serves the session and every write that was acknowledged.
 */
import { writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { ApiClient } from '../../stack/demo/api-client';
import { startApiProcess, type ApiProcess } from '../../stack/api/api-process';
import { scratchApiEnvironment } from '../../stack/api/api-environment';
import { freePort, startApiStack, type ApiStack } from './support/api-stack';

jest.setTimeout(300_000);

const PROFILE = `mutation ($name: String!) { updatePatientProfile(input: { displayName: $name }) { displayName } }`;
const READ = `query ($address: Address!) { patient(address: $address) { profile { displayName } } }`;

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
    MUTATION_RATE_LIMIT: '4',
    // What a deployment of several instances sets: the count lives in the shared store.
    MUTATION_RATE_LIMIT_STORE: 'mongodb',
    NODE_ENV: 'production',
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
  for (let i = 0; i < 6; i += 1) {
    const answer = await client.graphql(PROFILE, { name: `Write ${i}` });
    codes.push(answer.errors?.[0]?.extensions?.code as string | undefined);
  }
  // Four allowed per minute in all, whichever instance answered: the fifth and sixth are refused.
  expect(codes).toEqual([undefined, undefined, undefined, undefined, 'RATE_LIMITED', 'RATE_LIMITED']);
  expect(new Set(answeredBy.slice(from))).toEqual(new Set([0, 1]));
});

test('with one instance killed, the other serves the session and every acknowledged write', async () => {
  const client = await new ApiClient(origin).signIn(stack.system.guardian);
  const written = await client.graphql<{ updatePatientProfile: { displayName: string } }>(PROFILE, { name: 'Before the kill' });
  expect(written.data?.updatePatientProfile.displayName).toBe('Before the kill');
  const killed = instances[0]!;
  process.kill(killed.pid, 'SIGKILL');
  await killed.exited;
  (killed as { pid: number }).pid = -1;
  const from = answeredBy.length;
  for (let i = 0; i < 2; i += 1) {
    const read = await client.graphql<{ patient: { profile: { displayName: string } } }>(READ, { address: stack.system.guardian.address });
    expect(read.data?.patient.profile.displayName).toBe('Before the kill');
  }
  expect(answeredBy.slice(from)).toEqual([1, 1]);
});
