/**
 * `npm run bench:api -- --json`: a signed-in provider reads a patient's records page (50 records with
 * their authors' directory profiles) through the API at 32 concurrent connections on loopback, and the
 * same 50 records are read straight from graph-node in the same run. Prints one JSON object:
 * { requestsPerSecond, p50Ms, p99Ms, subgraphOnlyRequestsPerSecond, ... }.
 *
 * Every part runs as its own process, as in a deployment: anvil, graph-node (gnd dev) on PostgreSQL,
 * FerretDB, the API, and this process as the load generator. Setting up (deploying, seeding,
 * indexing) is not timed. Options: --duration <seconds> (default 8), --concurrency <n> (default 32),
 * --workers <n> (API instances on the port through node:cluster, default 1); environment:
 * BENCH_API_QUERY (another operation to send the API), BENCH_API_NODE_ARGS (Node flags of the API).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { JsonRpcProvider, Wallet, encodeBytes32String, toUtf8Bytes, zeroPadBytes } from 'ethers';
import { print } from 'graphql';
import { deployHealthRecords } from '../../contracts/deploy/deploy';
import { RecordsPageDocument } from '../../api/src/graphql/subgraph/documents';
import { ApiClient } from '../api-client';
import { startEmbeddedMongo } from '../database/embedded-mongo';
import { startEmbeddedChain } from '../chain';
import { spawnWithReadyLine, type ManagedChild } from '../child-process';
import { startScratchGraphNode } from '../graph-node';
import { runLoad, type LoadResult } from './load';
import { REPO_ROOT, freePort, hardhatKey, processTreeCpuSeconds, scratchApiEnvironment, subgraphBuildFor } from './stack-parts';

const RECORDS = 50;
const log = (line: string) => process.stderr.write(`[bench:api] ${line}\n`);

const API_QUERY = `query Page($patient: String!) {
  records(patient: $patient, category: "Observation", first: ${RECORDS}) {
    nodes { id category version commitment createdAt author { address status providerProfile { displayName organization } } }
    pageInfo { hasNextPage endCursor }
  }
}`;

function observation(value: number) {
  return {
    resourceType: 'Observation',
    status: 'final',
    code: { coding: [{ system: 'http://loinc.org', code: '2339-0', display: 'Glucose [Mass/volume] in Blood' }] },
    valueQuantity: { value, unit: 'mg/dL', system: 'http://unitsofmeasure.org', code: 'mg/dL' },
  };
}

function tsNodeChild(name: string, script: string, args: string[], env: NodeJS.ProcessEnv, nodeArgs: string[] = []): Promise<ManagedChild<{ event: 'ready'; url: string }>> {
  return spawnWithReadyLine({
    name,
    command: process.execPath,
    args: [...nodeArgs, '-r', 'ts-node/register/transpile-only', path.join(__dirname, script), ...args],
    cwd: REPO_ROOT,
    env: { ...process.env, TS_NODE_TRANSPILE_ONLY: 'true', HARDHAT_DISABLE_TELEMETRY_PROMPT: 'true', ...env },
    timeoutMs: 120_000,
    onOutput: (line) => log(`${name}: ${line}`),
  });
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { json: { type: 'boolean' }, duration: { type: 'string' }, concurrency: { type: 'string' }, workers: { type: 'string' } },
  });
  const durationMs = Number(values.duration ?? 8) * 1000;
  const concurrency = Number(values.concurrency ?? 32);
  const workers = Number(values.workers ?? 1);
  const folder = mkdtempSync(path.join(os.tmpdir(), 'bench-api-'));
  const stops: (() => Promise<void>)[] = [];
  try {
    log('starting the chain');
    const chain = await startEmbeddedChain('127.0.0.1', 0);
    stops.push(() => chain.stop());
    const provider = new JsonRpcProvider(chain.url, chain.chainId, { staticNetwork: true, cacheTimeout: -1 });
    const wallet = (index: number) => new Wallet(hardhatKey(index), provider);
    const [admin, registrar, auditor, patient, , doctor] = [0, 1, 2, 3, 4, 5].map(wallet) as Wallet[];

    log('deploying');
    const { deployment, contracts } = await deployHealthRecords(admin!, { network: 'bench', registrar: registrar!.address, auditor: auditor!.address });
    const deploymentFile = path.join(folder, 'deployment.json');
    writeFileSync(deploymentFile, JSON.stringify(deployment));
    await (await contracts.directory.connect(registrar!).verifyMember(doctor!.address, 1, `0x${'11'.repeat(32)}`)).wait();
    const latest = (await provider.getBlock('latest'))!;
    await (
      await contracts.consents.connect(patient!).grantConsent({
        patient: patient!.address,
        grantee: doctor!.address,
        scope: encodeBytes32String('Observation'),
        access: 3,
        purpose: zeroPadBytes(toUtf8Bytes('TREAT'), 16),
        expiresAt: BigInt(latest.timestamp + 30 * 86_400),
      })
    ).wait();

    log('starting graph-node (gnd dev) on PostgreSQL, FerretDB and the API');
    const build = subgraphBuildFor(deployment, path.join(folder, 'subgraph'));
    const node = await startScratchGraphNode({ manifest: path.join(build, 'subgraph.yaml'), rpcUrl: chain.url, folder, onWarning: log });
    stops.push(() => node.stop());
    const mongo = await startEmbeddedMongo({ dataDir: path.join(folder, 'ferretdb') });
    stops.push(() => mongo.stop());
    const apiPort = await freePort();
    const api = await tsNodeChild('API', 'api-process.ts', [], {
      ...scratchApiEnvironment({ rpcUrl: chain.url, subgraphUrl: node.queryUrl, mongodbUri: mongo.uri, deploymentFile, dataDir: path.join(folder, 'data'), port: apiPort }),
      NODE_ENV: 'production',
      PORT: String(apiPort),
      API_WORKERS: String(workers),
      // BENCH_API_NODE_ARGS: extra Node flags for the API process, e.g. --cpu-prof to profile it.
      // A larger young generation (Node's standard tuning for allocation-heavy servers) means fewer
      // scavenges per request; deployments set it the same way, through NODE_OPTIONS.
    }, ['--max-semi-space-size=64', ...(process.env.BENCH_API_NODE_ARGS?.split(' ').filter(Boolean) ?? [])]);
    stops.push(() => api.stop());

    log(`seeding ${RECORDS} records`);
    const client = await new ApiClient(api.ready.url).signIn(doctor!);
    await client.graphql(`mutation { updateProviderProfile(input: { displayName: "Dr. Bench", organization: "Benchmark Hospital" }) { displayName } }`);
    const doctorSender = doctor!.connect(provider);
    for (let i = 0; i < RECORDS; i += 1) {
      const answer = await client.graphql<{ prepareRecord: { transaction: { to: string; data: string } } }>(
        `mutation ($input: PrepareRecordInput!) { prepareRecord(input: $input) { transaction { to data } } }`,
        { input: { patient: patient!.address, category: 'Observation', content: observation(80 + i) } },
      );
      if (answer.errors) throw new Error(`prepareRecord failed: ${JSON.stringify(answer.errors)}`);
      await (await doctorSender.sendTransaction(answer.data!.prepareRecord.transaction)).wait();
    }
    const head = await provider.getBlockNumber();
    // The subgraph-only side sends the very operation the API sends for this page (its first read of a
    // request, unpinned), so the comparison is the same data, with and without the API around it.
    const subgraphQuery = JSON.stringify({
      query: print(RecordsPageDocument),
      variables: {
        block: null,
        where: { patient: patient!.address.toLowerCase(), category: encodeBytes32String('Observation') },
        first: RECORDS + 1,
      },
    });
    for (;;) {
      const response = await fetch(node.queryUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: subgraphQuery });
      const body = (await response.json()) as { data?: { _meta: { block: { number: number } }; records: unknown[] } };
      if ((body.data?._meta.block.number ?? 0) >= head && body.data?.records.length === RECORDS) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }

    // BENCH_API_QUERY measures another operation over the same data (it gets the $patient variable),
    // e.g. a one-record page, to tell the API's cost per request from its cost per record.
    const apiQuery = process.env.BENCH_API_QUERY ?? API_QUERY;
    const apiBody = JSON.stringify({ query: apiQuery, variables: { patient: patient!.address } });
    const check = await client.graphql<{ records?: { nodes: unknown[] } }>(apiQuery, { patient: patient!.address });
    if (check.errors || (apiQuery === API_QUERY && check.data?.records?.nodes.length !== RECORDS)) {
      throw new Error(`The API answered ${JSON.stringify(check).slice(0, 500)}`);
    }
    const accepts = (text: string) => !text.includes('"errors"');
    const apiLoad = (ms: number) => runLoad({ url: `${api.ready.url}/graphql`, body: apiBody, headers: { cookie: client.cookie! }, concurrency, durationMs: ms, accept: accepts });
    const subgraphLoad = (ms: number) => runLoad({ url: node.queryUrl, body: subgraphQuery, concurrency, durationMs: ms, accept: accepts });

    log('warming up');
    await apiLoad(2000);
    await subgraphLoad(2000);
    // CPU time per request of each server, which unlike requests per second does not depend on how
    // fast the host happens to be, or on what else shares its cores.
    // CPU of process trees: the API's (with its workers), or graph-node's and PostgreSQL's together.
    const cpuSeconds = (pids: number[]) => pids.reduce<number | null>((sum, pid) => {
      const seconds = processTreeCpuSeconds(pid);
      return sum === null || seconds === null ? null : sum + seconds;
    }, 0);
    const cpuMsPerRequest = async (pids: number[], load: () => Promise<LoadResult>): Promise<[LoadResult, number | null]> => {
      const before = cpuSeconds(pids);
      const result = await load();
      const after = cpuSeconds(pids);
      return [result, before === null || after === null ? null : Number((((after - before) * 1000) / result.requests).toFixed(3))];
    };
    log(`measuring the API (${concurrency} connections, ${durationMs / 1000} s)`);
    const [viaApi, apiCpuMs] = await cpuMsPerRequest([api.pid], () => apiLoad(durationMs));
    log(`measuring graph-node alone (${concurrency} connections, ${durationMs / 1000} s)`);
    const [subgraphOnly, subgraphCpuMs] = await cpuMsPerRequest(node.pids, () => subgraphLoad(durationMs));

    const result = {
      requestsPerSecond: Math.round(viaApi.requestsPerSecond),
      p50Ms: Number(viaApi.p50Ms.toFixed(2)),
      p99Ms: Number(viaApi.p99Ms.toFixed(2)),
      subgraphOnlyRequestsPerSecond: Math.round(subgraphOnly.requestsPerSecond),
      subgraphOnlyP50Ms: Number(subgraphOnly.p50Ms.toFixed(2)),
      subgraphOnlyP99Ms: Number(subgraphOnly.p99Ms.toFixed(2)),
      /** CPU milliseconds per request of the API process(es) while measured. */
      apiCpuMsPerRequest: apiCpuMs,
      /** CPU milliseconds per request of graph-node and its PostgreSQL while measured alone. */
      subgraphOnlyCpuMsPerRequest: subgraphCpuMs,
      records: RECORDS,
      concurrency,
      apiWorkers: workers,
      durationSeconds: durationMs / 1000,
      failures: viaApi.failures + subgraphOnly.failures,
      ...(viaApi.firstFailure ? { firstFailure: viaApi.firstFailure } : {}),
    };
    if (values.json) process.stdout.write(`${JSON.stringify(result)}\n`);
    else process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    if (result.failures > 0) process.exitCode = 1;
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    rmSync(folder, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench:api failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
