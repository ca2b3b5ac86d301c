import hre from 'hardhat';
import { time } from '@nomicfoundation/hardhat-network-helpers';
import { id, TypedDataEncoder, type Signer } from 'ethers';
import { CONSENT_DOMAIN, CONSENT_GRANT_TYPES, consentDomain, consentGrantMessage } from '../../contracts/deployment/consent-grant';
import { SmartWalletMock__factory } from '../../typechain-types';
import { deployFixture, code16, code32, READ, WRITE, type System } from '../fixtures/deploy';
import { expectEvent, expectRevert } from '../fixtures/chain-assertions';

const MAX_UINT64 = 2n ** 64n - 1n;
const ZERO = '0x0000000000000000000000000000000000000000';
const OBSERVATION = code32('Observation');
const ALL = code32('*');
const TREAT = code16('TREAT');
const HRESCH = code16('HRESCH');
const DAY = 86_400n;

async function inDays(days: bigint): Promise<bigint> {
  return BigInt(await time.latest()) + days * DAY;
}

async function terms(s: System, overrides: Partial<{ patient: string; grantee: string; scope: string; access: number; purpose: string; expiresAt: bigint }> = {}) {
  return {
    patient: s.patient.address,
    grantee: s.provider.address,
    scope: OBSERVATION,
    access: READ,
    purpose: TREAT,
    expiresAt: await inDays(30n),
    ...overrides,
  };
}

describe('ConsentManager: guardians', () => {
  it('appoints a guardian without expiry and with one, and honours the expiry', async () => {
    const { consents, patient, guardian, stranger } = await deployFixture();
    expect(await consents.isGuardian(patient.address, guardian.address)).toBe(true);
    expect(await consents.guardianExpiry(patient.address, guardian.address)).toBe(MAX_UINT64);

    const until = await inDays(2n);
    await expectEvent(consents.connect(patient).appointGuardian(stranger.address, until), consents, 'GuardianAppointed', [
      patient.address,
      stranger.address,
      until,
    ]);
    expect(await consents.isGuardian(patient.address, stranger.address)).toBe(true);
    expect(await consents.canActFor(patient.address, stranger.address)).toBe(true);
    await time.increaseTo(until);
    expect(await consents.isGuardian(patient.address, stranger.address)).toBe(false);
    expect(await consents.canActFor(patient.address, stranger.address)).toBe(false);
  });

  it('rejects self, zero and past-expiry appointments', async () => {
    const { consents, patient, stranger } = await deployFixture();
    await expectRevert(consents.connect(patient).appointGuardian(patient.address, 0), consents, 'ConsentManagerInvalidGuardian', [
      patient.address,
      patient.address,
    ]);
    await expectRevert(consents.connect(patient).appointGuardian(ZERO, 0), consents, 'ConsentManagerInvalidGuardian', [patient.address, ZERO]);
    const past = BigInt(await time.latest());
    await expectRevert(consents.connect(patient).appointGuardian(stranger.address, past), consents, 'ConsentManagerExpiryInPast', [past, past + 1n]);
  });

  it('lets the patient remove a guardian and a guardian resign, nobody else', async () => {
    const { consents, patient, guardian, stranger } = await deployFixture();
    await expectRevert(consents.connect(stranger).removeGuardian(patient.address, guardian.address), consents, 'ConsentManagerNotPatientOrGuardian', [
      patient.address,
      stranger.address,
    ]);
    await expectEvent(consents.connect(guardian).removeGuardian(patient.address, guardian.address), consents, 'GuardianRemoved', [
      patient.address,
      guardian.address,
      guardian.address,
    ]);
    expect(await consents.isGuardian(patient.address, guardian.address)).toBe(false);
    await expectRevert(consents.connect(patient).removeGuardian(patient.address, guardian.address), consents, 'ConsentManagerGuardianNotAppointed', [
      patient.address,
      guardian.address,
    ]);
    await consents.connect(patient).appointGuardian(guardian.address, 0);
    await expectEvent(consents.connect(patient).removeGuardian(patient.address, guardian.address), consents, 'GuardianRemoved', [
      patient.address,
      guardian.address,
      patient.address,
    ]);
  });

  it('does not let a guardian appoint guardians for the patient', async () => {
    const { consents, patient, guardian, stranger } = await deployFixture();
    // appointGuardian always appoints for the caller: the guardian appoints for itself, not for the patient.
    await consents.connect(guardian).appointGuardian(stranger.address, 0);
    expect(await consents.isGuardian(patient.address, stranger.address)).toBe(false);
    expect(await consents.isGuardian(guardian.address, stranger.address)).toBe(true);
  });
});

