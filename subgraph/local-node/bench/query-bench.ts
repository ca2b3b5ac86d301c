/**
 * Query benchmark of the local subgraph node: a store of 110,000 entities (about 130,000 versions),
 * the query server on loopback, and a load generator in a separate process with 16 concurrent
 * clients sending a mix of list queries for a bounded time.
 *
 *   npm run bench:subgraph-query [-- --json] [--seconds 10] [--concurrency 16]
 *
 * With --json it prints one JSON object: { requestsPerSecond, p50Ms, p99Ms, ... }.
 */
import { spawn } from 'node:child_process';
import * as os from 'node:os';
import * as path from 'node:path';
import { startQueryServer } from '../graphql/server';
import { fillBenchStore } from './query-fixture';
import { benchRequest } from './query-mix';

function option(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(name);
  if (i < 0) return fallback;
  const v = Number(args[i + 1]);
  if (!Number.isFinite(v) || v <= 0) throw new Error(`${name} needs a positive number`);
  return v;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const json = args.includes('--json');
  const seconds = option(args, '--seconds', 10);
  const concurrency = option(args, '--concurrency', 16);
  const warmup = option(args, '--warmup', 3);
  const log = (m: string): void => {
    if (!json) process.stdout.write(`${m}\n`);
  };

  const t0 = performance.now();
  const store = await fillBenchStore();
  const entities = [...store.schema.entities.keys()].reduce((n, t) => n + store.table(t).current.size, 0);
  const versions = [...store.schema.entities.keys()].reduce((n, t) => n + store.table(t).versionCount, 0);
  log(`store: ${entities} entities, ${versions} versions, filled in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

  const server = await startQueryServer({ store, name: 'bench/query', port: 0, host: '127.0.0.1' });
  // Build the lazily created indexes before measuring, as a database has its indexes before it is
  // queried: run every query of the mix a few times in-process.
  const t1 = performance.now();
  let seed = 99;
  const pick = (n: number): number => {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    return seed % n;
  };
  for (let i = 0; i < 60; i++) server.api.executeJson(benchRequest(i, pick));
  log(`indexes built in ${((performance.now() - t1) / 1000).toFixed(1)} s`);
  log(`server: ${server.url}; ${concurrency} clients for ${seconds} s after ${warmup} s of warm-up`);

  const cpuBefore = process.cpuUsage();
  const loader = spawn(
    process.execPath,
    ['-r', 'ts-node/register/transpile-only', path.join(__dirname, 'query-load.ts'), server.url, String(concurrency), String(warmup), String(seconds)],
    { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, TS_NODE_PROJECT: path.join(__dirname, '../../../tsconfig.json') } },
  );
  let out = '';
  loader.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
  const code = await new Promise<number | null>((resolve) => loader.on('close', resolve));
  const cpu = process.cpuUsage(cpuBefore);
  const rssMiB = process.memoryUsage().rss / 1024 / 1024;
  await server.close();
  await store.close();
  if (code !== 0) throw new Error(`the load generator (pid ${loader.pid}) exited with ${code}`);

  const r = JSON.parse(out.trim().split('\n').pop()!) as {
    requests: number;
    errors: number;
    seconds: number;
    latenciesMs: number[];
    firstError?: string;
    cpuMs: number;
    totalRequests: number;
  };
  const sorted = r.latenciesMs.sort((a, b) => a - b);
  const summary = {
    requestsPerSecond: Math.round((r.requests / r.seconds) * 10) / 10,
    p50Ms: Math.round(percentile(sorted, 50) * 100) / 100,
    p99Ms: Math.round(percentile(sorted, 99) * 100) / 100,
    p90Ms: Math.round(percentile(sorted, 90) * 100) / 100,
    maxMs: Math.round(sorted[sorted.length - 1] * 100) / 100,
    requests: r.requests,
    errors: r.errors,
    entities,
    versions,
    concurrency,
    seconds: r.seconds,
    /** Other work on the machine skews the figures; the 1-minute load average shows how much. */
    loadAverage1m: Math.round(os.loadavg()[0] * 100) / 100,
    /** CPU time per request (warm-up included) of the server process and of the load generator. */
    serverCpuMsPerRequest: Math.round(((cpu.user + cpu.system) / 1000 / r.totalRequests) * 1000) / 1000,
    clientCpuMsPerRequest: Math.round((r.cpuMs / r.totalRequests) * 1000) / 1000,
    serverRssMiB: Math.round(rssMiB),
    cpus: os.cpus().length,
  };
  if (r.errors > 0) process.stderr.write(`${r.errors} requests failed; first: ${r.firstError}\n`);
  if (json) process.stdout.write(`${JSON.stringify(summary)}\n`);
  else log(`${summary.requestsPerSecond} requests/s, p50 ${summary.p50Ms} ms, p99 ${summary.p99Ms} ms (${r.requests} requests, ${r.errors} errors)`);
  if (r.errors > 0) process.exitCode = 1;
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).stack}\n`);
  process.exit(1);
});
