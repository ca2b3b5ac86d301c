/**
 * Persistence cost of the query benchmark's data set: writing it through a journaled store, the
 * journal's size, and the time a restarted store takes to replay it.
 *
 *   ts-node subgraph/local-node/bench/query-journal.ts [--json]
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createEntityStore } from '../store';
import { JOURNAL_FILE } from '../store/journal';
import { BENCH_SCHEMA, fillBenchStore } from './query-fixture';

async function main(): Promise<void> {
  const json = process.argv.includes('--json');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'query-journal-'));
  try {
    let t0 = performance.now();
    const store = await fillBenchStore(dir);
    const writes = [...store.schema.entities.keys()].reduce((n, t) => n + store.table(t).versionCount, 0);
    await store.close();
    const writeMs = performance.now() - t0;
    const journalMiB = fs.statSync(path.join(dir, JOURNAL_FILE)).size / 1024 / 1024;
    t0 = performance.now();
    const reopened = await createEntityStore({ schemaSdl: BENCH_SCHEMA, dataDir: dir });
    const replayMs = performance.now() - t0;
    const blocks = reopened.latestBlock()!.number;
    await reopened.close();
    const summary = {
      blocks,
      entityWrites: writes,
      writesPerSecond: Math.round(writes / (writeMs / 1000)),
      journalMiB: Math.round(journalMiB * 10) / 10,
      replayMs: Math.round(replayMs),
      loadAverage1m: Math.round(os.loadavg()[0] * 100) / 100,
    };
    process.stdout.write(json ? `${JSON.stringify(summary)}\n` : `${blocks} blocks, ${writes} entity writes at ${summary.writesPerSecond}/s with the journal; journal ${summary.journalMiB} MiB, replayed in ${summary.replayMs} ms\n`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).stack}\n`);
  process.exit(1);
});
