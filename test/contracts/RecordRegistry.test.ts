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
    expect(head.byClinician).toBe(false);
    const expected = dataSlice(keccak256(AbiCoder.defaultAbiCoder().encode(['address', 'bytes32', 'bytes32'], [patient.address, OBSERVATION, commitment])), 0, 26);
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

/** A record the provider anchored under a write consent: a clinician's version 1. */
async function clinicians(s: System) {
  await grantWrite(s);
  const recordId = random32();
  const commitment = random32();
  await s.records.connect(s.provider).anchorRecord(recordId, s.patient.address, OBSERVATION, commitment, ZERO32);
  return { recordId, commitment };
}

describe('RecordRegistry: amendment requests (45 CFR 164.526)', () => {
  it("refuses the patient's and a guardian's direct amend of a clinician's version, and lets them amend their own", async () => {
    const s = await deployFixture();
    const { records, patient, guardian, provider } = s;
    const { recordId, commitment } = await clinicians(s);
    expect((await records.recordHead(recordId)).byClinician).toBe(true);
    for (const signer of [patient, guardian]) {
      await expectRevert(records.connect(signer).amendRecord(recordId, patient.address, OBSERVATION, commitment, random32()), records, 'RecordRegistryClinicianVersion', [recordId, 1]);
    }
    // A clinician amends a clinician's version; the patient's own version stays hers to amend.
    const second = random32();
    await expectEvent(records.connect(provider).amendRecord(recordId, patient.address, OBSERVATION, commitment, second), records, 'RecordAmended', [recordId, patient.address, provider.address, 2, commitment, second]);
    const own = await anchored(s);
    const ownSecond = random32();
    await expectEvent(records.connect(guardian).amendRecord(own.recordId, patient.address, OBSERVATION, own.commitment, ownSecond), records, 'RecordAmended', [own.recordId, patient.address, guardian.address, 2, own.commitment, ownSecond]);
    expect((await records.recordHead(own.recordId)).byClinician).toBe(false);
    // Once a clinician amends the patient's record, that version is the clinician's.
    await records.connect(provider).amendRecord(own.recordId, patient.address, OBSERVATION, ownSecond, random32());
    expect((await records.recordHead(own.recordId)).byClinician).toBe(true);
  });

  it('lets the patient or a guardian file a request, and refuses everyone else, duplicates, stale versions and their own versions', async () => {
    const s = await deployFixture();
    const { records, patient, guardian, provider, stranger } = s;
    const { recordId, commitment } = await clinicians(s);
    const requestId = random32();
    const requestHash = random32();
    await expectEvent(records.connect(patient).requestAmendment(requestId, recordId, patient.address, OBSERVATION, commitment, requestHash), records, 'AmendmentRequested', [requestId, recordId, patient.address, patient.address, 1, requestHash]);
    const stored = await records.amendmentRequestOf(requestId);
    expect([stored.recordId, stored.patient, stored.version, stored.status, stored.answeredAt]).toEqual([recordId, patient.address, 1n, 1n, 0n]);
    const byGuardian = random32();
    await expectEvent(records.connect(guardian).requestAmendment(byGuardian, recordId, patient.address, OBSERVATION, commitment, requestHash), records, 'AmendmentRequested', [byGuardian, recordId, patient.address, guardian.address, 1, requestHash]);

    const file = (signer: typeof patient, id = random32(), current = commitment, hash = requestHash) => records.connect(signer).requestAmendment(id, recordId, patient.address, OBSERVATION, current, hash);
    for (const signer of [provider, stranger]) await expectRevert(file(signer), records, 'RecordRegistryNotPatientOrGuardian', [patient.address, signer.address]);
    await expectRevert(file(patient, requestId), records, 'RecordRegistryAmendmentRequestExists', [requestId]);
    await expectRevert(file(patient, ZERO32), records, 'RecordRegistryZeroValue');
    await expectRevert(file(patient, random32(), commitment, ZERO32), records, 'RecordRegistryZeroValue');
    await expectRevert(file(patient, random32(), random32()), records, 'RecordRegistryRecordMismatch', [recordId, 1]);
    const own = await anchored(s);
    await expectRevert(records.connect(patient).requestAmendment(random32(), own.recordId, patient.address, OBSERVATION, own.commitment, requestHash), records, 'RecordRegistryNotClinicianVersion', [own.recordId, 1]);
  });

  it('a provider with a write consent accepts by amending, once; the requester, strangers and unknown ids are refused', async () => {
    const s = await deployFixture();
    const { records, patient, guardian, provider, provider2 } = s;
    const { recordId, commitment } = await clinicians(s);
    const requestId = random32();
    await records.connect(patient).requestAmendment(requestId, recordId, patient.address, OBSERVATION, commitment, random32());
    const corrected = random32();
    for (const signer of [patient, guardian]) {
      await expectRevert(records.connect(signer).acceptAmendment(requestId, OBSERVATION, commitment, corrected), records, 'RecordRegistryRequesterCannotAnswer', [requestId, signer.address]);
    }
    await expectRevert(records.connect(provider2).acceptAmendment(requestId, OBSERVATION, commitment, corrected), records, 'RecordRegistryUnauthorizedWriter', [patient.address, provider2.address, OBSERVATION]);
    await expectRevert(records.connect(provider).acceptAmendment(requestId, CONDITION, commitment, corrected), records, 'RecordRegistryRecordMismatch', [recordId, 1]);
    const unknown = random32();
    await expectRevert(records.connect(provider).acceptAmendment(unknown, OBSERVATION, commitment, corrected), records, 'RecordRegistryAmendmentRequestNotFound', [unknown]);

    const tx = records.connect(provider).acceptAmendment(requestId, OBSERVATION, commitment, corrected);
    await expectEvent(tx, records, 'RecordAmended', [recordId, patient.address, provider.address, 2, commitment, corrected]);
    const answered = await records.queryFilter(records.filters.AmendmentRequestAnswered(requestId));
    expect(answered).toHaveLength(1);
    expect([...answered[0]!.args]).toEqual([requestId, recordId, provider.address, true, 2n, ZERO32]);
    const stored = await records.amendmentRequestOf(requestId);
    expect(stored.status).toBe(2n);
    expect(stored.answeredAt).toBe(BigInt(await time.latest()));
    expect(await records.verifyCommitment(recordId, patient.address, OBSERVATION, corrected)).toEqual([true, 2n]);
    await expectRevert(records.connect(provider).acceptAmendment(requestId, OBSERVATION, corrected, random32()), records, 'RecordRegistryAmendmentRequestAnswered', [requestId, 2]);
  });

  it('a provider with a write consent declines with a reason, once', async () => {
    const s = await deployFixture();
    const { records, patient, provider, stranger } = s;
    const { recordId, commitment } = await clinicians(s);
    const requestId = random32();
    await records.connect(patient).requestAmendment(requestId, recordId, patient.address, OBSERVATION, commitment, random32());
    const reasonHash = random32();
    await expectRevert(records.connect(provider).declineAmendment(requestId, OBSERVATION, commitment, ZERO32), records, 'RecordRegistryZeroValue');
    await expectRevert(records.connect(patient).declineAmendment(requestId, OBSERVATION, commitment, reasonHash), records, 'RecordRegistryRequesterCannotAnswer', [requestId, patient.address]);
    await expectRevert(records.connect(stranger).declineAmendment(requestId, OBSERVATION, commitment, reasonHash), records, 'RecordRegistryUnauthorizedWriter', [patient.address, stranger.address, OBSERVATION]);
    await expectRevert(records.connect(provider).declineAmendment(requestId, OBSERVATION, random32(), reasonHash), records, 'RecordRegistryRecordMismatch', [recordId, 1]);
    await expectEvent(records.connect(provider).declineAmendment(requestId, OBSERVATION, commitment, reasonHash), records, 'AmendmentRequestAnswered', [requestId, recordId, provider.address, false, 1, reasonHash]);
    const stored = await records.amendmentRequestOf(requestId);
    expect(stored.status).toBe(3n);
    expect(stored.answeredAt).toBe(BigInt(await time.latest()));
    // The record is unchanged, and the answer is final.
    expect(await records.verifyCommitment(recordId, patient.address, OBSERVATION, commitment)).toEqual([true, 1n]);
    await expectRevert(records.connect(provider).declineAmendment(requestId, OBSERVATION, commitment, reasonHash), records, 'RecordRegistryAmendmentRequestAnswered', [requestId, 3]);
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
