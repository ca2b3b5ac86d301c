/**
 * The audit log's writes under concurrency: the entries of calls made during one event-loop turn (the
 * pages of concurrent requests) go in one insert, and no call resolves before its entries are stored.
 */
import type { AuditEntryInput } from '../../../api/src/audit/audit-log.service';
import { fhir } from '../../fixtures/fhir';
import { START_TIMEOUT_MS, startTestDatabase, type TestDatabase } from './support/test-database';

let db: TestDatabase;
beforeAll(async () => {
  db = await startTestDatabase();
}, START_TIMEOUT_MS);
afterAll(() => db?.stop());

function entry(n: number): AuditEntryInput {
  return {
    actor: '0x00000000000000000000000000000000000000b2',
    patient: '0x00000000000000000000000000000000000000a1',
    recordId: `0x${n.toString(16).padStart(64, '0')}`,
    recordVersion: 1,
    category: 'Observation',
    purpose: 'TREAT',
    decision: 'allowed',
  };
}

describe('audit log writes', () => {
  it('writes the entries of concurrent calls in one insert, each call resolving once its entries are stored', async () => {
    const inserts = jest.spyOn(db.layer.models.AuditEntry.collection, 'insertMany');
    try {
      const [first, second] = await Promise.all([db.layer.auditLog.append([entry(11), entry(12)]), db.layer.auditLog.append([entry(13)])]);
      expect(inserts).toHaveBeenCalledTimes(1);
      expect(first!.map((e) => e.recordId)).toEqual([entry(11).recordId, entry(12).recordId]);
      expect(second!.map((e) => e.recordId)).toEqual([entry(13).recordId]);
      for (const written of [...first!, ...second!]) expect(await db.layer.auditLog.entry(written.entryId)).toMatchObject({ recordId: written.recordId });
    } finally {
      inserts.mockRestore();
    }
  });

  it('fails every call of a shared insert that the database refuses', async () => {
    // Fault injection: the shared insert also carries a duplicate of a stored entry id, which the
    // database's unique index refuses.
    const stored = (await db.layer.auditLog.append([entry(21)]))[0]!;
    const collection = db.layer.models.AuditEntry.collection;
    const insertMany = collection.insertMany.bind(collection);
    const inserts = jest
      .spyOn(collection, 'insertMany')
      .mockImplementationOnce((documents, options) => insertMany([...documents, { ...documents[0]!, entryId: stored.entryId }], options));
    try {
      const outcomes = await Promise.allSettled([db.layer.auditLog.append([entry(22)]), db.layer.auditLog.append([entry(23)])]);
      expect(outcomes.map((outcome) => outcome.status)).toEqual(['rejected', 'rejected']);
    } finally {
      inserts.mockRestore();
    }
  });

  it('returns no content from a read whose audit insert the database refuses', async () => {
    const receipt = await db.layer.records.create({ patient: entry(0).patient, author: entry(0).actor, content: fhir.observationGlucose() });
    const collection = db.layer.models.AuditEntry.collection;
    const insertMany = collection.insertMany.bind(collection);
    const stored = (await db.layer.auditLog.append([entry(31)]))[0]!;
    const inserts = jest
      .spyOn(collection, 'insertMany')
      .mockImplementationOnce((documents, options) => insertMany([...documents, { ...documents[0]!, entryId: stored.entryId }], options));
    try {
      const outcome = await db.layer.records
        .readEach([{ recordId: receipt.recordId, reader: entry(0).actor, purpose: 'TREAT' }], () => true)
        .then((results) => ({ results }), (error: unknown) => ({ error }));
      expect(outcome).toEqual({ error: expect.any(Error) });
    } finally {
      inserts.mockRestore();
    }
  });
});
