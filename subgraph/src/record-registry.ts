import { Bytes } from '@graphprotocol/graph-ts';
import {
  AmendmentRequestAnswered,
  AmendmentRequested,
  RecordAmended,
  RecordAnchored,
  RecordErased,
  TreatmentDecided,
  TreatmentProposed,
} from '../generated/RecordRegistry/RecordRegistry';
import { AmendmentRequest, Record, RecordVersion, Treatment } from '../generated/schema';
import { asciiCode, countActivity, eventId, getOrCreateAccount } from './helpers';

export function handleRecordAnchored(event: RecordAnchored): void {
  const patient = getOrCreateAccount(event.params.patient);
  patient.recordCount = patient.recordCount + 1;
  patient.save();
  getOrCreateAccount(event.params.author);

  const categoryName = asciiCode(event.params.category);
  const record = new Record(event.params.recordId);
  record.patient = event.params.patient;
  record.category = event.params.category;
  record.categoryName = categoryName;
  record.author = event.params.author;
  record.commitment = event.params.commitment;
  record.version = 1;
  record.erased = false;
  if (!event.params.treatmentId.equals(Bytes.fromHexString('0x0000000000000000000000000000000000000000000000000000000000000000'))) {
    record.treatment = event.params.treatmentId;
  }
  record.createdAt = event.block.timestamp;
  record.createdAtBlock = event.block.number;
  record.updatedAt = event.block.timestamp;
  record.save();

  const version = new RecordVersion(eventId(event));
  version.record = record.id;
  version.version = 1;
  version.author = event.params.author;
  version.commitment = event.params.commitment;
  version.blockNumber = event.block.number;
  version.timestamp = event.block.timestamp;
  version.transactionHash = event.transaction.hash;
  version.save();
  countActivity('RECORDS_ANCHORED', categoryName, null);
}

export function handleRecordAmended(event: RecordAmended): void {
  getOrCreateAccount(event.params.author);
  const record = Record.load(event.params.recordId);
  if (record == null) return; // The contract only amends a record it holds.
  record.commitment = event.params.commitment;
  record.version = event.params.version.toI32();
  record.updatedAt = event.block.timestamp;
  record.save();

  const version = new RecordVersion(eventId(event));
  version.record = record.id;
  version.version = record.version;
  version.author = event.params.author;
  version.commitment = event.params.commitment;
  version.previousCommitment = event.params.previousCommitment;
  version.blockNumber = event.block.number;
  version.timestamp = event.block.timestamp;
  version.transactionHash = event.transaction.hash;
  version.save();
  countActivity('RECORDS_AMENDED', record.categoryName, null);
}

export function handleRecordErased(event: RecordErased): void {
  getOrCreateAccount(event.params.erasedBy);
  const record = Record.load(event.params.recordId);
  if (record == null) return; // The contract only erases a record it holds.
  record.erased = true;
  record.erasedAt = event.block.timestamp;
  record.erasedBy = event.params.erasedBy;
  record.updatedAt = event.block.timestamp;
  record.save();
  countActivity('RECORDS_ERASED', record.categoryName, null);
}

export function handleTreatmentProposed(event: TreatmentProposed): void {
  getOrCreateAccount(event.params.patient);
  getOrCreateAccount(event.params.provider);
  const treatment = new Treatment(event.params.treatmentId);
  treatment.patient = event.params.patient;
  treatment.provider = event.params.provider;
  treatment.planHash = event.params.planHash;
  treatment.status = 'PROPOSED';
  treatment.proposedAt = event.block.timestamp;
  treatment.save();
}

export function handleTreatmentDecided(event: TreatmentDecided): void {
  getOrCreateAccount(event.params.decidedBy);
  const treatment = Treatment.load(event.params.treatmentId);
  if (treatment == null) return; // The contract only decides a treatment it holds.
  treatment.status = event.params.approved ? 'APPROVED' : 'REJECTED';
  treatment.decidedAt = event.block.timestamp;
  treatment.decidedBy = event.params.decidedBy;
  treatment.save();
}

export function handleAmendmentRequested(event: AmendmentRequested): void {
  getOrCreateAccount(event.params.requestedBy);
  const request = new AmendmentRequest(event.params.requestId);
  request.record = event.params.recordId;
  request.patient = event.params.patient;
  request.requestedBy = event.params.requestedBy;
  request.version = event.params.version.toI32();
  request.requestHash = event.params.requestHash;
  request.status = 'OPEN';
  request.requestedAt = event.block.timestamp;
  request.transactionHash = event.transaction.hash;
  request.save();
}

export function handleAmendmentRequestAnswered(event: AmendmentRequestAnswered): void {
  getOrCreateAccount(event.params.answeredBy);
  const request = AmendmentRequest.load(event.params.requestId);
  if (request == null) return; // The contract only answers a request it holds.
  request.status = event.params.accepted ? 'ACCEPTED' : 'DECLINED';
  request.answeredBy = event.params.answeredBy;
  request.answeredAt = event.block.timestamp;
  request.answerVersion = event.params.version.toI32();
  if (!event.params.accepted) request.reasonHash = event.params.reasonHash;
  request.answerTransactionHash = event.transaction.hash;
  request.save();
}
