import type DataLoader from 'dataloader';
import type { AuditProof } from '../audit/audit-batch.service';
import type { ProfileOf } from '../profiles/profile.service';
import type { IntegrityReport } from '../records/integrity';
import type { IndexedRecordFacts, IndexedVersionFacts, VersionIntegrity } from '../records/record-integrity.batch';
import type { RecordRead, RecordSummary } from '../records/record.service';
import type { AccountRow, AmendmentRequestRow, AuditBatchRow, RecordFields, RecordVersionRow } from './subgraph/documents';

export type SubgraphRecord = RecordFields;
export type SubgraphAccount = AccountRow;
export type SubgraphRecordVersion = RecordVersionRow;
export type SubgraphAuditBatch = AuditBatchRow;

/**
 * The per-request DataLoaders: every field that reads the subgraph or MongoDB goes through one, so a
 * page of fifty records costs one query per kind of data, not fifty. Keys are lowercase hex.
 */
export interface Loaders {
  recordById: DataLoader<string, SubgraphRecord | null>;
  versionsByRecord: DataLoader<string, SubgraphRecordVersion[]>;
  accountById: DataLoader<string, SubgraphAccount | null>;
  /** Amendment requests filed against each record, oldest first (subgraph). */
  amendmentRequestsByRecord: DataLoader<string, AmendmentRequestRow[]>;
  auditBatchById: DataLoader<string, SubgraphAuditBatch | null>;
  patientProfile: DataLoader<string, ProfileOf['patient'] | null>;
  providerProfile: DataLoader<string, ProfileOf['provider'] | null>;
  researcherProfile: DataLoader<string, ProfileOf['researcher'] | null>;
  /** Record documents without contents (MongoDB). */
  recordSummary: DataLoader<string, RecordSummary | null>;
  /**
   * Contents read for the viewer and a purpose: the data layer authorizes each read (the request's
   * cached chain decision), writes every audit entry of the batch in one insert, and only then decrypts.
   */
  recordRead: DataLoader<{ recordId: string; purpose: string }, RecordRead, string>;
  /** Treatment plans (CarePlan records) read by the patient, a guardian or the provider who proposed them; audited like records. */
  treatmentPlanRead: DataLoader<{ recordId: string; provider: string }, RecordRead, string>;
  /**
   * Amendment requests read by the patient, a guardian or a provider who may answer them (a write
   * consent for the record's category); audited like records.
   */
  amendmentRequestRead: DataLoader<{ requestId: string; patient: string; category: string }, RecordRead, string>;
  /** Integrity against the chain facts the subgraph gave for the record at the request's block. */
  integrity: DataLoader<IndexedRecordFacts, IntegrityReport, string>;
  /** Each version's stored content against the commitment the chain recorded for that version. */
  versionIntegrity: DataLoader<IndexedVersionFacts, VersionIntegrity, string>;
  /** Inclusion proofs of audit entries (null while an entry's batch is not sealed). */
  auditProof: DataLoader<string, AuditProof | null>;
}

