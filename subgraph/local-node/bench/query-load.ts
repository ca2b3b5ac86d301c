/**
 * The benchmark's load generator, run in its own process so that it does not share the server's
 * event loop: N concurrent keep-alive clients POST the query mix for a fixed time and report the
 * throughput and latency percentiles as one JSON line on stdout.
 *
 *   query-load.ts <url> <concurrency> <warmupSeconds> <seconds>
 */
import * as http from 'node:http';
import { benchRequest } from './query-mix';

interface Result {
  /** Requests completed inside the measured window. */
  requests: number;
  errors: number;
  seconds: number;
  latenciesMs: number[];
  firstError?: string;
  /** Every request sent, warm-up included, and this process's CPU time for them. */
  totalRequests: number;
  cpuMs: number;
}

interface Prepared {
  name: string;
  body: Buffer;
}

/**
 * POSTs a prepared body. The client does as little as it can (it shares the machine with the
 * server): it keeps the first and last bytes of the response to tell data from errors.
 */
function post(agent: http.Agent, url: URL, body: Buffer): Promise<{ status: number; head: string; tail: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { agent, host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: { 'content-type': 'application/json', 'content-length': body.length } },
      (res) => {
        let head = '';
        let last: Buffer | null = null;
        res.on('data', (c: Buffer) => {
          if (head.length < 16) head += c.subarray(0, 16).toString('latin1');
          last = c;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, head, tail: last ? (last as Buffer).subarray(-64).toString('latin1') : '' }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function main(): Promise<void> {
  const [urlText, concurrencyText, warmupText, secondsText] = process.argv.slice(2);
  const url = new URL(urlText);
  const concurrency = Number(concurrencyText);
  const warmupMs = Number(warmupText) * 1000;
  const runMs = Number(secondsText) * 1000;
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const result: Result = { requests: 0, errors: 0, seconds: runMs / 1000, latenciesMs: [], totalRequests: 0, cpuMs: 0 };
  const start = performance.now();
  const measureFrom = start + warmupMs;
  const end = measureFrom + runMs;
  let seed = 12345;
  const pick = (n: number): number => {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    return seed % n;
  };
  // Bodies are serialised up front so that the measured loop does not spend CPU on them.
  const prepared: Prepared[] = [];
  for (let i = 0; i < 6000; i++) {
    const r = benchRequest(i, pick);
    prepared.push({ name: r.name, body: Buffer.from(JSON.stringify({ query: r.query, variables: r.variables })) });
  }
  let counter = 0;
  const cpuBefore = process.cpuUsage();
  const client = async (): Promise<void> => {
    while (performance.now() < end) {
      const r = prepared[counter++ % prepared.length];
      const t0 = performance.now();
      let ok = false;
      try {
        const res = await post(agent, url, r.body);
        ok = res.status === 200 && res.head.startsWith('{"data":') && !res.tail.includes('"errors"');
        if (!ok && !result.firstError) result.firstError = `${r.name}: HTTP ${res.status} ${res.head}…${res.tail}`;
      } catch (e) {
        if (!result.firstError) result.firstError = `${r.name}: ${(e as Error).message}`;
      }
      const t1 = performance.now();
      if (t0 >= measureFrom && t1 <= end) {
        result.requests++;
        if (!ok) result.errors++;
        result.latenciesMs.push(t1 - t0);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, client));
  const cpu = process.cpuUsage(cpuBefore);
  result.cpuMs = (cpu.user + cpu.system) / 1000;
  result.totalRequests = counter;
  agent.destroy();
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).stack}\n`);
  process.exit(1);
});