describe('ConsentManager: consents', () => {
  it('grants a consent with every field in the event and honours it in hasAccess', async () => {
    const s = await deployFixture();
    const { consents, patient, provider } = s;
    const t = await terms(s);
    const id = await consents.consentId(patient.address, provider.address, OBSERVATION);
    await expectEvent(consents.connect(patient).grantConsent(t), consents, 'ConsentGranted', [
      id,
      patient.address,
      provider.address,
      OBSERVATION,
      READ,
      TREAT,
      t.expiresAt,
      patient.address,
    ]);
    expect(await consents.hasAccess(patient.address, provider.address, OBSERVATION, READ)).toBe(true);
    expect(await consents.hasAccess(patient.address, provider.address, OBSERVATION, WRITE)).toBe(false);
    expect(await consents.hasAccess(patient.address, provider.address, code32('Condition'), READ)).toBe(false);
    expect(await consents.hasAccessForPurpose(patient.address, provider.address, OBSERVATION, READ, TREAT)).toBe(true);
    expect(await consents.hasAccessForPurpose(patient.address, provider.address, OBSERVATION, READ, HRESCH)).toBe(false);
    const stored = await consents.consentOf(patient.address, provider.address, OBSERVATION);
    expect(stored.expiresAt).toBe(t.expiresAt);
    expect(stored.access).toBe(BigInt(READ));
    expect(stored.purpose).toBe(TREAT);
  });

  it('lets a guardian grant, renew and revoke for the patient', async () => {
    const s = await deployFixture();
    const { consents, patient, guardian, provider } = s;
    const t = await terms(s, { access: READ | WRITE });
    const id = await consents.consentId(patient.address, provider.address, OBSERVATION);
    await expectEvent(consents.connect(guardian).grantConsent(t), consents, 'ConsentGranted', [
      id,
      patient.address,
      provider.address,
      OBSERVATION,
      READ | WRITE,
      TREAT,
      t.expiresAt,
      guardian.address,
    ]);
    const later = await inDays(90n);
    await expectEvent(consents.connect(guardian).renewConsent(patient.address, provider.address, OBSERVATION, later), consents, 'ConsentRenewed', [
      id,
      patient.address,
      provider.address,
      OBSERVATION,
      later,
      guardian.address,
    ]);
    expect((await consents.consentOf(patient.address, provider.address, OBSERVATION)).expiresAt).toBe(later);
    await expectEvent(consents.connect(guardian).revokeConsent(patient.address, provider.address, OBSERVATION), consents, 'ConsentRevoked', [
      id,
      patient.address,
      provider.address,
      OBSERVATION,
      guardian.address,
    ]);
    expect(await consents.hasAccess(patient.address, provider.address, OBSERVATION, READ)).toBe(false);
    await expectRevert(consents.connect(patient).revokeConsent(patient.address, provider.address, OBSERVATION), consents, 'ConsentManagerConsentNotFound', [id]);
    await expectRevert(consents.connect(patient).renewConsent(patient.address, provider.address, OBSERVATION, later), consents, 'ConsentManagerConsentNotFound', [id]);
  });

  it('replaces the terms when granted again (renewal through grantConsent)', async () => {
    const s = await deployFixture();
    const { consents, patient, provider } = s;
    await consents.connect(patient).grantConsent(await terms(s));
    const renewed = await terms(s, { access: READ | WRITE, purpose: HRESCH, expiresAt: await inDays(365n) });
    await consents.connect(patient).grantConsent(renewed);
    const stored = await consents.consentOf(patient.address, provider.address, OBSERVATION);
    expect(stored.access).toBe(3n);
    expect(stored.purpose).toBe(HRESCH);
    expect(stored.expiresAt).toBe(renewed.expiresAt);
  });

  it('refuses strangers and invalid terms', async () => {
    const s = await deployFixture();
    const { consents, patient, stranger, provider } = s;
    await expectRevert(consents.connect(stranger).grantConsent(await terms(s)), consents, 'ConsentManagerNotPatientOrGuardian', [patient.address, stranger.address]);
    await expectRevert(consents.connect(stranger).revokeConsent(patient.address, provider.address, OBSERVATION), consents, 'ConsentManagerNotPatientOrGuardian', [
      patient.address,
      stranger.address,
    ]);
    const asPatient = consents.connect(patient);
    await expectRevert(asPatient.grantConsent(await terms(s, { grantee: ZERO })), consents, 'ConsentManagerInvalidGrantee', [ZERO]);
    await expectRevert(asPatient.grantConsent(await terms(s, { grantee: patient.address })), consents, 'ConsentManagerInvalidGrantee', [patient.address]);
    await expectRevert(asPatient.grantConsent(await terms(s, { scope: code32('') })), consents, 'ConsentManagerInvalidScope');
    await expectRevert(asPatient.grantConsent(await terms(s, { access: 0 })), consents, 'ConsentManagerInvalidAccess', [0]);
    await expectRevert(asPatient.grantConsent(await terms(s, { access: 4 })), consents, 'ConsentManagerInvalidAccess', [4]);
    await expectRevert(asPatient.grantConsent(await terms(s, { purpose: code16('') })), consents, 'ConsentManagerMissingPurpose');
    const now = BigInt(await time.latest());
    await expectRevert(asPatient.grantConsent(await terms(s, { expiresAt: now })), consents, 'ConsentManagerExpiryInPast', [now, now + 1n]);
    await expectRevert(consents.hasAccess(patient.address, provider.address, OBSERVATION, 0), consents, 'ConsentManagerInvalidAccess', [0]);
    await expectRevert(consents.hasAccessForPurpose(patient.address, provider.address, OBSERVATION, READ, code16('')), consents, 'ConsentManagerMissingPurpose');
  });

  it('answers hasAccess for self, guardians, the all-scope value, expiry and the directory', async () => {
    const s = await deployFixture();
    const { consents, directory, registrar, patient, guardian, provider, researcher, stranger } = s;
    expect(await consents.hasAccess(patient.address, patient.address, OBSERVATION, READ | WRITE)).toBe(true);
    expect(await consents.hasAccess(patient.address, guardian.address, OBSERVATION, READ | WRITE)).toBe(true);
    expect(await consents.hasAccess(patient.address, stranger.address, OBSERVATION, READ)).toBe(false);

    const expiresAt = await inDays(10n);
    await consents.connect(patient).grantConsent(await terms(s, { scope: ALL, access: READ | WRITE, expiresAt }));
    expect(await consents.hasAccess(patient.address, provider.address, code32('Condition'), READ)).toBe(true);
    expect(await consents.hasAccess(patient.address, provider.address, OBSERVATION, WRITE)).toBe(true);

    // A non-provider grantee can read under a consent, but never write.
    await consents.connect(patient).grantConsent(await terms(s, { grantee: researcher.address, access: READ | WRITE, purpose: HRESCH }));
    expect(await consents.hasAccess(patient.address, researcher.address, OBSERVATION, READ)).toBe(true);
    expect(await consents.hasAccess(patient.address, researcher.address, OBSERVATION, WRITE)).toBe(false);

    // A suspended provider loses its consents.
    await directory.connect(registrar).suspendMember(provider.address, code32('REVIEW'));
    expect(await consents.hasAccess(patient.address, provider.address, OBSERVATION, READ)).toBe(false);
    await directory.connect(registrar).verifyMember(provider.address, 1, code32('OK'));
    expect(await consents.hasAccess(patient.address, provider.address, OBSERVATION, READ)).toBe(true);

    // Expiry is checked against chain time.
    await time.increaseTo(expiresAt);
    expect(await consents.hasAccess(patient.address, provider.address, OBSERVATION, READ)).toBe(false);
  });
});

