import { Schema, type Connection, type Model } from 'mongoose';
import { ADDRESS_PATTERN, BYTES32_PATTERN } from '../database/validation';

/**
 * One version of a record. `ciphertext` is AES-256-GCM of (salt || canonical content) under the
 * version's own data key; the commitment is keccak256 of that same plaintext. Erasure removes the
 * ciphertext, its IV and tag and the wrapped key, which leaves nothing to decrypt (crypto-shredding);
 * the salt is inside the ciphertext, so it goes with it.
 */
export interface RecordVersion {
  version: number;
  author: string;
  /** keccak256(salt || canonical content), 0x hex: what the chain stores. Public by design. */
  commitment: string;
  createdAt: Date;
  iv?: Buffer;
  ciphertext?: Buffer;
  tag?: Buffer;
  wrappedKey?: { keyId: string; iv: Buffer; ciphertext: Buffer; tag: Buffer };
}

export const RECORD_STATUSES = ['active', 'erased'] as const;
export type RecordStatus = (typeof RECORD_STATUSES)[number];

/** A record's off-chain document. The chain anchors it by `recordId`. */
export interface RecordDoc {
  /** Random 32 bytes, 0x hex. */
  recordId: string;
  patient: string;
  /** Data category: the FHIR resource type of the content (e.g. `Observation`). */
  category: string;
  /** Number of the newest version (1 for a new record). */
  currentVersion: number;
  versions: RecordVersion[];
  status: RecordStatus;
  erasedAt?: Date;
  erasedBy?: string;
  createdAt: Date;
  updatedAt: Date;
}

const address = { type: String, required: true, lowercase: true, match: ADDRESS_PATTERN };
const bytes32 = { type: String, required: true, lowercase: true, match: BYTES32_PATTERN };

const wrappedKeySchema = new Schema(
  {
    keyId: { type: String, required: true },
    iv: { type: Buffer, required: true },
    ciphertext: { type: Buffer, required: true },
    tag: { type: Buffer, required: true },
  },
  { _id: false },
);

const versionSchema = new Schema(
  {
    version: { type: Number, required: true, min: 1 },
    author: address,
    commitment: bytes32,
    createdAt: { type: Date, required: true },
    iv: Buffer,
    ciphertext: Buffer,
    tag: Buffer,
    wrappedKey: wrappedKeySchema,
  },
  { _id: false },
);

const recordSchema = new Schema(
  {
    recordId: { ...bytes32, immutable: true },
    patient: { ...address, immutable: true },
    category: { type: String, required: true, immutable: true, match: /^[A-Za-z][A-Za-z0-9_.-]{0,30}$/ },
    currentVersion: { type: Number, required: true, min: 1 },
    versions: { type: [versionSchema], required: true },
    status: { type: String, required: true, enum: RECORD_STATUSES, default: 'active' },
    erasedAt: Date,
    erasedBy: { type: String, lowercase: true, match: ADDRESS_PATTERN },
  },
  { collection: 'records', timestamps: true, strict: 'throw' },
);
recordSchema.index({ recordId: 1 }, { unique: true });
recordSchema.index({ patient: 1, createdAt: -1 });

/**
 * What a read of stored records asks for: every field but the store's own `_id` and mongoose's `__v`,
 * which no read uses (the store then encodes, and the API decodes, two fields fewer per document).
 */
export const STORED_RECORD = { _id: 0, __v: 0 } as const;

/** The record model bound to `connection`. */
export function recordModel(connection: Connection): Model<RecordDoc> {
  return ((connection.models.Record as unknown) ?? connection.model('Record', recordSchema)) as Model<RecordDoc>;
}
