/**
 * Every query the API's request paths send to the embedded store is answered through an index. The
 * documents are on a PostgreSQL of this test's own, where the documents' role loads auto_explain: every
 * statement FerretDB runs for the API is logged with the plan PostgreSQL executed, with its real
 * parameters. The role plans as the stack sets it up (sequential scans only where no index applies:
 * `enable_seqscan` off), so a `Seq Scan` on a collection's table means no index could serve the
 * statement: the request path would read the whole collection, and the test fails naming the statement.
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mongoose from 'mongoose';
import { Client } from 'pg';
import { ApiClient } from '../../stack/demo/api-client';
import type { EmbeddedMongo } from '../../stack/documents/embedded-mongo';
import { createIndexTwins } from '../../stack/documents/index-twins';
import { padCollection } from '../../stack/bench/pad-store';
import { asAdminIn, startPostgres, type EmbeddedPostgres } from '../../stack/postgres/postgres';
import { startApiStack, type ApiStack } from './support/api-stack';
import { seed, type Seeded } from './support/seed';

jest.setTimeout(300_000);

const RECORDS_WITH_CONTENT = `query ($patient: Address!) {
  records(patient: $patient, category: "Observation", first: 50) {
    nodes { id integrity content(purpose: "TREAT") author { address providerProfile { displayName } } }
  }
}`;
const TRAIL = `query ($address: Address!, $after: String) {
  patient(address: $address) { auditTrail(first: 2, after: $after) { nodes { id recordId } pageInfo { endCursor } } }
}`;

interface Plan {
  statement: string;
  plan: string;
}

/** The auto_explain entries of `logFile` written after `offset` (entries start with a time stamp). */
function plansSince(logFile: string, offset: number): Plan[] {
  const text = readFileSync(logFile).subarray(offset).toString('utf8');
  return text
    .split(/\n(?=\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)/)
    .filter((entry) => / plan:\n/.test(entry))
    .map((entry) => {
      const statement = /Query Text: (.*)/.exec(entry)?.[1] ?? entry;
      return { statement, plan: entry.slice(entry.indexOf('\n') + 1) };
    });
}

let folder: string;
let postgres: EmbeddedPostgres;
let stack: ApiStack;
let seeded: Seeded;
let documentsDatabase: string;

beforeAll(async () => {
  folder = mkdtempSync(path.join(os.tmpdir(), 'index-use-'));
  postgres = await startPostgres({ folder, durable: false });
  const watch = async (mongo: EmbeddedMongo) => {
    const role = mongo.settings.database!;
    documentsDatabase = role;
    const admin = new Client({ connectionString: postgres.adminUrl });
    await admin.connect();
    try {
      for (const setting of [
        "session_preload_libraries = 'auto_explain'",
        'auto_explain.log_min_duration = 0',
      ]) {
        await admin.query(`ALTER ROLE ${role} SET ${setting}`);
      }
    } finally {
      await admin.end();
    }
  };
  stack = await startApiStack({ documentsPostgres: postgres.adminUrl, onDatabase: watch });
  seeded = await seed(stack, { observations: 3 });
});

afterAll(async () => {
  await stack?.stop();
  await postgres?.stop();
  rmSync(folder, { recursive: true, force: true });
});

test('sign-in, sessions, profiles, record pages with content, single records, audit-trail pages and audit batching use an index for every statement', async () => {
  const { patient, provider } = stack.system;
  const { auditBatches } = stack.server.services;
  // The one-time pass of a store's first sealing (entries kept with a null batch id), before the watch.
  await auditBatches.sealAll();
  const offset = statSync(postgres.logFile).size;

  // Sign-in: a nonce issued, used once and deleted; a session stored, then found by every request.
  const providerClient = await new ApiClient(stack.url).signIn(provider);
  const patientClient = await new ApiClient(stack.url).signIn(patient);
  // A mutation: the shared rate limit's count and the profile's read-modify-write.
  const profile = await patientClient.graphql(`mutation { updatePatientProfile(input: { displayName: "Ada L." }) { displayName } }`);
  expect(profile.errors).toBeUndefined();
  // A page of records with contents: the records' documents, their authors' profiles, the audit entries.
  const page = await providerClient.graphql<{ records: { nodes: { id: string; integrity: string; content: string }[] } }>(RECORDS_WITH_CONTENT, { patient: patient.address });
  expect(page.errors).toBeUndefined();
  expect(page.data!.records.nodes.map((node) => node.integrity)).toEqual(seeded.observations.map(() => 'VERIFIED'));
  // One record by id.
  const one = await patientClient.graphql(`query ($id: Bytes32!) { record(id: $id) { id category integrity } }`, { id: seeded.condition });
  expect(one.errors).toBeUndefined();
  // The audit trail, two pages.
  type Trail = { patient: { auditTrail: { nodes: { id: string }[]; pageInfo: { endCursor: string } } } };
  const first = await patientClient.graphql<Trail>(TRAIL, { address: patient.address });
  expect(first.errors).toBeUndefined();
  expect(first.data!.patient.auditTrail.nodes).toHaveLength(2);
  const second = await patientClient.graphql<Trail>(TRAIL, { address: patient.address, after: first.data!.patient.auditTrail.pageInfo.endCursor });
  expect(second.errors).toBeUndefined();
  expect(second.data!.patient.auditTrail.nodes.length).toBeGreaterThan(0);
  // Audit batching: the page's entries sealed into a batch (under its lease), and an entry's proof.
  const [sealed] = await auditBatches.sealAll();
  expect(sealed?.entryIds.length).toBeGreaterThan(0);
  await auditBatches.proofFor(sealed!.entryIds[0]!);

  const plans = plansSince(postgres.logFile, offset).filter((entry) => !entry.statement.includes('_ferretdb_database_metadata'));
  // The watch saw the requests' statements (so a missing plan cannot pass for an index scan).
  expect(plans.filter((entry) => /^SELECT/i.test(entry.statement)).length).toBeGreaterThan(10);
  const scans = plans.filter((entry) => /Seq Scan on /.test(entry.plan)).map((entry) => entry.statement);
  expect([...new Set(scans)]).toEqual([]);
});