describe('ConsentManager: consents signed with EIP-712', () => {
  it('signs what the contract hashes: the ConsentGrant type hash and the EIP-712 domain', async () => {
    const { consents } = await deployFixture();
    expect(id(TypedDataEncoder.from(CONSENT_GRANT_TYPES).encodeType('ConsentGrant'))).toBe(await consents.CONSENT_GRANT_TYPEHASH());
    // Scope and purpose are strings in the typed data, so a wallet shows them as words.
    expect(consentGrantMessage({ scope: code32('Observation'), purpose: code16('TREAT') }, 0n, 0n)).toMatchObject({ scope: 'Observation', purpose: 'TREAT' });
    const domain = await consents.eip712Domain();
    expect({ name: domain.name, version: domain.version }).toEqual(CONSENT_DOMAIN);
  });

  async function sign(s: System, signer: Signer, t: Awaited<ReturnType<typeof terms>>, deadline: bigint, overrides: { chainId?: bigint; nonce?: bigint } = {}) {
    const domain = consentDomain(overrides.chainId ?? (await hre.ethers.provider.getNetwork()).chainId, await s.consents.getAddress());
    const nonce = overrides.nonce ?? (await s.consents.nonces(t.patient));
    return signer.signTypedData(domain, CONSENT_GRANT_TYPES, consentGrantMessage(t, nonce, deadline));
  }

  it('grants from a relayed signature and uses the nonce once', async () => {
    const s = await deployFixture();
    const { consents, patient, provider, relayer } = s;
    const t = await terms(s);
    const deadline = await inDays(1n);
    const signature = await sign(s, patient, t, deadline);
    const id = await consents.consentId(patient.address, provider.address, OBSERVATION);
    const receipt = await expectEvent(consents.connect(relayer).grantConsentBySig(t, deadline, signature), consents, 'ConsentGranted', [
      id,
      patient.address,
      provider.address,
      OBSERVATION,
      READ,
      TREAT,
      t.expiresAt,
      patient.address,
    ]);
    // The relayer sent the transaction; the event names the signing patient as the granter.
    expect((await relayer.provider!.getTransaction(receipt.hash))!.from).toBe(relayer.address);
    expect(await consents.nonces(patient.address)).toBe(1n);
    expect(await consents.hasAccess(patient.address, provider.address, OBSERVATION, READ)).toBe(true);

    // Replay: the nonce moved on, so the same signature no longer matches.
    await expectRevert(consents.connect(relayer).grantConsentBySig(t, deadline, signature), consents, 'ConsentManagerInvalidSignature', [patient.address]);
  });

  it('rejects an expired deadline, another chain, another signer and changed terms', async () => {
    const s = await deployFixture();
    const { consents, patient, stranger, relayer } = s;
    const t = await terms(s);
    const past = BigInt(await time.latest()) - 1n;
    await expectRevert(consents.connect(relayer).grantConsentBySig(t, past, await sign(s, patient, t, past)), consents, 'ConsentManagerSignatureExpired', [past]);

    const deadline = await inDays(1n);
    await expectRevert(
      consents.connect(relayer).grantConsentBySig(t, deadline, await sign(s, patient, t, deadline, { chainId: 1n })),
      consents,
      'ConsentManagerInvalidSignature',
      [patient.address],
    );
    await expectRevert(consents.connect(relayer).grantConsentBySig(t, deadline, await sign(s, stranger, t, deadline)), consents, 'ConsentManagerInvalidSignature', [
      patient.address,
    ]);
    const signature = await sign(s, patient, t, deadline);
    await expectRevert(consents.connect(relayer).grantConsentBySig({ ...t, access: READ | WRITE }, deadline, signature), consents, 'ConsentManagerInvalidSignature', [
      patient.address,
    ]);
    expect(await consents.nonces(patient.address)).toBe(0n);
  });

  it('accepts a contract wallet patient through ERC-1271', async () => {
    const s = await deployFixture();
    const { consents, stranger, provider, relayer } = s;
    const wallet = await new SmartWalletMock__factory(stranger).deploy(stranger.address);
    const walletAddress = await wallet.getAddress();
    const t = await terms(s, { patient: walletAddress });
    const deadline = await inDays(1n);
    await consents.connect(relayer).grantConsentBySig(t, deadline, await sign(s, stranger, t, deadline));
    expect(await consents.hasAccess(walletAddress, provider.address, OBSERVATION, READ)).toBe(true);
    // A signature by a key that does not own the wallet is refused.
    const t2 = await terms(s, { patient: walletAddress, scope: ALL });
    await expectRevert(consents.connect(relayer).grantConsentBySig(t2, deadline, await sign(s, relayer, t2, deadline)), consents, 'ConsentManagerInvalidSignature', [
      walletAddress,
    ]);
  });
});

