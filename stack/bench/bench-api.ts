/**
 * `npm run bench:api -- --json`: a signed-in provider reads records pages through the API, and the
 * subgraph query each page sends is sent straight to graph-node, in one run, with the same load
 * generator and concurrency. Prints one JSON object last:
 * { requestsPerSecond, p50Ms, p99Ms, graphNodeOnlyRequestsPerSecond, apiCpuMsPerRequest,
 *   txToApiP50Ms, txToApiP95Ms, eventLatencyP50Ms, liveSubscribers, liveApiCpuMsPerEvent,
 *   engine: "graph-node", graphNodeVersion, ... }.
 *
 * The data: the demo as `npm start` seeds it, plus 50 patients with 100 Observation records each (by default),
 * written by the demo's general practitioner under the patients' consents (bench-population.ts). A
 * page is 50 records of one patient with their decrypted content (purpose TREAT), integrity and author:
 * the full read path, with the chain's permission decisions and an audit entry per record read. The
 * load cycles through the patients' pages; graph-node alone gets the same queries in turn.
 *
 * Every part runs as its own process, as in a deployment: anvil, graph-node (gnd dev) on PostgreSQL,
 * FerretDB, the API, and this process as the load generator. Setting up (deploying, seeding,
 * indexing) is not timed. Options: --duration <seconds> (default 8), --concurrency <n> (default 16),
 * --samples <n> (consent grants timed from receipt to API answer, default 20), --patients <n> (default
 * 50) and --records-per-patient <n> (default 100, at least a page) for smaller runs, --scaling <sizes>
 * (default 5000,50000: the same pages measured again with the store padded to that many record
 * documents, `scaling`; then `signInP50Ms` among 10,000 sessions and `auditTrailPageP50Ms` among
 * 100,000 audit entries, the padding written straight to the store by pad-store.ts); environment:
 * BENCH_API_PROFILE_DIR (a folder: a CPU profile of the API process over the measured load is written there).
 * The API runs as production runs it: compiled (`npm run build:api`, which this script runs first),
 * `node dist/api/src/main.js`.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { JsonRpcProvider, Wallet, encodeBytes32String, toUtf8Bytes, zeroPadBytes, type Signer } from 'ethers';
import type { Client } from 'graphql-ws';
import { print } from 'graphql';
import { deployHealthRecords } from '../../contracts/deploy/deploy';
import { attachHealthRecords } from '../../contracts/deployment/deployment';
import { RecordsPageDocument } from '../../api/src/graphql/subgraph/documents';
import { ApiClient } from '../demo/api-client';
import { startEmbeddedMongo } from '../documents/embedded-mongo';
import { testWallet } from '../chain/demo-accounts';
import { startEmbeddedChain } from '../chain/chain';
import { startApiProcess } from '../api/api-process';
import { liveClient, Subscription } from '../demo/live-client';
import { startScratchGraphNode } from '../graph-node';
import { gndBinary } from '../graph-node/gnd-process';
import { seedBenchPopulation } from './bench-population';
import { backendsCpuBetween, countDocuments, countersBetween, documentBackendsCpu, padCollection, tableCounters, type StoreAccess } from './pad-store';
import { runLoad, type LoadResult } from './load';
import { scratchApiEnvironment } from '../api/api-environment';
import { subgraphBuildFor } from '../graph-node/subgraph-build';
import { freePort } from '../process/free-port';
import { processTreeCpuSeconds } from './process-cpu';

const PAGE = 50;
const log = (line: string) => process.stderr.write(`[bench:api] ${line}\n`);

const API_QUERY = `query Page($patient: Address!) {
  records(patient: $patient, category: "Observation", first: ${PAGE}) {
    nodes { id category version commitment createdAt integrity content(purpose: "TREAT") author { address status } }
    pageInfo { hasNextPage endCursor }
  }
}`;

const TRAIL_QUERY = `query Trail($me: Address!) { patient(address: $me) { auditTrail(first: 20) { nodes { id actor recordId at } } } }`;
/** Sessions and audit entries in the store for signInP50Ms and auditTrailPageP50Ms, and how many of each are timed. */
const SESSIONS = 10_000;
const AUDIT_ENTRIES = 100_000;
const TIMED_SAMPLES = 30;
const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
const round2 = (value: number) => Number(value.toFixed(2));

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      json: { type: 'boolean' },
      duration: { type: 'string' },
      concurrency: { type: 'string' },
      samples: { type: 'string' },
      patients: { type: 'string' },
      'records-per-patient': { type: 'string' },
      scaling: { type: 'string' },
      subscribers: { type: 'string' },
    },
  });
  const scalingSizes = (values.scaling ?? '5000,50000').split(',').filter(Boolean).map(Number);
  const patients = Number(values.patients ?? 50);
  const recordsPerPatient = Number(values['records-per-patient'] ?? 100);
  if (recordsPerPatient < PAGE) throw new Error(`--records-per-patient must be at least ${PAGE}, a full page.`);
  const durationMs = Number(values.duration ?? 8) * 1000;
  const concurrency = Number(values.concurrency ?? 16);
  const samples = Number(values.samples ?? 20);
  const folder = mkdtempSync(path.join(os.tmpdir(), 'bench-api-'));
  const stops: (() => Promise<void>)[] = [];
  try {
    log('starting the chain');
    const chain = await startEmbeddedChain('127.0.0.1', 0);
    stops.push(() => chain.stop());
    // No cached answers (cacheTimeout -1): the deploy sends transactions back to back, each needing its nonce.
    const provider = new JsonRpcProvider(chain.url, chain.chainId, { staticNetwork: true, pollingInterval: 10, cacheTimeout: -1 });
    const [admin, registrar, auditor] = [0, 1, 2].map((index) => testWallet(index, provider));

    log('deploying');
    const { deployment } = await deployHealthRecords(admin!, { network: 'bench', registrar: registrar!.address, auditor: auditor!.address });
    const deploymentFile = path.join(folder, 'deployment.json');
    writeFileSync(deploymentFile, JSON.stringify(deployment));

    log('starting graph-node (gnd dev) on PostgreSQL, FerretDB and the API');
    const build = subgraphBuildFor(deployment, path.join(folder, 'subgraph'));
    const node = await startScratchGraphNode({ manifest: path.join(build, 'subgraph.yaml'), rpcUrl: chain.url, folder, onWarning: log });
    stops.push(() => node.stop());
    const mongo = await startEmbeddedMongo({ postgresAdminUrl: node.postgres!.adminUrl, folder: path.join(folder, 'ferretdb') });
    stops.push(() => mongo.stop());
    const apiPort = await freePort();
    const profileDir = process.env.BENCH_API_PROFILE_DIR;
    // The API as production runs it: the compiled build (`npm run bench:api` runs `npm run build:api`
    // first), `node dist/api/src/main.js`, as its own process.
    const api = await startApiProcess({
      env: {
        ...process.env,
        ...scratchApiEnvironment({ rpcUrl: chain.url, subgraphUrl: node.queryUrl, mongodbUri: mongo.clientUri('health-records'), deploymentFile, dataDir: path.join(folder, 'data'), port: apiPort }),
        // The demo's relayer (the scratch environment's account 9 is a demo provider here).
        RELAYER_PRIVATE_KEY: testWallet(3).privateKey,
        MUTATION_RATE_LIMIT: '1000000',
        // The live figures sign in one account per 8 subscribers from this one address.
        AUTH_RATE_LIMIT: '1000000',
        NODE_ENV: 'production',
        // BENCH_API_PROFILE_DIR: a CPU profile of the API over the measured load (profile-on-signal.ts).
        NODE_OPTIONS: profileDir ? `--require ts-node/register/transpile-only --require ${path.join(__dirname, 'profile-on-signal.ts')}` : '',
        TS_NODE_TRANSPILE_ONLY: 'true',
      },
      host: '127.0.0.1',
      port: apiPort,
      onOutput: (line) => log(`API: ${line}`),
    });
    stops.push(() => api.stop());

    // The demo seed reads through the API, which needs the subgraph deployed and at the chain's head.
    await node.waitForBlock(await provider.getBlockNumber(), 600_000);
    const population = await seedBenchPopulation({
      rpcUrl: chain.url,
      chainId: chain.chainId,
      deployment,
      apiOrigin: api.url,
      patients,
      recordsPerPatient,
      log,
    });
    log('waiting for graph-node to index the chain');
    await node.waitForBlock(await provider.getBlockNumber(), 600_000);

    // graph-node alone gets the operation the API sends for each page (its first read of a request,
    // unpinned), so the comparison is the same data, with and without the API around it.
    const graphNodeBodies = population.patients.map((patient) =>
      JSON.stringify({
        query: print(RecordsPageDocument),
        variables: { block: null, where: { patient: patient.toLowerCase(), category: encodeBytes32String('Observation') }, first: PAGE + 1 },
      }),
    );
    const apiBodies = population.patients.map((patient) => JSON.stringify({ query: API_QUERY, variables: { patient } }));
    log('checking every page');
    for (const patient of population.patients) {
      type Page = { records: { nodes: { integrity: string; content: unknown }[] } };
      const page = await population.provider.data<Page>(API_QUERY, { patient });
      const nodes = page.records.nodes;
      if (nodes.length !== PAGE || nodes.some((record) => record.integrity !== 'VERIFIED' || !record.content)) {
        throw new Error(`The API answered ${JSON.stringify(page).slice(0, 500)} for ${patient}'s page`);
      }
    }

    const accepts = (text: string) => !text.includes('"errors"');
    const apiLoad = (ms: number) =>
      runLoad({ url: `${api.url}/graphql`, body: apiBodies, headers: { cookie: population.provider.cookie! }, concurrency, durationMs: ms, accept: accepts });
    const graphNodeLoad = (ms: number) => runLoad({ url: node.queryUrl, body: graphNodeBodies, concurrency, durationMs: ms, accept: accepts });

    log('warming up');
    await apiLoad(3000);
    await graphNodeLoad(2000);
    // CPU time (user + system, what process.cpuUsage() reports) per request of the API process, and of
    // graph-node and its PostgreSQL together: unlike requests per second it hardly depends on what else
    // shares the cores.
    const cpuSeconds = (pids: number[]) =>
      pids.reduce<number | null>((sum, pid) => {
        const seconds = processTreeCpuSeconds(pid);
        return sum === null || seconds === null ? null : sum + seconds;
      }, 0);
    const measured = async (pids: number[], load: () => Promise<LoadResult>): Promise<[LoadResult, number | null]> => {
      const before = cpuSeconds(pids);
      const result = await load();
      const after = cpuSeconds(pids);
      return [result, before === null || after === null ? null : Number((((after - before) * 1000) / result.requests).toFixed(3))];
    };
    log(`measuring the API (${concurrency} connections, ${durationMs / 1000} s)`);
    if (profileDir) process.kill(api.pid, 'SIGUSR2');
    const databaseCpuBefore = processTreeCpuSeconds(mongo.pid);
    const [viaApi, apiCpuMs] = await measured([api.pid], () => apiLoad(durationMs));
    const databaseCpuAfter = processTreeCpuSeconds(mongo.pid);
    if (profileDir) process.kill(api.pid, 'SIGUSR2');
    log(`measuring graph-node alone (${concurrency} connections, ${durationMs / 1000} s)`);
    const [graphNodeOnly, graphNodeCpuMs] = await measured([node.pid, ...(node.postgres ? [node.postgres.pid] : [])], () => graphNodeLoad(durationMs));

    log(`${samples} consent grants, each from its receipt until the API answers with it`);
    const txToApi = await txToApiLatencies({ chainUrl: chain.url, apiUrl: api.url, graphNodeUrl: node.queryUrl, provider, deployment, samples });

    // Scaling: the same pages with the store padded (other patients' records written straight to it),
    // then sign-in among many sessions and an audit-trail page among many entries.
    const store: StoreAccess = { mongodbUri: mongo.clientUri('health-records'), postgresAdminUrl: node.postgres!.adminUrl, database: mongo.settings.database ?? 'ferretdb' };
    const scaling: Record<string, unknown>[] = [];
    for (const size of scalingSizes) {
      await padCollection(store, 'records', size, log);
      await apiLoad(2000);
      log(`measuring the API with ${size} record documents in the store`);
      const countersBefore = await tableCounters(store);
      const storeBefore = [processTreeCpuSeconds(mongo.pid), await documentBackendsCpu(store)] as const;
      const [load, cpuMs] = await measured([api.pid], () => apiLoad(durationMs));
      const storeAfter = [processTreeCpuSeconds(mongo.pid), await documentBackendsCpu(store)] as const;
      // PostgreSQL's own maintenance of the tables during the measurement (its workers' CPU is in the store's),
      // and any table a statement read whole.
      const countersAfter = await tableCounters(store);
      const maintenance = countersBetween(countersBefore, countersAfter, 'maintenance');
      const seqScans = countersBetween(countersBefore, countersAfter, 'seqScans');
      log(`  FerretDB ${(((storeAfter[0] ?? 0) - (storeBefore[0] ?? 0)) * 1000 / load.requests).toFixed(1)} ms per request; autovacuum or autoanalyze during it: ${maintenance.join(', ') || 'none'}; sequential scans: ${seqScans.join(', ') || 'none'}`);
      const storeSeconds = storeBefore[0] === null || storeAfter[0] === null ? null : storeAfter[0] - storeBefore[0] + backendsCpuBetween(storeBefore[1], storeAfter[1]);
      scaling.push({
        recordDocuments: await countDocuments(store, 'records'),
        requestsPerSecond: Math.round(load.requestsPerSecond),
        p50Ms: round2(load.p50Ms),
        p99Ms: round2(load.p99Ms),
        /** FerretDB's CPU and that of the PostgreSQL backends serving it, per request. */
        storeCpuMsPerRequest: storeSeconds === null ? null : Number(((storeSeconds * 1000) / load.requests).toFixed(3)),
        apiCpuMsPerRequest: cpuMs,
        failures: load.failures,
      });
    }
    await padCollection(store, 'siwe_sessions', SESSIONS, log);
    const signIns: number[] = [];
    for (let i = 0; i < TIMED_SAMPLES; i += 1) {
      const started = performance.now();
      await new ApiClient(api.url).signIn(testWallet(8));
      signIns.push(performance.now() - started);
    }
    await padCollection(store, 'audit_entries', AUDIT_ENTRIES, log);
    const patient = await new ApiClient(api.url).signIn(testWallet(4));
    const trailPages: number[] = [];
    for (let i = 0; i < TIMED_SAMPLES; i += 1) {
      const started = performance.now();
      await patient.data(TRAIL_QUERY, { me: testWallet(4).address });
      trailPages.push(performance.now() - started);
    }
    const median = (values: number[]) => round2(percentile([...values].sort((a, b) => a - b), 50));
    log(`live updates: ${values.subscribers ?? 400} subscribers held, ${samples} consent grants each timed from its receipt to its event`);
    const live = await liveFigures({ apiUrl: api.url, apiPid: api.pid, provider, deployment, samples, subscribers: Number(values.subscribers ?? 400) });

    const result = {
      requestsPerSecond: Math.round(viaApi.requestsPerSecond),
      p50Ms: round2(viaApi.p50Ms),
      p99Ms: round2(viaApi.p99Ms),
      graphNodeOnlyRequestsPerSecond: Math.round(graphNodeOnly.requestsPerSecond),
      graphNodeOnlyP50Ms: round2(graphNodeOnly.p50Ms),
      graphNodeOnlyP99Ms: round2(graphNodeOnly.p99Ms),
      apiToGraphNodeRatio: round2(viaApi.requestsPerSecond / graphNodeOnly.requestsPerSecond),
      /** CPU milliseconds per request of the API process while measured. */
      apiCpuMsPerRequest: apiCpuMs,
      /** CPU milliseconds per API request of FerretDB (the API's document database). */
      databaseCpuMsPerRequest:
        databaseCpuBefore === null || databaseCpuAfter === null ? null : Number((((databaseCpuAfter - databaseCpuBefore) * 1000) / viaApi.requests).toFixed(3)),
      /** CPU milliseconds per request of graph-node and its PostgreSQL while measured alone. */
      graphNodeOnlyCpuMsPerRequest: graphNodeCpuMs,
      txToApiP50Ms: Math.round(percentile(txToApi.api, 50)),
      txToApiP95Ms: Math.round(percentile(txToApi.api, 95)),
      /** The same grants, from the receipt until graph-node itself answers with them. */
      txToGraphNodeP50Ms: Math.round(percentile(txToApi.graphNode, 50)),
      txToGraphNodeP95Ms: Math.round(percentile(txToApi.graphNode, 95)),
      txToApiSamples: txToApi.api.length,
      /** The same pages with the store padded to each size (record documents of other patients). */
      scaling,
      /** A sign-in (nonce, signature, session) with SESSIONS sessions stored. */
      signInP50Ms: median(signIns),
      signInSessions: await countDocuments(store, 'siwe_sessions'),
      /** A page of 20 of a patient's audit trail with AUDIT_ENTRIES entries stored. */
      auditTrailPageP50Ms: median(trailPages),
      auditEntries: await countDocuments(store, 'audit_entries'),
      ...live,
      /** The API process's start-up: from its start to listening, as its ready line says. */
      apiStartupMs: api.startupMs,
      engine: 'graph-node',
      graphNodeVersion: execFileSync(gndBinary(), ['--version'], { encoding: 'utf8' }).split('\n')[0]!.trim(),
      recordsPerPage: PAGE,
      pages: population.patients.length,
      records: patients * recordsPerPatient,
      concurrency,
      durationSeconds: durationMs / 1000,
      failures: viaApi.failures + graphNodeOnly.failures + scaling.reduce((sum, size) => sum + (size.failures as number), 0),
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

/**
 * With the chain idle: a patient grants a grantee a consent (a new scope each time); from the moment
 * its receipt is there, the grantee asks the API for the consents it received until the new one is in
 * the answer, and graph-node is asked for it directly at the same time. Milliseconds, sorted.
 */
async function txToApiLatencies(options: {
  chainUrl: string;
  apiUrl: string;
  provider: JsonRpcProvider;
  deployment: Parameters<typeof attachHealthRecords>[0];
  graphNodeUrl: string;
  samples: number;
}): Promise<{ api: number[]; graphNode: number[] }> {
  const patient = testWallet(17, options.provider);
  const grantee = testWallet(18, options.provider);
  const client = await new ApiClient(options.apiUrl).signIn(grantee);
  const consents = attachHealthRecords(options.deployment, patient).consents;
  const query = `query Received($me: Address!) { patient(address: $me) { consentsReceived(first: 100) { nodes { patient scope } } } }`;
  type Received = { patient: { consentsReceived: { nodes: { patient: string; scope: string }[] } } };
  const latest = (await options.provider.getBlock('latest'))!;
  const latencies: number[] = [];
  const graphNode: number[] = [];
  for (let i = 0; i < options.samples; i += 1) {
    const scope = `Latency${i}`;
    const sent = await consents.grantConsent({
      patient: patient.address,
      grantee: grantee.address,
      scope: encodeBytes32String(scope),
      access: 1,
      purpose: zeroPadBytes(toUtf8Bytes('TREAT'), 16),
      expiresAt: BigInt(latest.timestamp + 30 * 86_400),
    });
    await sent.wait();
    const receiptAt = performance.now();
    const deadline = receiptAt + 60_000;
    // graph-node itself is asked at the same time, to tell the indexer's share from the API's.
    const seenBy = async (ask: () => Promise<boolean>): Promise<number> => {
      while (!(await ask())) {
        if (performance.now() > deadline) throw new Error(`Consent ${scope} was not answered within 60 s of its receipt.`);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      return performance.now() - receiptAt;
    };
    const [viaApi, viaGraphNode] = await Promise.all([
      seenBy(async () => {
        const answer = await client.data<Received>(query, { me: grantee.address });
        return answer.patient.consentsReceived.nodes.some((consent) => consent.scope === scope && consent.patient === patient.address.toLowerCase());
      }),
      seenBy(async () => {
        const response = await fetch(options.graphNodeUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ query: `{ consents(where: { scopeName: "${scope}" }) { id } }` }),
        });
        const body = (await response.json()) as { data?: { consents: unknown[] } };
        return (body.data?.consents.length ?? 0) > 0;
      }),
    ]);
    latencies.push(viaApi);
    graphNode.push(viaGraphNode);
  }
  return { api: latencies.sort((a, b) => a - b), graphNode: graphNode.sort((a, b) => a - b) };
}