test('a read of hundreds of records among thousands goes through the index, as concurrent pages share it, with the role planning as the stack sets it', async () => {
  // Thousands of other patients' records just written, before PostgreSQL's statistics know them (as
  // after any burst of writes): guessing how many rows a `$in` of hundreds of keys matches, it chose to
  // read the whole table and test every row against every key, unless the role plans sequential scans
  // only where no index applies (as the stack sets it up; without that, this test fails).
  const access = { mongodbUri: stack.mongo.clientUri('health-records'), postgresAdminUrl: postgres.adminUrl, database: documentsDatabase };
  expect(await padCollection(access, 'records', 5000, () => undefined)).toBeGreaterThan(4900);
  const store = new mongoose.mongo.MongoClient(access.mongodbUri);
  let wanted: string[];
  try {
    wanted = (await store.db().collection('records').find({}, { projection: { recordId: 1 } }).limit(800).toArray()).map((record) => record.recordId as string);
  } finally {
    await store.close();
  }
  const offset = statSync(postgres.logFile).size;
  const found = await stack.server.services.records.documents(wanted);
  expect(found.map((record) => record?.recordId)).toEqual(wanted);
  const plans = plansSince(postgres.logFile, offset).filter((entry) => entry.statement.includes('."records_'));
  expect(plans.length).toBeGreaterThan(0);
  expect(plans.filter((entry) => /Seq Scan on /.test(entry.plan)).map((entry) => entry.statement)).toEqual([]);
});

test('the indexes that serve lookups keep no pending list, so a lookup does not read through every entry written since the last vacuum', async () => {
  const twins = await asAdminIn(postgres.adminUrl, documentsDatabase, (client) =>
    client.query<{ name: string; options: string[] | null }>(
      `SELECT c.relname AS name, c.reloptions AS options FROM pg_class c JOIN pg_am am ON am.oid = c.relam JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE am.amname = 'gin' AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')`,
    ),
  );
  // Every collection the API reads by a field has such an index (records, profiles, sessions, audit entries…).
  expect(twins.rows.length).toBeGreaterThan(5);
  expect(twins.rows.filter((twin) => !(twin.options ?? []).includes('fastupdate=off')).map((twin) => twin.name)).toEqual([]);
});

test('a non-unique index is a GIN index under the name FerretDB knows, also in a store kept from before: listed, dropped and written through as before', async () => {
  const store = new mongoose.mongo.MongoClient(stack.mongo.clientUri('health-records'));
  await store.connect();
  const inDocuments = <T>(work: (client: Client) => Promise<T>) => asAdminIn(postgres.adminUrl, documentsDatabase, work);
  const methods = async (table: string) =>
    inDocuments(async (client) =>
      (
        await client.query<{ name: string; method: string; unique: boolean }>(
          `SELECT c.relname AS name, am.amname AS method, i.indisunique AS unique FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
            JOIN pg_am am ON am.oid = c.relam JOIN pg_class t ON t.oid = i.indrelid WHERE t.relname LIKE $1 || '\\_%' ORDER BY c.relname`,
          [table],
        )
      ).rows,
    );
  try {
    // The API's own: the audit entries' two compound indexes (patient's trail, batching) are GIN, its unique ones btree with a twin.
    const audit = await methods('audit_entries');
    expect(audit.filter((index) => index.method === 'btree' && !index.unique)).toEqual([]);
    expect(audit.filter((index) => index.method === 'btree').length).toBe(2); // _id and entryId
    expect(audit.filter((index) => index.method === 'gin').length).toBe(4);
    const declared = (await store.db().collection('audit_entries').listIndexes().toArray()).map((index) => index.name as string);
    expect(declared).toEqual(expect.arrayContaining(['entryId_1', 'patient_1_at_-1_entryId_-1', 'batchId_1_at_1_entryId_1']));

    // A store kept from before: its non-unique index is still FerretDB's btree (made with the trigger off).
    const scratch = store.db().collection('kept_layout');
    await scratch.insertOne({ ward: 'north' });
    await inDocuments((client) => client.query('ALTER EVENT TRIGGER index_twins DISABLE'));
    try {
      await scratch.createIndex({ ward: 1 });
    } finally {
      await inDocuments((client) => client.query('ALTER EVENT TRIGGER index_twins ENABLE'));
    }
    expect((await methods('kept_layout')).filter((index) => index.name.includes('ward')).map((index) => index.method)).toEqual(['btree']);
    await createIndexTwins(postgres.adminUrl, documentsDatabase);
    expect((await methods('kept_layout')).filter((index) => index.name.includes('ward')).map((index) => index.method)).toEqual(['gin']);
    await scratch.insertOne({ ward: 'south' });
    expect(await scratch.countDocuments({ ward: 'south' })).toBe(1);
    expect((await scratch.listIndexes().toArray()).map((index) => index.name)).toContain('ward_1');
    await scratch.dropIndex('ward_1');
    expect((await methods('kept_layout')).filter((index) => index.name.includes('ward'))).toEqual([]);
  } finally {
    await store.close();
  }
});
