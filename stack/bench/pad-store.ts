/**
 * Grows the API's document store for the scaling measurements of `bench:api`: copies of a stored
 * document, each with fresh keys (other patients' records, other users' sessions, other patients' audit
 * entries), written straight to the store, never anchored on-chain. And the CPU time of the
 * PostgreSQL backends that serve the documents' database (FerretDB's connections).
 */
import { randomBytes } from 'node:crypto';
import mongoose from 'mongoose';
import { asAdminIn } from '../postgres/postgres';
import { processTreeCpuSeconds } from './process-cpu';

const hex = (bytes: number) => randomBytes(bytes).toString('hex');
export const randomAddress = () => `0x${hex(20)}`;
export const randomBytes32 = () => `0x${hex(32)}`;

/** What a copy changes so that it is another patient's, or another user's, document. */
export type Vary = (copy: Record<string, unknown>) => Record<string, unknown>;

export const PADDING: Record<'records' | 'siwe_sessions' | 'audit_entries', Vary> = {
  records: (copy) => ({ ...copy, recordId: randomBytes32(), patient: randomAddress() }),
  siwe_sessions: (copy) => ({ ...copy, idHash: hex(32), address: randomAddress() }),
  // A thousand other patients, so one patient's trail stays what the load made it.
  audit_entries: (copy) => ({ ...copy, entryId: randomBytes32(), patient: `0x${'00'.repeat(18)}${hex(2)}` }),
};

export interface StoreAccess {
  /** The documents' connection string with credentials (EmbeddedMongo.clientUri). */
  mongodbUri: string;
  /** Admin URL of the PostgreSQL the documents are on, and the documents' database there. */
  postgresAdminUrl: string;
  database: string;
}

/** How many documents `collection` holds, counted by PostgreSQL (FerretDB would read every one). */
export function countDocuments(access: StoreAccess, collection: string): Promise<number> {
  return asAdminIn(access.postgresAdminUrl, access.database, async (client) => {
    const table = await client.query<{ name: string }>(
      "SELECT format('%I.%I', n.nspname, c.relname) AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind = 'r' AND c.relname LIKE $1 || '\\_%' AND n.nspname = 'health-records'",
      [collection],
    );
    if (!table.rows[0]) return 0;
    const counted = await client.query<{ count: string }>(`SELECT count(*) FROM ${table.rows[0].name}`);
    return Number(counted.rows[0]!.count);
  });
}

/** Adds copies of one of `collection`'s documents until it holds `total`; returns how many it added. */
export async function padCollection(access: StoreAccess, collection: keyof typeof PADDING, total: number, log: (line: string) => void): Promise<number> {
  const missing = total - (await countDocuments(access, collection));
  if (missing <= 0) return 0;
  const client = new mongoose.mongo.MongoClient(access.mongodbUri);
  await client.connect();
  try {
    const target = client.db().collection(collection);
    const template = await target.findOne({}, { projection: { _id: 0 } });
    if (!template) throw new Error(`Nothing to copy: ${collection} is empty.`);
    const started = Date.now();
    for (let done = 0; done < missing; ) {
      const batch = Array.from({ length: Math.min(1000, missing - done) }, () => PADDING[collection]({ ...template }));
      await target.insertMany(batch, { ordered: false });
      done += batch.length;
      if (done % 10_000 === 0 || done === missing) log(`${collection}: ${done} of ${missing} copies written (${Math.round((Date.now() - started) / 1000)} s)`);
    }
    return missing;
  } finally {
    await client.close();
  }
}

/**
 * CPU seconds (user + system) of each PostgreSQL backend connected to the documents' database now, by
 * PID: FerretDB keeps its connections, so the difference of two snapshots is their work in between.
 */
export function documentBackendsCpu(access: StoreAccess): Promise<Map<number, number>> {
  return asAdminIn(access.postgresAdminUrl, access.database, async (client) => {
    const backends = await client.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [access.database]);
    return new Map(backends.rows.map(({ pid }) => [pid, processTreeCpuSeconds(pid) ?? 0]));
  });
}

/** The CPU seconds the backends spent between two snapshots (a backend new since `before` counts in full). */
export function backendsCpuBetween(before: Map<number, number>, after: Map<number, number>): number {
  let seconds = 0;
  for (const [pid, now] of after) seconds += now - (before.get(pid) ?? 0);
  return seconds;
}

/** Counters PostgreSQL keeps per table: its autovacuum and autoanalyze runs, and its sequential scans. */
export interface TableCounters {
  maintenance: number;
  seqScans: number;
}

/**
 * PostgreSQL's counters of each collection's table so far (by collection name): the difference of two
 * snapshots tells which maintenance ran during a measurement, and which tables a query read whole.
 */
export function tableCounters(access: StoreAccess): Promise<Map<string, TableCounters>> {
  return asAdminIn(access.postgresAdminUrl, access.database, async (client) => {
    const tables = await client.query<{ name: string; maintenance: string; seq_scans: string }>(
      "SELECT relname AS name, autovacuum_count + autoanalyze_count AS maintenance, seq_scan AS seq_scans FROM pg_stat_user_tables WHERE schemaname = 'health-records'",
    );
    return new Map(tables.rows.map((row) => [row.name.replace(/_[0-9a-f]{8}$/, ''), { maintenance: Number(row.maintenance), seqScans: Number(row.seq_scans) }]));
  });
}

/** The collections whose `counter` grew between two snapshots, e.g. `audit_entries ×2`. */
export function countersBetween(before: Map<string, TableCounters>, after: Map<string, TableCounters>, counter: keyof TableCounters): string[] {
  return [...after]
    .map(([name, now]) => [name, now[counter] - (before.get(name)?.[counter] ?? 0)] as const)
    .filter(([, grown]) => grown > 0)
    .map(([name, grown]) => `${name} ×${grown}`);
}