describe('ConsentManager: emergency access', () => {
  const REASON = code32('UNCONSCIOUS');

  it('opens read-only access for the default 24 hours, logged, and lets it expire', async () => {
    const { consents, patient, provider } = await deployFixture();
    expect(await consents.emergencyWindow()).toBe(24n * 3600n);
    const opened = BigInt(await time.latest()) + 1n;
    await time.setNextBlockTimestamp(opened);
    await expectEvent(consents.connect(provider).openEmergencyAccess(patient.address, REASON), consents, 'EmergencyAccessOpened', [
      patient.address,
      provider.address,
      REASON,
      opened + 24n * 3600n,
    ]);
    expect(await consents.hasAccess(patient.address, provider.address, OBSERVATION, READ)).toBe(true);
    expect(await consents.hasAccess(patient.address, provider.address, OBSERVATION, WRITE)).toBe(false);
    expect(await consents.hasAccessForPurpose(patient.address, provider.address, OBSERVATION, READ, code16('ETREAT'))).toBe(true);
    expect(await consents.hasAccessForPurpose(patient.address, provider.address, OBSERVATION, READ, HRESCH)).toBe(false);
    await time.increaseTo(opened + 24n * 3600n);
    expect(await consents.hasAccess(patient.address, provider.address, OBSERVATION, READ)).toBe(false);
  });

  it('is for verified providers only', async () => {
    const { consents, patient, researcher } = await deployFixture();
    await expectRevert(consents.connect(researcher).openEmergencyAccess(patient.address, REASON), consents, 'ConsentManagerNotVerifiedProvider', [
      researcher.address,
    ]);
  });

  it('can be closed early by the patient, a guardian or the provider, nobody else', async () => {
    const { consents, patient, guardian, provider, provider2, stranger } = await deployFixture();
    await consents.connect(provider).openEmergencyAccess(patient.address, REASON);
    await expectRevert(consents.connect(stranger).closeEmergencyAccess(patient.address, provider.address), consents, 'ConsentManagerNotAllowedToClose', [
      stranger.address,
    ]);
    await expectEvent(consents.connect(patient).closeEmergencyAccess(patient.address, provider.address), consents, 'EmergencyAccessClosed', [
      patient.address,
      provider.address,
      patient.address,
    ]);
    expect(await consents.hasAccess(patient.address, provider.address, OBSERVATION, READ)).toBe(false);
    await expectRevert(consents.connect(patient).closeEmergencyAccess(patient.address, provider.address), consents, 'ConsentManagerNoEmergencyAccess', [
      patient.address,
      provider.address,
    ]);
    await consents.connect(provider2).openEmergencyAccess(patient.address, REASON);
    await expectEvent(consents.connect(guardian).closeEmergencyAccess(patient.address, provider2.address), consents, 'EmergencyAccessClosed', [
      patient.address,
      provider2.address,
      guardian.address,
    ]);
    await consents.connect(provider).openEmergencyAccess(patient.address, REASON);
    await expectEvent(consents.connect(provider).closeEmergencyAccess(patient.address, provider.address), consents, 'EmergencyAccessClosed', [
      patient.address,
      provider.address,
      provider.address,
    ]);
  });

  it('lets the admin set the window within 1 to 72 hours', async () => {
    const { consents, admin, stranger, patient, provider } = await deployFixture();
    await expectEvent(consents.connect(admin).setEmergencyWindow(3600), consents, 'EmergencyWindowChanged', [24n * 3600n, 3600n]);
    await expectRevert(consents.connect(admin).setEmergencyWindow(3599), consents, 'ConsentManagerEmergencyWindowOutOfRange', [3599]);
    await expectRevert(consents.connect(admin).setEmergencyWindow(72 * 3600 + 1), consents, 'ConsentManagerEmergencyWindowOutOfRange', [72 * 3600 + 1]);
    await expectRevert(consents.connect(stranger).setEmergencyWindow(7200), consents, 'AccessControlUnauthorizedAccount', [
      stranger.address,
      await consents.DEFAULT_ADMIN_ROLE(),
    ]);
    await consents.connect(provider).openEmergencyAccess(patient.address, REASON);
    expect(await consents.emergencyAccessExpiry(patient.address, provider.address)).toBe(BigInt(await time.latest()) + 3600n);
  });
});
