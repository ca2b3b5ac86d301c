import { Schema, type Connection, type Model } from 'mongoose';
import { BYTES32_PATTERN } from '../database/validation';

/**
 * `claiming`: the batch id is reserved and entries are being assigned to it; `sealed`: the Merkle root
 * is computed; `anchoring`: the anchor transaction was sent; `anchored`: it is mined.
 */
export const AUDIT_BATCH_STATUSES = ['claiming', 'sealed', 'anchoring', 'anchored'] as const;
export type AuditBatchStatus = (typeof AUDIT_BATCH_STATUSES)[number];

/** Where a batch's root is on-chain. */
export interface AuditBatchAnchor {
  chainId: number;
  contract: string;
  txHash: string;
  blockNumber?: number;
  /** The batch's id in AuditAnchor (its index there). */
  chainBatchId?: number;
}

/** A group of audit entries whose Merkle root is anchored on-chain. */
export interface AuditBatch {
  /** Sequence number, from 1. */
  batchId: number;
  status: AuditBatchStatus;
  /** StandardMerkleTree root over the entries' leaves. */
  root?: string;
  /** Entry ids in leaf order. */
  entryIds: string[];
  entryCount: number;
  fromTime?: Date;
  toTime?: Date;
  anchor?: AuditBatchAnchor;
  createdAt: Date;
  updatedAt: Date;
}

const anchorSchema = new Schema(
  {
    chainId: { type: Number, required: true },
    contract: { type: String, required: true, lowercase: true },
    txHash: { type: String, required: true, lowercase: true, match: BYTES32_PATTERN },
    blockNumber: Number,
    chainBatchId: Number,
  },
  { _id: false },
);

const auditBatchSchema = new Schema(
  {
    batchId: { type: Number, required: true, min: 1, immutable: true },
    status: { type: String, required: true, enum: AUDIT_BATCH_STATUSES },
    root: { type: String, lowercase: true, match: BYTES32_PATTERN },
    entryIds: { type: [String], default: [] },
    entryCount: { type: Number, required: true, min: 0, default: 0 },
    fromTime: Date,
    toTime: Date,
    anchor: anchorSchema,
  },
  { collection: 'audit_batches', timestamps: true, strict: 'throw' },
);
auditBatchSchema.index({ batchId: 1 }, { unique: true });
auditBatchSchema.index({ status: 1, batchId: 1 });

export function auditBatchModel(connection: Connection): Model<AuditBatch> {
  return ((connection.models.AuditBatch as unknown) ?? connection.model('AuditBatch', auditBatchSchema)) as Model<AuditBatch>;
}
