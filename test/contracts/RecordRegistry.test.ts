import { time } from '@nomicfoundation/hardhat-network-helpers';
import { AbiCoder, dataSlice, keccak256 } from 'ethers';
import { deployFixture, code16, code32, random32, READ, WRITE, type System } from '../fixtures/deploy';
import { expectEvent, expectRevert } from '../fixtures/chain-assertions';

const OBSERVATION = code32('Observation');
const CONDITION = code32('Condition');
const ZERO32 = `0x${'00'.repeat(32)}`;

async function grantWrite(s: System, scope = OBSERVATION, grantee = s.provider.address): Promise<void> {
  await s.consents.connect(s.patient).grantConsent({
    patient: s.patient.address,
    grantee,
    scope,
    access: READ | WRITE,
    purpose: code16('TREAT'),
    expiresAt: BigInt(await time.latest()) + 30n * 86_400n,
  });
}

async function anchored(s: System) {
  const recordId = random32();
  const commitment = random32();
  await s.records.connect(s.patient).anchorRecord(recordId, s.patient.address, OBSERVATION, commitment, ZERO32);
  return { recordId, commitment };
}

describe('RecordRegistry: records', () => {
  it('lets the patient anchor a record, with every field in the event and a binding in storage', async () => {
    const s = await deployFixture();
    const { records, patient } = s;
    const recordId = random32();
    const commitment = random32();
    await expectEvent(records.connect(patient).anchorRecord(recordId, patient.address, OBSERVATION, commitment, ZERO32), records, 'RecordAnchored', [
      recordId,
      patient.address,
      OBSERVATION,
      patient.address,
      commitment,
      ZERO32,
    ]);
    const head = await records.recordHead(recordId);
    expect(head.version).toBe(1n);
    expect(head.erased).toBe(false);
    const expected = dataSlice(keccak256(AbiCoder.defaultAbiCoder().encode(['address', 'bytes32', 'bytes32'], [patient.address, OBSERVATION, commitment])), 0, 27);
    expect(head.binding).toBe(expected);
    expect(await records.verifyCommitment(recordId, patient.address, OBSERVATION, commitment)).toEqual([true, 1n]);
    expect(await records.verifyCommitment(recordId, patient.address, OBSERVATION, random32())).toEqual([false, 1n]);
    expect(await records.verifyCommitment(random32(), patient.address, OBSERVATION, commitment)).toEqual([false, 0n]);
  });

  it('lets a guardian and a verified provider with a write consent anchor', async () => {
    const s = await deployFixture();
    const { records, patient, guardian, provider } = s;
    const byGuardian = random32();
    const guardianCommitment = random32();
    await expectEvent(
      records.connect(guardian).anchorRecord(byGuardian, patient.address, CONDITION, guardianCommitment, ZERO32),
      records,
      'RecordAnchored',
      [byGuardian, patient.address, CONDITION, guardian.address, guardianCommitment, ZERO32],
    );
    await grantWrite(s);
    const byProvider = random32();
    const commitment = random32();
    await expectEvent(records.connect(provider).anchorRecord(byProvider, patient.address, OBSERVATION, commitment, ZERO32), records, 'RecordAnchored', [
      byProvider,
      patient.address,
      OBSERVATION,
      provider.address,
      commitment,
      ZERO32,
    ]);
  });

  it('refuses writers without a write consent for the category, read-only consents and suspended providers', async () => {
    const s = await deployFixture();
    const { records, directory, registrar, patient, provider, researcher, stranger } = s;
    const attempt = (signer: typeof provider, category = OBSERVATION) =>
      records.connect(signer).anchorRecord(random32(), patient.address, category, random32(), ZERO32);
    await expectRevert(attempt(stranger), records, 'RecordRegistryUnauthorizedWriter', [patient.address, stranger.address, OBSERVATION]);
    await expectRevert(attempt(provider), records, 'RecordRegistryUnauthorizedWriter', [patient.address, provider.address, OBSERVATION]);
    await grantWrite(s, OBSERVATION);
    await expectRevert(attempt(provider, CONDITION), records, 'RecordRegistryUnauthorizedWriter', [patient.address, provider.address, CONDITION]);
    await grantWrite(s, OBSERVATION, researcher.address);
    await expectRevert(attempt(researcher), records, 'RecordRegistryUnauthorizedWriter', [patient.address, researcher.address, OBSERVATION]);
    await directory.connect(registrar).suspendMember(provider.address, code32('REVIEW'));
    await expectRevert(attempt(provider), records, 'RecordRegistryUnauthorizedWriter', [patient.address, provider.address, OBSERVATION]);
  });

  it('rejects duplicate ids and zero values', async () => {
    const s = await deployFixture();
    const { records, patient } = s;
    const { recordId } = await anchored(s);
    await expectRevert(records.connect(patient).anchorRecord(recordId, patient.address, OBSERVATION, random32(), ZERO32), records, 'RecordRegistryRecordExists', [recordId]);
    await expectRevert(records.connect(patient).anchorRecord(ZERO32, patient.address, OBSERVATION, random32(), ZERO32), records, 'RecordRegistryZeroValue');
    await expectRevert(records.connect(patient).anchorRecord(random32(), patient.address, OBSERVATION, ZERO32, ZERO32), records, 'RecordRegistryZeroValue');
  });

  it('amends a record: versions link the previous commitment', async () => {
    const s = await deployFixture();
    const { records, patient, provider } = s;
    const { recordId, commitment } = await anchored(s);
    const second = random32();
    await expectEvent(records.connect(patient).amendRecord(recordId, patient.address, OBSERVATION, commitment, second), records, 'RecordAmended', [
      recordId,
      patient.address,
      patient.address,
      2,
      commitment,
      second,
    ]);
    expect(await records.verifyCommitment(recordId, patient.address, OBSERVATION, second)).toEqual([true, 2n]);
    expect(await records.verifyCommitment(recordId, patient.address, OBSERVATION, commitment)).toEqual([false, 2n]);

    // Amending from a stale commitment, or stating another patient or category, is refused.
    await expectRevert(records.connect(patient).amendRecord(recordId, patient.address, OBSERVATION, commitment, random32()), records, 'RecordRegistryRecordMismatch', [
      recordId,
      2,
    ]);
    await expectRevert(records.connect(patient).amendRecord(recordId, patient.address, CONDITION, second, random32()), records, 'RecordRegistryRecordMismatch', [recordId, 2]);
    await expectRevert(records.connect(provider).amendRecord(recordId, provider.address, OBSERVATION, second, random32()), records, 'RecordRegistryRecordMismatch', [
      recordId,
      2,
    ]);
    // A provider with a write consent for the category may amend.
    await expectRevert(records.connect(provider).amendRecord(recordId, patient.address, OBSERVATION, second, random32()), records, 'RecordRegistryUnauthorizedWriter', [
      patient.address,
      provider.address,
      OBSERVATION,
    ]);
    await grantWrite(s);
    const third = random32();
    await expectEvent(records.connect(provider).amendRecord(recordId, patient.address, OBSERVATION, second, third), records, 'RecordAmended', [
      recordId,
      patient.address,
      provider.address,
      3,
      second,
      third,
    ]);
    const missing = random32();
    await expectRevert(records.connect(patient).amendRecord(missing, patient.address, OBSERVATION, third, random32()), records, 'RecordRegistryRecordNotFound', [missing]);
  });

  it('lets the patient or a guardian erase a record, after which it cannot change', async () => {
    const s = await deployFixture();
    const { records, patient, guardian, provider } = s;
    const { recordId, commitment } = await anchored(s);
    await grantWrite(s);
    await expectRevert(records.connect(provider).eraseRecord(recordId, patient.address, OBSERVATION, commitment), records, 'RecordRegistryNotPatientOrGuardian', [
      patient.address,
      provider.address,
    ]);
    await expectEvent(records.connect(guardian).eraseRecord(recordId, patient.address, OBSERVATION, commitment), records, 'RecordErased', [
      recordId,
      patient.address,
      guardian.address,
      1,
    ]);
    expect((await records.recordHead(recordId)).erased).toBe(true);
    expect(await records.verifyCommitment(recordId, patient.address, OBSERVATION, commitment)).toEqual([false, 1n]);
    await expectRevert(records.connect(patient).eraseRecord(recordId, patient.address, OBSERVATION, commitment), records, 'RecordRegistryRecordErased', [recordId]);
    await expectRevert(records.connect(patient).amendRecord(recordId, patient.address, OBSERVATION, commitment, random32()), records, 'RecordRegistryRecordErased', [
      recordId,
    ]);
    const missing = random32();
    await expectRevert(records.connect(patient).eraseRecord(missing, patient.address, OBSERVATION, commitment), records, 'RecordRegistryRecordNotFound', [missing]);
  });
});

