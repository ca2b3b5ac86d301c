import { keccak256 } from 'ethers';
import { BadInputError, ConflictError, FhirValidationError, ForbiddenError, NotFoundError } from '../../../api/src/errors';
import { canonicalBytes } from '../../../api/src/records/canonical-json';
import { computeCommitment } from '../../../api/src/records/commitment';
import { RecordIntegrityChecker } from '../../../api/src/records/record-integrity.batch';
import type { RecordDoc } from '../../../api/src/records/record.model';
import type { ReadAuthorizer, RecordRead } from '../../../api/src/records/record.service';
import { fhir } from '../../fixtures/fhir';
import { START_TIMEOUT_MS, startTestDatabase, type TestDatabase } from './support/test-database';

const PATIENT = '0x00000000000000000000000000000000000000a1';
const PROVIDER = '0x00000000000000000000000000000000000000b2';
const STRANGER = '0x00000000000000000000000000000000000000c3';
const LISTED = '0x00000000000000000000000000000000000000d4';

let db: TestDatabase;
beforeAll(async () => {
  db = await startTestDatabase();
}, START_TIMEOUT_MS);
afterAll(() => db?.stop());

const allowAll = () => true;

/**
 * One record's contents through `readEach`, as the API's record loader reads them: the read itself, or
 * the error its outcome holds (ForbiddenError for a denied read, NotFoundError for an unknown record).
 */
async function readOne(request: { recordId: string; reader: string; purpose: string }, authorize: ReadAuthorizer): Promise<RecordRead> {
  const [outcome] = await db.layer.records.readEach([request], authorize);
  if (outcome instanceof Error) throw outcome;
  return outcome!;
}
const rawRecord = (recordId: string) => db.layer.models.Record.collection.findOne({ recordId }) as Promise<RecordDoc | null>;

describe('canonical JSON and commitments', () => {
  it('gives equal bytes for equal JSON whatever the key order (RFC 8785)', () => {
    const a = canonicalBytes({ b: [1, 2.5, 'x'], a: { d: 1e21, c: null } });
    const b = canonicalBytes({ a: { c: null, d: 1e21 }, b: [1, 2.5, 'x'] });
    expect(Buffer.from(a).toString('utf8')).toBe('{"a":{"c":null,"d":1e+21},"b":[1,2.5,"x"]}');
    expect(Buffer.from(b)).toEqual(Buffer.from(a));
  });

  it('commits to keccak256(salt || canonical bytes)', () => {
    const salt = new Uint8Array(32).fill(7);
    const canonical = canonicalBytes({ resourceType: 'Basic' });
    expect(computeCommitment(salt, canonical)).toBe(keccak256(Buffer.concat([salt, canonical])));
  });
});

