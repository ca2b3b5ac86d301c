import { Schema, type Connection, type Model } from 'mongoose';

/**
 * A SIWE nonce the server issued and has not seen used yet. Single use; deleted when consumed. It is
 * bound to the client that asked for it: `clientHash` is the SHA-256 of the random value of that
 * client's sign-in cookie (the value itself is never stored).
 */
export interface SiweNonce {
  nonce: string;
  clientHash: string;
  expiresAt: Date;
  createdAt: Date;
}

const nonceSchema = new Schema(
  {
    nonce: { type: String, required: true, immutable: true, match: /^[A-Za-z0-9]{8,64}$/ },
    clientHash: { type: String, required: true, immutable: true, match: /^[0-9a-f]{64}$/ },
    // Explicit expiry, deleted by the periodic sweep: FerretDB 1.x has no TTL indexes.
    expiresAt: { type: Date, required: true, immutable: true },
  },
  { collection: 'siwe_nonces', timestamps: { createdAt: true, updatedAt: false }, strict: 'throw', versionKey: false },
);
nonceSchema.index({ nonce: 1 }, { unique: true });
nonceSchema.index({ expiresAt: 1 });

export function nonceModel(connection: Connection): Model<SiweNonce> {
  return ((connection.models.SiweNonce as unknown) ?? connection.model('SiweNonce', nonceSchema)) as Model<SiweNonce>;
}
