import { AuditBatchAnchored } from '../generated/AuditAnchor/AuditAnchor';
import { AuditBatch } from '../generated/schema';
import { eventId, getOrCreateAccount } from './helpers';

export function handleAuditBatchAnchored(event: AuditBatchAnchored): void {
  getOrCreateAccount(event.params.auditor);
  const batch = new AuditBatch(eventId(event));
  batch.batchId = event.params.batchId;
  batch.root = event.params.root;
  batch.entryCount = event.params.entryCount.toI32();
  batch.fromTime = event.params.fromTime;
  batch.toTime = event.params.toTime;
  batch.auditor = event.params.auditor;
  batch.blockNumber = event.block.number;
  batch.timestamp = event.block.timestamp;
  batch.transactionHash = event.transaction.hash;
  batch.save();
}
