import { decodeBytes32String } from 'ethers';

/** Custom errors of the contracts, each turned into what went wrong and what to do about it. */
function text32(value: unknown): string {
  try {
    return decodeBytes32String(String(value));
  } catch {
    return String(value);
  }
}

const REASONS: Record<string, (args: unknown[]) => string> = {
  ConsentManagerNotPatientOrGuardian: ([patient]) => `only the patient ${patient} or one of their guardians may do this; switch to that account.`,
  ConsentManagerInvalidGuardian: () => 'a patient cannot be their own guardian, and the guardian needs an address.',
  ConsentManagerGuardianNotAppointed: ([, guardian]) => `${guardian} is not a guardian of this patient.`,
  ConsentManagerInvalidGrantee: () => 'choose who receives the consent (not yourself, not the zero address).',
  ConsentManagerInvalidAccess: () => 'choose read, write, or both.',
  ConsentManagerMissingPurpose: () => 'choose a purpose of use (e.g. TREAT).',
  ConsentManagerInvalidScope: () => 'choose a data category, or * for all.',
  ConsentManagerExpiryInPast: () => 'the expiry is in the past; pick a later date.',
  ConsentManagerConsentNotFound: () => 'there is no such consent (it may be revoked already); reload.',
  ConsentManagerSignatureExpired: () => 'the signed consent expired before it was sent; sign it again.',
  ConsentManagerInvalidSignature: () => 'the consent signature is not the patient’s; sign it with the patient’s account.',
  ConsentManagerNotVerifiedProvider: ([account]) => `${account} is not a verified provider; ask the registrar to verify it.`,
  ConsentManagerNoEmergencyAccess: () => 'there is no open emergency access to close.',
  ConsentManagerEmergencyWindowOutOfRange: () => 'the emergency window must be between 1 and 72 hours.',
  ConsentManagerZeroAddress: () => 'an address is missing (the zero address was given).',
  AccessControlUnauthorizedAccount: ([account]) => `${account} lacks the administrative role this needs; use the admin or registrar account.`,
  ConsentManagerNotAllowedToClose: () => 'only the patient, a guardian or the provider may close this emergency access.',
  RecordRegistryZeroValue: () => 'a record id, patient and commitment are required.',
  RecordRegistryRecordExists: () => 'a record with this id is anchored already; prepare the record again for a new id.',
  RecordRegistryRecordNotFound: () => 'the record is not anchored.',
  RecordRegistryRecordErased: () => 'the record was erased and cannot change.',
  RecordRegistryRecordMismatch: () => 'the record changed since you loaded it; reload and try again.',
  RecordRegistryUnauthorizedWriter: ([patient, , category]) =>
    `you hold no write consent from ${patient} for ${text32(category)}; ask the patient to grant one (or open emergency access).`,
  RecordRegistryNotPatientOrGuardian: ([patient]) => `only the patient ${patient} or a guardian may do this.`,
  RecordRegistryTreatmentExists: () => 'this treatment was proposed already.',
  RecordRegistryTreatmentNotFound: () => 'there is no such treatment; reload.',
  RecordRegistryTreatmentAlreadyDecided: () => 'this treatment was decided already; reload to see the decision.',
  RecordRegistryTreatmentNotApproved: () => 'the treatment is not approved; the patient or a guardian must approve it first.',
  RecordRegistryClinicianVersion: () => "a clinician wrote the current version: the patient and guardians cannot change it; request an amendment instead.",
  RecordRegistryNotClinicianVersion: () => 'the current version was written by the patient or a guardian: amend it directly.',
  RecordRegistryAmendmentRequestExists: () => 'this amendment request was filed already; reload.',
  RecordRegistryAmendmentRequestNotFound: () => 'there is no such amendment request (its transaction may not be mined yet); reload.',
  RecordRegistryAmendmentRequestAnswered: () => 'this amendment request was answered already; reload to see the answer.',
  RecordRegistryRequesterCannotAnswer: () => "the patient and guardians file amendment requests; a clinician with a write consent answers them.",
  RecordRegistryNotVerifiedProvider: ([account]) => `${account} is not a verified provider; ask the registrar to verify it.`,
};

/** The custom errors the client can explain. */
export const EXPLAINED_ERRORS: readonly string[] = Object.keys(REASONS);

export function explainRevert(name: string, args: unknown[]): string {
  const explain = REASONS[name];
  return explain ? `${explain(args)} (${name})` : `the contract refused with ${name}(${args.map(String).join(', ')}).`;
}