/**
 * Live updates (GraphQL subscriptions): `subscribers` myEvents subscriptions held on the API by
 * accounts signed in with SIWE (8 per account, the per-account cap, on one socket each), one of them
 * the grantee of `samples` consent grants; each grant is timed from its receipt until the grantee's
 * subscription is told, and the API process's CPU over those grants is divided by their number (one
 * event per block, told to 1 of the held subscriptions; the poll of graph-node's head included).
 */
async function liveFigures(options: {
  apiUrl: string;
  apiPid: number;
  provider: JsonRpcProvider;
  deployment: Parameters<typeof attachHealthRecords>[0];
  samples: number;
  subscribers: number;
}): Promise<{ eventLatencyP50Ms: number; eventLatencyP95Ms: number; liveSubscribers: number; liveApiCpuMsPerEvent: number | null }> {
  const PER_ACCOUNT = 8;
  const patient = testWallet(17, options.provider);
  const grantee = testWallet(19, options.provider);
  const query = `subscription { myEvents { kind category block } }`;
  type Told = { myEvents: { kind: string; category: string | null } };
  const clients: Client[] = [];
  try {
    const subscribe = async (signer: Signer) => {
      const client = liveClient(options.apiUrl, (await new ApiClient(options.apiUrl).signIn(signer)).cookie);
      clients.push(client);
      return client;
    };
    const granteeClient = await subscribe(grantee);
    const told = new Subscription<Told>(granteeClient, query);
    const held: Subscription<Told>[] = [told];
    while (held.length < options.subscribers) {
      const client = await subscribe(Wallet.createRandom());
      for (let i = 0; i < PER_ACCOUNT && held.length < options.subscribers; i += 1) held.push(new Subscription<Told>(client, query));
    }

    const consents = attachHealthRecords(options.deployment, patient).consents;
    const latest = (await options.provider.getBlock('latest'))!;
    const latencies: number[] = [];
    const cpuBefore = processTreeCpuSeconds(options.apiPid);
    for (let i = 0; i < options.samples; i += 1) {
      const scope = `Live${i}`;
      const sent = await consents.grantConsent({ patient: patient.address, grantee: grantee.address, scope: encodeBytes32String(scope), access: 1, purpose: zeroPadBytes(toUtf8Bytes('TREAT'), 16), expiresAt: BigInt(latest.timestamp + 30 * 86_400) });
      await sent.wait();
      const receiptAt = performance.now();
      await told.until((result) => result.myEvents.category === scope);
      latencies.push(performance.now() - receiptAt);
    }
    const cpuAfter = processTreeCpuSeconds(options.apiPid);
    // Every subscription stayed open throughout (one refused by a cap would have ended at once, with its error).
    const refused = held.filter((subscription) => subscription.done);
    if (refused.length > 0) throw new Error(`${refused.length} subscriptions were refused or ended: ${JSON.stringify(refused[0]!.error)}`);
    latencies.sort((a, b) => a - b);
    return {
      eventLatencyP50Ms: Math.round(percentile(latencies, 50)),
      eventLatencyP95Ms: Math.round(percentile(latencies, 95)),
      liveSubscribers: held.length,
      liveApiCpuMsPerEvent: cpuBefore === null || cpuAfter === null ? null : Number((((cpuAfter - cpuBefore) * 1000) / options.samples).toFixed(3)),
    };
  } finally {
    await Promise.all(clients.map((client) => client.dispose()));
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench:api failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
