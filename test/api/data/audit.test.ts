import { AuditAnchorContract } from '../../../api/src/audit/audit-anchor.chain';
import { AUDIT_STATE_COLLECTION, AuditBatchService } from '../../../api/src/audit/audit-batch.service';
import type { AuditEntryInput } from '../../../api/src/audit/audit-log.service';
import { verifyAuditProof } from '../../../api/src/audit/audit-merkle';
import { BadInputError, ConflictError } from '../../../api/src/errors';
import { deployFixture, type System } from '../../fixtures/deploy';
import { START_TIMEOUT_MS, startTestDatabase, type TestDatabase } from './support/test-database';

// Batches of at most 3 entries, anchored in the real AuditAnchor on Hardhat's in-process network.
let db: TestDatabase;
let system: System;
let anchor: AuditAnchorContract;

beforeAll(async () => {
  db = await startTestDatabase({ auditBatchSize: 3 });
  system = await deployFixture();
  anchor = new AuditAnchorContract(await system.audit.getAddress(), system.auditor);
}, START_TIMEOUT_MS);
afterAll(() => db?.stop());

const PATIENT = '0x00000000000000000000000000000000000000a1';
const READER = '0x00000000000000000000000000000000000000b2';

function entry(n: number, overrides: Partial<AuditEntryInput> = {}): AuditEntryInput {
  return {
    actor: READER,
    patient: PATIENT,
    recordId: `0x${n.toString(16).padStart(64, '0')}`,
    recordVersion: 1,
    category: 'Observation',
    purpose: 'TREAT',
    decision: 'allowed',
    ...overrides,
  };
}

