import { BigInt, Bytes, ethereum } from '@graphprotocol/graph-ts';
import {
  ConsentGranted,
  ConsentRenewed,
  ConsentRevoked,
  EmergencyAccessClosed,
  EmergencyAccessOpened,
  GuardianAppointed,
  GuardianRemoved,
} from '../generated/ConsentManager/ConsentManager';
import {
  Consent,
  ConsentChange,
  EmergencyAccess,
  EmergencyAccessClosure,
  EmergencyAccessPointer,
  GuardianChange,
  GuardianLink,
} from '../generated/schema';
import { NO_EXPIRY, asciiCode, countActivity, eventId, getOrCreateAccount, pairId } from './helpers';

const ACCESS_READ = 1;
const ACCESS_WRITE = 2;

export function handleGuardianAppointed(event: GuardianAppointed): void {
  getOrCreateAccount(event.params.patient);
  getOrCreateAccount(event.params.guardian);
  const id = pairId(event.params.patient, event.params.guardian);
  let link = GuardianLink.load(id);
  if (link == null) {
    link = new GuardianLink(id);
    link.patient = event.params.patient;
    link.guardian = event.params.guardian;
  }
  const expiresAt: BigInt | null = event.params.expiresAt.equals(NO_EXPIRY) ? null : event.params.expiresAt;
  link.expiresAt = expiresAt;
  link.appointed = true;
  link.appointedAt = event.block.timestamp;
  link.removedAt = null;
  link.removedBy = null;
  link.save();

  const change = new GuardianChange(eventId(event));
  change.link = id;
  change.kind = 'APPOINTED';
  change.patient = event.params.patient;
  change.guardian = event.params.guardian;
  change.expiresAt = expiresAt;
  change.actor = event.params.patient;
  setBlockFields(change, event);
  change.save();
}

export function handleGuardianRemoved(event: GuardianRemoved): void {
  getOrCreateAccount(event.params.removedBy);
  const id = pairId(event.params.patient, event.params.guardian);
  const link = GuardianLink.load(id);
  if (link == null) return; // The contract only emits this for an appointment it holds.
  link.appointed = false;
  link.removedAt = event.block.timestamp;
  link.removedBy = event.params.removedBy;
  link.save();

  const change = new GuardianChange(eventId(event));
  change.link = id;
  change.kind = 'REMOVED';
  change.patient = event.params.patient;
  change.guardian = event.params.guardian;
  change.actor = event.params.removedBy;
  setBlockFields(change, event);
  change.save();
}

export function handleConsentGranted(event: ConsentGranted): void {
  const patient = getOrCreateAccount(event.params.patient);
  getOrCreateAccount(event.params.grantee);
  getOrCreateAccount(event.params.grantedBy);
  const scopeName = asciiCode(event.params.scope);
  const purpose = asciiCode(event.params.purpose);
  const access = event.params.access;
  // A grant sent by someone other than the granter is a relayed EIP-712 signature.
  const viaSignature = !event.transaction.from.equals(event.params.grantedBy);

  let consent = Consent.load(event.params.consentId);
  const isNew = consent == null;
  if (consent == null) {
    consent = new Consent(event.params.consentId);
    consent.patient = event.params.patient;
    consent.grantee = event.params.grantee;
    consent.scope = event.params.scope;
    consent.scopeName = scopeName;
    consent.createdAt = event.block.timestamp;
  }
  if (isNew || consent.revoked) {
    patient.openConsentCount = patient.openConsentCount + 1;
    patient.save();
  }
  consent.access = access;
  consent.canRead = (access & ACCESS_READ) != 0;
  consent.canWrite = (access & ACCESS_WRITE) != 0;
  consent.purpose = purpose;
  consent.expiresAt = event.params.expiresAt;
  consent.revoked = false;
  consent.grantedBy = event.params.grantedBy;
  consent.viaSignature = viaSignature;
  consent.updatedAt = event.block.timestamp;
  consent.save();

  const change = newConsentChange(event, event.params.consentId, 'GRANTED', consent);
  change.actor = event.params.grantedBy;
  if (viaSignature) {
    getOrCreateAccount(event.transaction.from);
    change.relayer = event.transaction.from;
  }
  change.save();
  countActivity('CONSENTS_GRANTED', scopeName, purpose);
}

