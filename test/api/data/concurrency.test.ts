import { LeaseBusyError, withLease } from '../../../api/src/database/lease';
import type { RecordRead } from '../../../api/src/records/record.service';
import { fhir } from '../../fixtures/fhir';
import { START_TIMEOUT_MS, startTestDatabase, type TestDatabase } from './support/test-database';

// The store is PostgreSQL, shared with the whole test run: on a loaded machine a first write and a
// first transaction can take longer than Jest's default 5 s.
jest.setTimeout(60_000);

// FerretDB 1.x performs a conditional update as a read then a write, so concurrent writers are kept
// apart by leases. These tests run many writers at once against the embedded FerretDB.
let db: TestDatabase;
beforeAll(async () => {
  db = await startTestDatabase({ auditBatchSize: 4 });
}, START_TIMEOUT_MS);
afterAll(() => db?.stop());

const PATIENT = '0x00000000000000000000000000000000000000a1';

describe('leases', () => {
  it('let one holder in at a time', async () => {
    const connection = db.layer.database.connection;
    const key = 'test:exclusive';
    let inside = 0;
    let most = 0;
    let entered = 0;
    await Promise.all(
      Array.from({ length: 6 }, () =>
        withLease(connection, key, async () => {
          inside += 1;
          entered += 1;
          most = Math.max(most, inside);
          // While this holder is inside, nobody else gets the lease: an attempt that does not wait is
          // refused. This is the exclusion itself, observed, rather than inferred from a pause.
          await expect(withLease(connection, key, async () => 'got in', { waitMs: 0 })).rejects.toBeInstanceOf(LeaseBusyError);
          inside -= 1;
        }),
      ),
    );
    expect(entered).toBe(6);
    expect(most).toBe(1);
    expect(await db.layer.models.Lease.countDocuments({ key })).toBe(0);
  });

  it('report a busy lease, and take over one whose holder died', async () => {
    const connection = db.layer.database.connection;
    await db.layer.models.Lease.create({ key: 'test:held', token: 'a'.repeat(32), holder: 'other-host:1', expiresAt: new Date(Date.now() + 60_000) });
    await expect(withLease(connection, 'test:held', async () => 'never', { waitMs: 50 })).rejects.toBeInstanceOf(LeaseBusyError);

    await db.layer.models.Lease.create({ key: 'test:abandoned', token: 'b'.repeat(32), holder: 'crashed-host:1', expiresAt: new Date(Date.now() - 1) });
    expect(await withLease(connection, 'test:abandoned', async () => 'taken over', { waitMs: 50 })).toBe('taken over');
  });
});

describe('concurrent writers', () => {
  it('amend a record concurrently without losing a version', async () => {
    const receipt = await db.layer.records.create({ patient: PATIENT, author: PATIENT, content: fhir.observationGlucose() });
    const amendments = Array.from({ length: 5 }, (_, i) => {
      const content = fhir.observationGlucose();
      content.valueQuantity.value = 100 + i;
      return db.layer.records.amend({ recordId: receipt.recordId, author: PATIENT, content });
    });
    const receipts = await Promise.all(amendments);
    expect(receipts.map((r) => r.version).sort()).toEqual([2, 3, 4, 5, 6]);
    // Each amendment links to the commitment it replaced: together they form one chain of versions.
    const byVersion = new Map(receipts.map((r) => [r.version, r]));
    expect(byVersion.get(2)!.previousCommitment).toBe(receipt.commitment);
    for (let version = 3; version <= 6; version += 1) expect(byVersion.get(version)!.previousCommitment).toBe(byVersion.get(version - 1)!.commitment);

    const doc = await db.layer.models.Record.findOne({ recordId: receipt.recordId }).lean();
    expect(doc!.versions.map((v) => v.version)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(doc!.currentVersion).toBe(6);
    const [read] = await db.layer.records.readEach([{ recordId: receipt.recordId, reader: PATIENT, purpose: 'TREAT' }], () => true);
    expect(read).not.toBeInstanceOf(Error);
    expect((read as RecordRead).content!.valueQuantity).toMatchObject({ value: expect.any(Number) });
  });

  it('never leaves content behind when an erasure races amendments', async () => {
    const receipt = await db.layer.records.create({ patient: PATIENT, author: PATIENT, content: fhir.conditionAsthma() });
    const results = await Promise.allSettled([
      db.layer.records.amend({ recordId: receipt.recordId, author: PATIENT, content: fhir.conditionAsthma() }),
      db.layer.records.erase({ recordId: receipt.recordId, erasedBy: PATIENT }),
      db.layer.records.amend({ recordId: receipt.recordId, author: PATIENT, content: fhir.conditionAsthma() }),
    ]);
    expect(results[1]!.status).toBe('fulfilled');
    const doc = await db.layer.models.Record.collection.findOne({ recordId: receipt.recordId });
    expect(doc!.status).toBe('erased');
    for (const version of doc!.versions as object[]) expect(Object.keys(version).sort()).toEqual(['author', 'commitment', 'createdAt', 'version']);
  });

  it('seal audit batches from several callers at once, each entry in exactly one batch', async () => {
    const entries = await db.layer.auditLog.append(
      Array.from({ length: 10 }, (_, i) => ({
        actor: PATIENT,
        patient: PATIENT,
        recordId: `0x${(i + 1).toString(16).padStart(64, '0')}`,
        recordVersion: 1,
        category: 'Observation',
        purpose: 'TREAT',
        decision: 'allowed' as const,
      })),
    );
    await Promise.all([db.layer.auditBatches.sealAll(), db.layer.auditBatches.sealAll(), db.layer.auditBatches.sealAll()]);
    const batches = await db.layer.models.AuditBatch.find().sort({ batchId: 1 }).lean();
    const listed = batches.flatMap((batch) => batch.entryIds);
    expect(batches.every((batch) => batch.status === 'sealed' && batch.entryCount <= 4)).toBe(true);
    for (const entry of entries) expect(listed).toContain(entry.entryId);
    expect(new Set(listed).size).toBe(listed.length);
    // The log's own entries (reads above included) all ended up in a batch that lists them.
    for (const entry of await db.layer.models.AuditEntry.find().lean()) {
      const batch = batches.find((candidate) => candidate.batchId === entry.batchId);
      expect(batch?.entryIds).toContain(entry.entryId);
    }
  });
});
