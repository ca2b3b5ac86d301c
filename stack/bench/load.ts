import http from 'node:http';

export interface LoadOptions {
  url: string;
  /** The JSON body posted by every request, or bodies posted in turn (a mix of pages). */
  body: string | readonly string[];
  headers?: Record<string, string>;
  /** Connections kept open, each with one request in flight. */
  concurrency: number;
  durationMs: number;
  /** Checks a response body; a false answer counts as a failed request. */
  accept?: (body: string) => boolean;
}

export interface LoadResult {
  requests: number;
  failures: number;
  seconds: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  firstFailure?: string;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/**
 * A closed-loop load generator: `concurrency` keep-alive connections, each sending the next POST as
 * soon as the previous answer is read, for `durationMs`. Latency is measured per request.
 */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const target = new URL(options.url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.concurrency, maxFreeSockets: options.concurrency });
  const bodies = typeof options.body === 'string' ? [options.body] : options.body;
  let sentCount = 0;
  const latencies: number[] = [];
  let failures = 0;
  let firstFailure: string | undefined;
  const started = process.hrtime.bigint();
  const deadline = started + BigInt(options.durationMs) * 1_000_000n;

  const once = () =>
    new Promise<void>((resolve) => {
      const body = bodies[sentCount++ % bodies.length]!;
      const headers = { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), ...options.headers };
      const sent = process.hrtime.bigint();
      const req = http.request(target, { method: 'POST', agent, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const ok = res.statusCode === 200 && (options.accept ? options.accept(text) : true);
          if (ok) latencies.push(Number(process.hrtime.bigint() - sent) / 1e6);
          else {
            failures += 1;
            firstFailure ??= `HTTP ${res.statusCode}: ${text.slice(0, 300)}`;
          }
          resolve();
        });
      });
      req.on('error', (error) => {
        failures += 1;
        firstFailure ??= error.message;
        resolve();
      });
      req.end(body);
    });

  await Promise.all(
    Array.from({ length: options.concurrency }, async () => {
      while (process.hrtime.bigint() < deadline) await once();
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  return {
    requests: latencies.length,
    failures,
    seconds,
    requestsPerSecond: latencies.length / seconds,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    firstFailure,
  };
}