export function handleConsentRenewed(event: ConsentRenewed): void {
  getOrCreateAccount(event.params.renewedBy);
  const consent = Consent.load(event.params.consentId);
  if (consent == null) return; // The contract only renews a consent it holds.
  consent.expiresAt = event.params.expiresAt;
  consent.updatedAt = event.block.timestamp;
  consent.save();

  const change = newConsentChange(event, event.params.consentId, 'RENEWED', consent);
  change.actor = event.params.renewedBy;
  change.save();
  countActivity('CONSENTS_RENEWED', consent.scopeName, consent.purpose);
}

export function handleConsentRevoked(event: ConsentRevoked): void {
  getOrCreateAccount(event.params.revokedBy);
  const consent = Consent.load(event.params.consentId);
  if (consent == null) return; // The contract only revokes a consent it holds.
  consent.revoked = true;
  consent.updatedAt = event.block.timestamp;
  consent.save();
  const patient = getOrCreateAccount(event.params.patient);
  patient.openConsentCount = patient.openConsentCount - 1;
  patient.save();

  const change = newConsentChange(event, event.params.consentId, 'REVOKED', consent);
  change.access = 0;
  change.expiresAt = null;
  change.actor = event.params.revokedBy;
  change.save();
  countActivity('CONSENTS_REVOKED', consent.scopeName, consent.purpose);
}

export function handleEmergencyAccessOpened(event: EmergencyAccessOpened): void {
  getOrCreateAccount(event.params.patient);
  getOrCreateAccount(event.params.provider);
  const access = new EmergencyAccess(eventId(event));
  access.patient = event.params.patient;
  access.provider = event.params.provider;
  access.reasonCode = event.params.reasonCode;
  access.reason = asciiCode(event.params.reasonCode);
  access.expiresAt = event.params.expiresAt;
  access.blockNumber = event.block.number;
  access.timestamp = event.block.timestamp;
  access.transactionHash = event.transaction.hash;
  access.save();

  const pointerId = pairId(event.params.patient, event.params.provider);
  let pointer = EmergencyAccessPointer.load(pointerId);
  if (pointer == null) pointer = new EmergencyAccessPointer(pointerId);
  pointer.access = access.id;
  pointer.save();
  countActivity('EMERGENCY_ACCESSES_OPENED', null, 'ETREAT');
}

export function handleEmergencyAccessClosed(event: EmergencyAccessClosed): void {
  getOrCreateAccount(event.params.closedBy);
  const pointer = EmergencyAccessPointer.load(pairId(event.params.patient, event.params.provider));
  if (pointer == null) return; // The contract only closes an access it holds.
  const closure = new EmergencyAccessClosure(eventId(event));
  closure.access = pointer.access;
  closure.patient = event.params.patient;
  closure.provider = event.params.provider;
  closure.closedBy = event.params.closedBy;
  closure.blockNumber = event.block.number;
  closure.timestamp = event.block.timestamp;
  closure.transactionHash = event.transaction.hash;
  closure.save();
}

function newConsentChange(event: ethereum.Event, consentId: Bytes, kind: string, consent: Consent): ConsentChange {
  const change = new ConsentChange(eventId(event));
  change.consent = consentId;
  change.kind = kind;
  change.patient = consent.patient;
  change.grantee = consent.grantee;
  change.scope = consent.scope;
  change.scopeName = consent.scopeName;
  change.access = consent.access;
  change.purpose = consent.purpose;
  change.expiresAt = consent.expiresAt;
  change.blockNumber = event.block.number;
  change.timestamp = event.block.timestamp;
  change.transactionHash = event.transaction.hash;
  return change;
}

function setBlockFields(change: GuardianChange, event: ethereum.Event): void {
  change.blockNumber = event.block.number;
  change.timestamp = event.block.timestamp;
  change.transactionHash = event.transaction.hash;
}