describe('audit log', () => {
  it('validates entries and writes none of a batch with a bad one', async () => {
    const error = await db.layer.auditLog.append([entry(1), entry(2, { actor: 'nobody' })]).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(BadInputError);
    expect((error as BadInputError).field).toBe('entries[1].actor');
    await expect(db.layer.auditLog.append([entry(3, { decision: 'maybe' as never })])).rejects.toMatchObject({ field: 'entries[0].decision' });
    expect(await db.layer.models.AuditEntry.countDocuments()).toBe(0);
  });

  it('pages a patient’s trail newest first', async () => {
    await db.layer.auditLog.append([entry(10)]);
    await db.layer.auditLog.append([entry(11)]);
    await db.layer.auditLog.append([entry(12), entry(13, { patient: READER })]);
    const firstPage = await db.layer.auditLog.trail(PATIENT, 2);
    const secondPage = await db.layer.auditLog.trail(PATIENT, 2, firstPage[1]!.entryId);
    const all = [...firstPage, ...secondPage];
    expect(all).toHaveLength(3);
    expect(all.map((e) => e.at.getTime())).toEqual([...all.map((e) => e.at.getTime())].sort((a, b) => b - a));
    expect(new Set(all.map((e) => e.recordId))).toEqual(new Set([10, 11, 12].map((n) => entry(n).recordId)));
  });

  it('seals entries into batches of the configured size with proofs that verify', async () => {
    await db.layer.auditLog.append([entry(20), entry(21, { decision: 'denied', purpose: 'HRESCH' })]);
    // 6 entries are waiting (4 from the trail test + 2): two batches of 3.
    const sealed = await db.layer.auditBatches.sealAll();
    expect(sealed.map((batch) => [batch.batchId, batch.entryCount, batch.status])).toEqual([
      [1, 3, 'sealed'],
      [2, 3, 'sealed'],
    ]);
    expect(await db.layer.models.AuditEntry.countDocuments({ batchId: 0 })).toBe(0);
    expect(await db.layer.auditBatches.sealBatch()).toBeNull();

    for (const batch of sealed) {
      for (const entryId of batch.entryIds) {
        const proof = await db.layer.auditBatches.proofFor(entryId);
        expect(proof).toMatchObject({ entryId, batchId: batch.batchId, root: batch.root, anchor: null });
        expect(verifyAuditProof(proof.root, proof.leaf, proof.proof)).toBe(true);
        // The proof is bound to the leaf: any other leaf fails.
        const forged = [...proof.leaf] as typeof proof.leaf;
        forged[5] = 'PUBHLTH';
        expect(verifyAuditProof(proof.root, forged, proof.proof)).toBe(false);
      }
    }
  });

  it('anchors sealed roots with the auditor key and checks proofs against the on-chain root', async () => {
    const anchored = await db.layer.auditBatches.anchorSealed(anchor);
    expect(anchored.map((batch) => [batch.batchId, batch.status, batch.anchor?.chainBatchId])).toEqual([
      [1, 'anchored', 0],
      [2, 'anchored', 1],
    ]);
    expect(await system.audit.batchCount()).toBe(2n);
    const onChain = await system.audit.batchOf(1);
    expect(onChain.root).toBe(anchored[1]!.root);
    expect(onChain.entryCount).toBe(3n);

    const proof = await db.layer.auditBatches.proofFor(anchored[1]!.entryIds[2]!);
    expect(proof.anchor).toMatchObject({ chainId: 31337, chainBatchId: 1, contract: (await system.audit.getAddress()).toLowerCase() });
    expect(await AuditBatchService.verifyOnChain(proof, anchor)).toEqual({ verified: true });

    // Pointing the proof at the other on-chain batch fails: the root there is different.
    const wrongBatch = { ...proof, anchor: { ...proof.anchor!, chainBatchId: 0 } };
    expect(await AuditBatchService.verifyOnChain(wrongBatch, anchor)).toMatchObject({ verified: false, reason: expect.stringContaining('root') });
    const noBatch = { ...proof, anchor: { ...proof.anchor!, chainBatchId: 7 } };
    expect(await AuditBatchService.verifyOnChain(noBatch, anchor)).toMatchObject({ verified: false });
    // Nothing left to anchor.
    expect(await db.layer.auditBatches.anchorSealed(anchor)).toEqual([]);
  });

  it('refuses to prove an entry of a batch whose entries were altered after sealing', async () => {
    const [first] = await db.layer.auditLog.append([entry(30)]);
    await expect(db.layer.auditBatches.proofFor(first!.entryId)).rejects.toBeInstanceOf(ConflictError);
    const batch = (await db.layer.auditBatches.sealBatch())!;
    expect(batch.entryIds).toEqual([first!.entryId]);
    await db.layer.models.AuditEntry.collection.updateOne({ entryId: first!.entryId }, { $set: { decision: 'denied' } });
    await expect(db.layer.auditBatches.proofFor(first!.entryId)).rejects.toThrow(/no longer hash to its root/);
  });

  it('finishes a batch a crash left half-claimed', async () => {
    const written = await db.layer.auditLog.append([entry(40), entry(41)]);
    // A reservation without a root, and its entries already assigned: what a crash mid-seal leaves
    // (its id taken from the counter, as the service takes it).
    const counted = await db.layer.models.AuditEntry.db.collection<{ _id: string; n: number }>(AUDIT_STATE_COLLECTION).findOneAndUpdate({ _id: 'last-batch-id' }, { $inc: { n: 1 } }, { returnDocument: 'after' });
    const batchId = counted!.n;
    await db.layer.models.AuditBatch.create({ batchId, status: 'claiming', entryIds: [], entryCount: 0 });
    await db.layer.models.AuditEntry.updateMany({ entryId: { $in: written.map((e) => e.entryId) } }, { $set: { batchId } });

    const resumed = await db.layer.auditBatches.sealBatch();
    expect(resumed).toBeNull(); // nothing else was waiting
    const finished = await db.layer.auditBatches.batch(batchId);
    expect(finished).toMatchObject({ status: 'sealed', entryCount: 2 });
    const proof = await db.layer.auditBatches.proofFor(written[1]!.entryId);
    expect(verifyAuditProof(proof.root, proof.leaf, proof.proof)).toBe(true);
  });

  it('batches entries a store kept from before unbatched entries had batchId 0 (null), marking them once', async () => {
    const [kept] = await db.layer.auditLog.append([entry(50)]);
    // As an earlier version stored it; and no record yet that the store's entries were marked.
    await db.layer.models.AuditEntry.collection.updateOne({ entryId: kept!.entryId }, { $set: { batchId: null } });
    await db.layer.models.AuditEntry.db.collection(AUDIT_STATE_COLLECTION).deleteMany({});
    const service = new AuditBatchService(db.layer.models.AuditEntry, db.layer.models.AuditBatch, { batchSize: 3 });
    const batch = await service.sealBatch();
    expect(batch?.entryIds).toEqual([kept!.entryId]);
    // The batch id counter, gone with the state, started again after the highest batch.
    const others = await db.layer.models.AuditBatch.find({ batchId: { $ne: batch!.batchId } }).lean();
    expect(batch!.batchId).toBe(Math.max(...others.map((other) => other.batchId)) + 1);
    expect(await db.layer.models.AuditEntry.db.collection(AUDIT_STATE_COLLECTION).countDocuments()).toBe(2);
  });
});