describe('RecordRegistry: treatments', () => {
  it('a provider proposes, the guardian approves once, and records anchor under it', async () => {
    const s = await deployFixture();
    const { records, patient, guardian, provider } = s;
    const treatmentId = random32();
    const planHash = random32();
    await expectEvent(records.connect(provider).proposeTreatment(treatmentId, patient.address, planHash), records, 'TreatmentProposed', [
      treatmentId,
      patient.address,
      provider.address,
      planHash,
    ]);
    await expectRevert(records.connect(patient).anchorRecord(random32(), patient.address, OBSERVATION, random32(), treatmentId), records, 'RecordRegistryTreatmentNotApproved', [
      treatmentId,
      1,
    ]);
    await expectEvent(records.connect(guardian).decideTreatment(treatmentId, true), records, 'TreatmentDecided', [treatmentId, patient.address, guardian.address, true]);
    const treatment = await records.treatmentOf(treatmentId);
    expect(treatment.status).toBe(2n);
    expect(treatment.patient).toBe(patient.address);
    await expectRevert(records.connect(patient).decideTreatment(treatmentId, false), records, 'RecordRegistryTreatmentAlreadyDecided', [treatmentId, 2]);

    await grantWrite(s);
    const recordId = random32();
    const commitment = random32();
    await expectEvent(records.connect(provider).anchorRecord(recordId, patient.address, OBSERVATION, commitment, treatmentId), records, 'RecordAnchored', [
      recordId,
      patient.address,
      OBSERVATION,
      provider.address,
      commitment,
      treatmentId,
    ]);
    // The treatment belongs to this patient only.
    await expectRevert(records.connect(guardian).anchorRecord(random32(), guardian.address, OBSERVATION, random32(), treatmentId), records, 'RecordRegistryTreatmentNotApproved', [
      treatmentId,
      2,
    ]);
  });

  it('lets the patient reject, and refuses strangers, unknown ids, duplicates and unverified proposers', async () => {
    const s = await deployFixture();
    const { records, patient, provider, researcher, stranger } = s;
    const treatmentId = random32();
    await records.connect(provider).proposeTreatment(treatmentId, patient.address, random32());
    await expectRevert(records.connect(provider).proposeTreatment(treatmentId, patient.address, random32()), records, 'RecordRegistryTreatmentExists', [treatmentId]);
    await expectRevert(records.connect(researcher).proposeTreatment(random32(), patient.address, random32()), records, 'RecordRegistryNotVerifiedProvider', [
      researcher.address,
    ]);
    await expectRevert(records.connect(provider).proposeTreatment(ZERO32, patient.address, random32()), records, 'RecordRegistryZeroValue');
    await expectRevert(records.connect(stranger).decideTreatment(treatmentId, true), records, 'RecordRegistryNotPatientOrGuardian', [patient.address, stranger.address]);
    await expectRevert(records.connect(provider).decideTreatment(treatmentId, true), records, 'RecordRegistryNotPatientOrGuardian', [patient.address, provider.address]);
    const unknown = random32();
    await expectRevert(records.connect(patient).decideTreatment(unknown, true), records, 'RecordRegistryTreatmentNotFound', [unknown]);
    await expectEvent(records.connect(patient).decideTreatment(treatmentId, false), records, 'TreatmentDecided', [treatmentId, patient.address, patient.address, false]);
    expect((await records.treatmentOf(treatmentId)).status).toBe(3n);
  });
});
