import { Schema, type Connection, type Model } from 'mongoose';
import { ADDRESS_PATTERN, BYTES32_PATTERN } from '../database/validation';

export const AUDIT_DECISIONS = ['allowed', 'denied'] as const;
export type AuditDecision = (typeof AUDIT_DECISIONS)[number];

/** HL7 v3 PurposeOfUse codes are short upper-case words (TREAT, ETREAT, HRESCH, …); they fit bytes16. */
export const PURPOSE_PATTERN = /^[A-Z][A-Z0-9_-]{1,15}$/;

/** One attempt to read record contents: who, whose record, which record, why, what was decided, when. */
export interface AuditEntry {
  /** Random 32 bytes, 0x hex. */
  entryId: string;
  actor: string;
  patient: string;
  /** The record read; zero for a search of the patient by name and birth date (emergency access). */
  recordId: string;
  /** The record version read; 0 for a search. */
  recordVersion: number;
  category: string;
  purpose: string;
  decision: AuditDecision;
  at: Date;
  /**
   * The audit batch that includes this entry; 0 until it is batched (not null: the embedded store finds
   * documents by an equality it can hand to an index, and null is not one).
   */
  batchId: number;
}

const auditEntrySchema = new Schema(
  {
    entryId: { type: String, required: true, immutable: true, match: BYTES32_PATTERN },
    actor: { type: String, required: true, immutable: true, lowercase: true, match: ADDRESS_PATTERN },
    patient: { type: String, required: true, immutable: true, lowercase: true, match: ADDRESS_PATTERN },
    recordId: { type: String, required: true, immutable: true, lowercase: true, match: BYTES32_PATTERN },
    recordVersion: { type: Number, required: true, immutable: true, min: 0 },
    category: { type: String, required: true, immutable: true },
    purpose: { type: String, required: true, immutable: true, match: PURPOSE_PATTERN },
    decision: { type: String, required: true, immutable: true, enum: AUDIT_DECISIONS },
    at: { type: Date, required: true, immutable: true },
    batchId: { type: Number, default: 0, min: 0 },
  },
  { collection: 'audit_entries', strict: 'throw', versionKey: false },
);
auditEntrySchema.index({ entryId: 1 }, { unique: true });
auditEntrySchema.index({ patient: 1, at: -1, entryId: -1 });
auditEntrySchema.index({ batchId: 1, at: 1, entryId: 1 });

export function auditEntryModel(connection: Connection): Model<AuditEntry> {
  return ((connection.models.AuditEntry as unknown) ?? connection.model('AuditEntry', auditEntrySchema)) as Model<AuditEntry>;
}
