/**
 * Times each query of the benchmark mix in-process (no HTTP), to see where a request's time goes.
 *
 *   ts-node subgraph/local-node/bench/query-profile.ts
 */
import { QueryApi } from '../graphql/executor';
import { fillBenchStore } from './query-fixture';
import { benchRequest } from './query-mix';

async function main(): Promise<void> {
  const store = await fillBenchStore();
  const api = new QueryApi({ store, deployment: 'bench' });
  let seed = 7;
  const pick = (n: number): number => {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    return seed % n;
  };
  const only = process.env.KIND === undefined ? null : Number(process.env.KIND);
  for (let kind = 0; kind < 6; kind++) {
    if (only !== null && kind !== only) continue;
    const runs = Number(process.env.RUNS ?? 300);
    let bytes = 0;
    let name = '';
    for (let i = 0; i < 20; i++) api.execute(benchRequest(kind, pick));
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    for (let i = 0; i < runs; i++) {
      const r = benchRequest(kind, pick);
      name = r.name;
      const json = api.executeJson(r);
      if (!json.startsWith('{"data":') || json.includes('"errors":[')) throw new Error(`${r.name}: ${json.slice(0, 300)}`);
      bytes += json.length;
    }
    const ms = (performance.now() - t0) / runs;
    const cpu = process.cpuUsage(c0);
    const cpuMs = (cpu.user + cpu.system) / 1000 / runs;
    process.stdout.write(`${name.padEnd(28)} ${ms.toFixed(3)} ms/query (${cpuMs.toFixed(3)} ms CPU)  ${Math.round(bytes / runs)} bytes\n`);
  }
}

void main();