describe('records', () => {
  it('stores a FHIR resource encrypted and reads it back equal, with a fresh data key per version', async () => {
    const receipt = await db.layer.records.create({ patient: PATIENT, author: PROVIDER, content: fhir.observationGlucose() });
    expect(receipt).toMatchObject({ patient: PATIENT, category: 'Observation', version: 1 });
    expect(receipt.recordId).toMatch(/^0x[0-9a-f]{64}$/);
    expect(receipt.commitment).toMatch(/^0x[0-9a-f]{64}$/);

    const read = await readOne({ recordId: receipt.recordId, reader: PATIENT, purpose: 'TREAT' }, allowAll);
    expect(read.content).toEqual(fhir.observationGlucose());
    expect(read.version).toBe(1);

    const changed = { ...fhir.observationGlucose(), valueQuantity: { value: 101, unit: 'mg/dL', system: 'http://unitsofmeasure.org', code: 'mg/dL' } };
    const amended = await db.layer.records.amend({ recordId: receipt.recordId, author: PROVIDER, content: changed });
    expect(amended).toMatchObject({ version: 2, previousCommitment: receipt.commitment });
    expect(amended.commitment).not.toBe(receipt.commitment);

    const again = await readOne({ recordId: receipt.recordId, reader: PATIENT, purpose: 'TREAT' }, allowAll);
    expect(again.content).toEqual(changed);

    const stored = await rawRecord(receipt.recordId);
    expect(stored!.versions).toHaveLength(2);
    const [v1, v2] = stored!.versions;
    expect(Buffer.from(v1!.wrappedKey!.ciphertext.buffer)).not.toEqual(Buffer.from(v2!.wrappedKey!.ciphertext.buffer));
  });

  it('gives the same commitment for the same content only with the same salt', async () => {
    const first = await db.layer.records.create({ patient: PATIENT, author: PATIENT, content: fhir.conditionAsthma() });
    const second = await db.layer.records.create({ patient: PATIENT, author: PATIENT, content: fhir.conditionAsthma() });
    expect(first.commitment).not.toBe(second.commitment);
  });

  it('refuses an invalid FHIR resource with the validator’s messages, writing nothing', async () => {
    const before = await db.layer.models.Record.countDocuments();
    const error = await db.layer.records
      .create({ patient: PATIENT, author: PROVIDER, content: fhir.invalidObservation() })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(FhirValidationError);
    expect(error).toBeInstanceOf(BadInputError);
    const issues = (error as FhirValidationError).issues;
    expect(issues).toEqual(
      expect.arrayContaining([
        { field: 'content.Observation.code', message: 'Missing required property' },
        { field: 'content.Observation.value[x].value', message: expect.stringContaining('expected number') },
        { field: 'content.Observation.bloodSugar', message: expect.stringContaining('bloodSugar') },
      ]),
    );
    expect((error as FhirValidationError).code).toBe('BAD_USER_INPUT');
    await expect(db.layer.records.create({ patient: PATIENT, author: PROVIDER, content: { resourceType: 'Nonsense' } })).rejects.toBeInstanceOf(
      FhirValidationError,
    );
    await expect(db.layer.records.create({ patient: PATIENT, author: PROVIDER, content: 'text' })).rejects.toMatchObject({ field: 'content' });
    expect(await db.layer.models.Record.countDocuments()).toBe(before);
  });

  it('keeps a record’s resource type across amendments', async () => {
    const receipt = await db.layer.records.create({ patient: PATIENT, author: PROVIDER, content: fhir.conditionAsthma() });
    await expect(db.layer.records.amend({ recordId: receipt.recordId, author: PROVIDER, content: fhir.observationGlucose() })).rejects.toMatchObject({
      field: 'content.resourceType',
    });
  });

  it('writes the audit entry before decrypting, and logs and refuses denied reads', async () => {
    const receipt = await db.layer.records.create({ patient: PATIENT, author: PROVIDER, content: fhir.medicationStatement() });

    const read = await readOne({ recordId: receipt.recordId, reader: PROVIDER, purpose: 'TREAT' }, async (request) => {
      // Authorization sees the record's facts, and nothing is logged yet.
      expect(request).toMatchObject({ patient: PATIENT, category: 'MedicationStatement', version: 1, reader: PROVIDER });
      expect(await db.layer.models.AuditEntry.countDocuments({ recordId: receipt.recordId })).toBe(0);
      return true;
    });
    const entry = await db.layer.auditLog.entry(read.auditEntryId);
    expect(entry).toMatchObject({ actor: PROVIDER, patient: PATIENT, recordId: receipt.recordId, purpose: 'TREAT', decision: 'allowed', recordVersion: 1 });

    await expect(readOne({ recordId: receipt.recordId, reader: STRANGER, purpose: 'HRESCH' }, () => false)).rejects.toBeInstanceOf(
      ForbiddenError,
    );
    expect(await db.layer.models.AuditEntry.findOne({ recordId: receipt.recordId, actor: STRANGER }).lean()).toMatchObject({ decision: 'denied', purpose: 'HRESCH' });
  });

  it('reads a batch with one outcome per request, logging every decision before decrypting any', async () => {
    const mine = await db.layer.records.create({ patient: PATIENT, author: PROVIDER, content: fhir.observationGlucose() });
    const theirs = await db.layer.records.create({ patient: STRANGER, author: STRANGER, content: fhir.conditionAsthma() });
    const unknown = `0x${'cd'.repeat(32)}`;
    const results = await db.layer.records.readEach(
      [mine, theirs, { recordId: unknown }].map(({ recordId }) => ({ recordId, reader: PATIENT, purpose: 'TREAT' })),
      (request) => request.patient === PATIENT,
    );
    expect(results[0]).toMatchObject({ content: fhir.observationGlucose(), version: 1 });
    expect(results[1]).toBeInstanceOf(ForbiddenError);
    expect(results[2]).toBeInstanceOf(NotFoundError);
    const logged = await db.layer.models.AuditEntry.find({ actor: PATIENT, recordId: { $in: [mine.recordId, theirs.recordId, unknown] } }).lean();
    expect(logged.map((entry) => [entry.recordId, entry.decision]).sort()).toEqual(
      [
        [mine.recordId, 'allowed'],
        [theirs.recordId, 'denied'],
      ].sort(),
    );
  });

  it('returns no content when the audit entry cannot be written', async () => {
    const receipt = await db.layer.records.create({ patient: PATIENT, author: PROVIDER, content: fhir.medicationStatement() });
    // An invalid purpose makes the audit write fail: the read must fail with it.
    await expect(
      readOne({ recordId: receipt.recordId, reader: PROVIDER, purpose: 'treat me' }, allowAll),
    ).rejects.toMatchObject({ field: 'entries[0].purpose' });
    expect(await db.layer.models.AuditEntry.countDocuments({ recordId: receipt.recordId })).toBe(0);
  });

  it('judges a record afresh once its stored bytes change, though the same bytes were checked before', async () => {
    const checker = new RecordIntegrityChecker(db.layer.models.Record, db.layer.masterKey);
    const receipt = await db.layer.records.create({ patient: PATIENT, author: PROVIDER, content: fhir.observationGlucose() });
    const facts = { recordId: receipt.recordId, chain: { commitment: receipt.commitment, version: 1, erased: false } };
    expect((await checker.check([facts]))[0]!.status).toBe('verified');
    expect((await checker.check([facts]))[0]!.status).toBe('verified');
    const stored = await rawRecord(receipt.recordId);
    const bytes = Buffer.from(stored!.versions[0]!.ciphertext!.buffer);
    bytes[3] = bytes[3]! ^ 0x01;
    await db.layer.models.Record.collection.updateOne({ recordId: receipt.recordId }, { $set: { 'versions.0.ciphertext': bytes } });
    expect((await checker.check([facts]))[0]).toMatchObject({ status: 'tampered', reason: expect.stringContaining('ciphertext') });
    await expect(readOne({ recordId: receipt.recordId, reader: PATIENT, purpose: 'TREAT' }, allowAll)).rejects.toThrow(/failed authentication/);
  });

  it('reads the documents of concurrent reads together, in one query by the indexed key, each read decrypting only what it asked for', async () => {
    const [a, b] = await Promise.all([fhir.observationGlucose(), fhir.conditionAsthma()].map((content) => db.layer.records.create({ patient: PATIENT, author: PROVIDER, content })));
    const finds = jest.spyOn(db.layer.models.Record.collection, 'find');
    try {
      const [readA, readB, readAAgain] = await Promise.all(
        [a!, b!, a!].map((receipt) => readOne({ recordId: receipt.recordId, reader: PATIENT, purpose: 'TREAT' }, allowAll)),
      );
      // Three reads, two records: one query, by the indexed key alone, each record asked for once.
      expect(finds.mock.calls).toHaveLength(1);
      const filter = finds.mock.calls[0]![0] as { recordId: { $in: string[] } };
      expect(Object.keys(filter)).toEqual(['recordId']);
      expect([...filter.recordId.$in].sort()).toEqual([a!.recordId, b!.recordId].sort());
      expect(readA.content).toEqual(fhir.observationGlucose());
      expect(readB.content).toEqual(fhir.conditionAsthma());
      expect(readAAgain.content).toEqual(fhir.observationGlucose());
    } finally {
      finds.mockRestore();
    }
  });

  it('erases by destroying data keys, IVs, tags and ciphertexts; the record then reads as erased', async () => {
    const receipt = await db.layer.records.create({ patient: PATIENT, author: PROVIDER, content: fhir.conditionAsthma() });
    await db.layer.records.amend({ recordId: receipt.recordId, author: PROVIDER, content: fhir.conditionAsthma() });
    const erased = await db.layer.records.erase({ recordId: receipt.recordId, erasedBy: PATIENT });
    expect(erased).toMatchObject({ recordId: receipt.recordId, version: 2, categoryCode: expect.stringMatching(/^0x436f6e646974696f6e0+$/) });

    const stored = await rawRecord(receipt.recordId);
    expect(stored).toMatchObject({ status: 'erased', erasedBy: PATIENT });
    for (const version of stored!.versions) {
      expect(Object.keys(version).sort()).toEqual(['author', 'commitment', 'createdAt', 'version']);
    }

    const read = await readOne({ recordId: receipt.recordId, reader: PATIENT, purpose: 'TREAT' }, allowAll);
    expect(read.content).toBeNull();
    expect(read.record.status).toBe('erased');
    await expect(db.layer.records.amend({ recordId: receipt.recordId, author: PATIENT, content: fhir.conditionAsthma() })).rejects.toBeInstanceOf(
      ConflictError,
    );
  });

  it('refuses duplicate record ids through the unique index', async () => {
    const receipt = await db.layer.records.create({ patient: PATIENT, author: PROVIDER, content: fhir.observationGlucose() });
    const copy = await rawRecord(receipt.recordId);
    delete (copy as { _id?: unknown })._id;
    await expect(db.layer.models.Record.collection.insertOne(copy!)).rejects.toMatchObject({ code: 11000 });
  });

  it('lists summaries without contents, in the order asked', async () => {
    const one = await db.layer.records.create({ patient: LISTED, author: LISTED, content: fhir.observationGlucose() });
    const two = await db.layer.records.create({ patient: LISTED, author: LISTED, content: fhir.conditionAsthma() });
    const missing = `0x${'ab'.repeat(32)}`;
    const summaries = await db.layer.records.summaries([two.recordId, missing, one.recordId]);
    expect(summaries.map((summary) => summary?.category ?? null)).toEqual(['Condition', null, 'Observation']);
    expect(JSON.stringify(summaries)).not.toMatch(/ciphertext|wrappedKey/);
  });
});
