import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { MASTER_KEY_FILE } from '../../../api/src/records/master-key';
import { fhir } from '../../fixtures/fhir';
import { Client } from 'pg';
import { START_TIMEOUT_MS, startTestDatabase, testPostgresAdminUrl, type TestDatabase } from './support/test-database';

const PATIENT = '0x00000000000000000000000000000000000000a1';

// Distinctive phrases of the sample resources: none may appear anywhere the database keeps data.
const MEDICAL_PHRASES = ['hypoglycaemia', 'Lovelace', 'Blood glucose', 'cat dander', 'salbutamol', 'Salbutamol', 'persistent asthma', 'Two puffs', '2339-0', 'mg/dL'];

let db: TestDatabase;
beforeAll(async () => {
  db = await startTestDatabase();
  const records = db.layer.records;
  const glucose = await records.create({ patient: PATIENT, author: PATIENT, content: fhir.observationGlucose() });
  const asthma = await records.create({ patient: PATIENT, author: PATIENT, content: fhir.conditionAsthma() });
  await records.amend({ recordId: asthma.recordId, author: PATIENT, content: { ...fhir.conditionAsthma(), onsetDateTime: '2019-06-01' } });
  const medication = await records.create({ patient: PATIENT, author: PATIENT, content: fhir.medicationStatement() });
  const reads = await records.readEach([glucose, asthma, medication].map(({ recordId }) => ({ recordId, reader: PATIENT, purpose: 'TREAT' })), () => true);
  const failed = reads.find((read) => read instanceof Error);
  if (failed) throw failed;
  await records.erase({ recordId: medication.recordId, erasedBy: PATIENT });
  await db.layer.auditBatches.sealAll();
}, START_TIMEOUT_MS);
afterAll(() => db?.stop());

/**
 * The files of the documents' PostgreSQL database (its folder in the cluster), after a checkpoint has
 * written every change to them. (The write-ahead log is the whole cluster's, shared with other tests.)
 */
/**
 * What `reading` gives, or null when the file went away meanwhile: PostgreSQL removes files while the
 * scan runs (a cache file such as `pg_internal.init` whenever an index is created or renamed), and a file
 * no longer on disk holds nothing to find.
 */
async function presentOrNull<T>(reading: Promise<T>): Promise<T | null> {
  try {
    return await reading;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

async function databaseFiles(): Promise<string[]> {
  const admin = new Client({ connectionString: testPostgresAdminUrl() });
  await admin.connect();
  try {
    await admin.query('CHECKPOINT');
    const { rows } = await admin.query<{ oid: number; dir: string }>(
      "SELECT oid, current_setting('data_directory') AS dir FROM pg_database WHERE datname = $1",
      [db.server.settings.database],
    );
    const folder = path.join(rows[0]!.dir, 'base', String(rows[0]!.oid));
    const files: string[] = [];
    for (const name of await readdir(folder)) if ((await presentOrNull(stat(path.join(folder, name))))?.isFile()) files.push(path.join(folder, name));
    // The documents are there: the collections' tables hold data.
    expect(files.length).toBeGreaterThan(10);
    return files;
  } finally {
    await admin.end();
  }
}

/** Every string and every binary value (decoded as UTF-8 and Latin-1) inside a raw BSON document. */
function textsOf(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (value && typeof value === 'object') {
    const bytes = (value as { _bsontype?: string; buffer?: Uint8Array })._bsontype === 'Binary' ? (value as { buffer: Uint8Array }).buffer : Buffer.isBuffer(value) ? value : null;
    if (bytes) {
      out.push(Buffer.from(bytes).toString('utf8'), Buffer.from(bytes).toString('latin1'));
    } else {
      for (const [key, inner] of Object.entries(value)) {
        out.push(key);
        textsOf(inner, out);
      }
    }
  }
  return out;
}

describe('nothing readable as medical data is stored in plain text', () => {
  it('finds no phrase of any record in any raw collection (native driver)', async () => {
    const database = db.layer.database.connection.db!;
    const collections = await database.listCollections().toArray();
    expect(collections.map((c) => c.name)).toEqual(expect.arrayContaining(['records', 'audit_entries', 'audit_batches']));
    let documents = 0;
    for (const { name } of collections) {
      for (const document of await database.collection(name).find().toArray()) {
        documents += 1;
        const texts = textsOf(document).join('\n');
        for (const phrase of MEDICAL_PHRASES) expect({ collection: name, phrase, found: texts.includes(phrase) }).toEqual({ collection: name, phrase, found: false });
      }
    }
    expect(documents).toBeGreaterThanOrEqual(3 + 3);
  });

  it('finds no phrase in the database files on disk', async () => {
    const files = await databaseFiles();
    for (const file of files) {
      const bytes = await presentOrNull(readFile(file));
      if (!bytes) continue;
      for (const phrase of MEDICAL_PHRASES) expect({ file, phrase, found: bytes.includes(phrase) }).toEqual({ file, phrase, found: false });
    }
  });

  it('checks itself: the same scan does find a phrase written in plain text', async () => {
    const canary = db.layer.database.connection.db!.collection('scan_canary');
    await canary.insertOne({ note: `plain ${MEDICAL_PHRASES[0]} text`, blob: Buffer.from(MEDICAL_PHRASES[1]!) });
    const texts = textsOf(await canary.findOne()).join('\n');
    expect(texts).toContain(MEDICAL_PHRASES[0]);
    expect(texts).toContain(MEDICAL_PHRASES[1]);
    await canary.drop();
  });

  it('keeps the generated master key owner-only, and never in the database', async () => {
    const file = path.join(db.dataDir, MASTER_KEY_FILE);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const keyHex = (await readFile(file, 'utf8')).trim();
    const keyBytes = Buffer.from(keyHex, 'hex');
    for (const file of await databaseFiles()) {
      const bytes = await presentOrNull(readFile(file));
      expect(bytes !== null && (bytes.includes(keyBytes) || bytes.includes(keyHex))).toBe(false);
    }
  });
});
