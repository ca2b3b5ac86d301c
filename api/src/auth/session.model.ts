import { Schema, type Connection, type Model } from 'mongoose';
import { ADDRESS_PATTERN } from '../database/validation';

/**
 * A signed-in session. Only a SHA-256 hash of the session id is stored, so reading the database does
 * not yield a usable session.
 */
export interface SiweSession {
  idHash: string;
  address: string;
  expiresAt: Date;
  createdAt: Date;
}

const sessionSchema = new Schema(
  {
    idHash: { type: String, required: true, immutable: true, match: /^[0-9a-f]{64}$/ },
    address: { type: String, required: true, immutable: true, lowercase: true, match: ADDRESS_PATTERN },
    // Explicit expiry, deleted by the periodic sweep: FerretDB 1.x has no TTL indexes.
    expiresAt: { type: Date, required: true },
  },
  { collection: 'siwe_sessions', timestamps: { createdAt: true, updatedAt: false }, strict: 'throw', versionKey: false },
);
sessionSchema.index({ idHash: 1 }, { unique: true });
sessionSchema.index({ expiresAt: 1 });

export function sessionModel(connection: Connection): Model<SiweSession> {
  return ((connection.models.SiweSession as unknown) ?? connection.model('SiweSession', sessionSchema)) as Model<SiweSession>;
}
