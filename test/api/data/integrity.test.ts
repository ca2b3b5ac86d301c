import { ZeroHash } from 'ethers';
import type { IntegrityReport } from '../../../api/src/records/integrity';
import { RecordIntegrityChecker, type IndexedRecordFacts } from '../../../api/src/records/record-integrity.batch';
import { RecordRegistryCommitments } from '../../../api/src/records/record-registry.chain';
import { deployFixture, type System } from '../../fixtures/deploy';
import { fhir } from '../../fixtures/fhir';
import { START_TIMEOUT_MS, startTestDatabase, type TestDatabase } from './support/test-database';

// The store is PostgreSQL, shared with the whole test run: on a loaded machine a first write and a
// first transaction can take longer than Jest's default 5 s.
jest.setTimeout(60_000);

// Integrity against the real RecordRegistry on Hardhat's in-process network, through the check the API
// runs (RecordIntegrityChecker) with the chain's facts as the subgraph indexes them from the events.
let db: TestDatabase;
let system: System;
let chain: RecordRegistryCommitments;
let checker: RecordIntegrityChecker;

beforeAll(async () => {
  db = await startTestDatabase();
  system = await deployFixture();
  chain = new RecordRegistryCommitments(await system.records.getAddress(), system.patient);
  checker = new RecordIntegrityChecker(db.layer.models.Record, db.layer.masterKey);
}, START_TIMEOUT_MS);
afterAll(() => db?.stop());

/**
 * What the chain holds for a record, from RecordRegistry's events as the subgraph's mappings fold them:
 * the newest anchored or amended commitment, its version, and whether the record was erased.
 */
async function indexedFacts(recordId: string): Promise<IndexedRecordFacts> {
  const registry = system.records;
  const [anchored, amended, erased] = await Promise.all([
    registry.queryFilter(registry.filters.RecordAnchored(recordId)),
    registry.queryFilter(registry.filters.RecordAmended(recordId)),
    registry.queryFilter(registry.filters.RecordErased(recordId)),
  ]);
  const facts: IndexedRecordFacts = { recordId, chain: { commitment: null, version: 0, erased: erased.length > 0 } };
  if (anchored.length > 0) facts.chain = { ...facts.chain, commitment: anchored[0]!.args.commitment, version: 1 };
  const newest = amended.at(-1);
  if (newest) facts.chain = { ...facts.chain, commitment: newest.args.commitment, version: Number(newest.args.version) };
  return facts;
}

/** The integrity of one record as the API reports it: its stored newest version against the chain's facts. */
async function integrity(recordId: string): Promise<IntegrityReport> {
  const [report] = await checker.check([await indexedFacts(recordId)]);
  return report!;
}

async function newAnchoredRecord(content: unknown = fhir.observationGlucose()) {
  const patient = system.patient.address;
  const receipt = await db.layer.records.create({ patient, author: patient, content });
  await (await system.records.connect(system.patient).anchorRecord(receipt.recordId, patient, receipt.categoryCode, receipt.commitment, ZeroHash)).wait();
  return receipt;
}

/** Changes one byte of a stored field of the newest version, straight in the database. */
async function flipStoredByte(recordId: string, field: 'ciphertext' | 'tag') {
  const raw = await db.layer.models.Record.collection.findOne({ recordId });
  const versions = raw!.versions as { [key: string]: { buffer: Uint8Array } }[];
  const last = versions.length - 1;
  const bytes = Buffer.from(versions[last]![field]!.buffer);
  bytes[Math.floor(bytes.length / 2)]! ^= 0x01;
  await db.layer.models.Record.collection.updateOne({ recordId }, { $set: { [`versions.${last}.${field}`]: bytes } });
}

describe('integrity against RecordRegistry', () => {
  it('is not_anchored before the anchor transaction and verified after it', async () => {
    const patient = system.patient.address;
    const receipt = await db.layer.records.create({ patient, author: patient, content: fhir.conditionAsthma() });
    expect(await integrity(receipt.recordId)).toMatchObject({ status: 'not_anchored', chainVersion: 0 });

    await (await system.records.connect(system.patient).anchorRecord(receipt.recordId, patient, receipt.categoryCode, receipt.commitment, ZeroHash)).wait();
    expect(await integrity(receipt.recordId)).toEqual({ status: 'verified', version: 1, chainVersion: 1 });
  });

  it('detects a changed byte in the stored ciphertext', async () => {
    const receipt = await newAnchoredRecord();
    await flipStoredByte(receipt.recordId, 'ciphertext');
    expect(await integrity(receipt.recordId)).toMatchObject({
      status: 'tampered',
      reason: expect.stringContaining('ciphertext'),
    });
  });

  it('detects a changed stored commitment', async () => {
    const receipt = await newAnchoredRecord();
    const forged = `0x${'5a'.repeat(32)}`;
    await db.layer.models.Record.collection.updateOne({ recordId: receipt.recordId }, { $set: { 'versions.0.commitment': forged } });
    expect(await integrity(receipt.recordId)).toMatchObject({
      status: 'tampered',
      reason: expect.stringContaining('commitment'),
    });
  });

  it('detects content replaced consistently off-chain (valid ciphertext, matching commitment, not what the chain holds)', async () => {
    const receipt = await newAnchoredRecord(fhir.observationGlucose());
    // Someone with the master key re-seals other content under the same record id and version.
    const other = await db.layer.records.create({ patient: system.patient.address, author: system.patient.address, content: fhir.medicationStatement() });
    const forgedVersion = (await db.layer.models.Record.collection.findOne({ recordId: other.recordId }))!.versions[0];
    await db.layer.models.Record.collection.updateOne({ recordId: receipt.recordId }, { $set: { 'versions.0': forgedVersion } });
    // Sealed for another record id, so it fails authentication here: bound to its own record.
    expect((await integrity(receipt.recordId)).status).toBe('tampered');
  });

  it('reports an amendment as not_anchored until the chain has it, then verified', async () => {
    const receipt = await newAnchoredRecord(fhir.medicationStatement());
    const changed = { ...fhir.medicationStatement(), status: 'completed' };
    const amended = await db.layer.records.amend({ recordId: receipt.recordId, author: system.patient.address, content: changed });
    expect(await integrity(receipt.recordId)).toMatchObject({ status: 'not_anchored', version: 2, chainVersion: 1 });

    await (
      await system.records
        .connect(system.patient)
        .amendRecord(receipt.recordId, system.patient.address, amended.categoryCode, amended.previousCommitment!, amended.commitment)
    ).wait();
    expect(await integrity(receipt.recordId)).toEqual({ status: 'verified', version: 2, chainVersion: 2 });
  });

  it('reports erased records, off-chain and on-chain', async () => {
    const receipt = await newAnchoredRecord(fhir.conditionAsthma());
    const erased = await db.layer.records.erase({ recordId: receipt.recordId, erasedBy: system.patient.address });
    expect(await integrity(receipt.recordId)).toMatchObject({ status: 'erased' });
    await (
      await system.records.connect(system.patient).eraseRecord(receipt.recordId, erased.patient, erased.categoryCode, erased.commitment)
    ).wait();
    const check = await chain.checkCommitment({ recordId: receipt.recordId, patient: erased.patient, category: erased.categoryCode, commitment: erased.commitment });
    expect(check).toEqual({ current: false, version: 1, erased: true });
    expect(await integrity(receipt.recordId)).toMatchObject({ status: 'erased', chainVersion: 1 });
  });
});
