import { Schema, type Connection, type Model } from 'mongoose';

/**
 * A short-lived exclusive lease on a named resource (a record, the audit sealer). Taking one is an
 * insert that a unique index lets only one writer win, and giving it back is a delete by its token:
 * the two operations FerretDB 1.x performs atomically. (Its conditional updates are a read followed by
 * a write, so a filter like `{ version: 3 }` cannot arbitrate between concurrent writers there.)
 */
export interface Lease {
  key: string;
  /** Random per holder: only the holder's delete matches it. */
  token: string;
  holder: string;
  /** After this time the lease counts as abandoned (its holder crashed) and may be taken over. */
  expiresAt: Date;
}

const leaseSchema = new Schema(
  {
    key: { type: String, required: true },
    token: { type: String, required: true },
    holder: { type: String, required: true },
    expiresAt: { type: Date, required: true },
  },
  { collection: 'leases', strict: 'throw', versionKey: false },
);
leaseSchema.index({ key: 1 }, { unique: true });
leaseSchema.index({ expiresAt: 1 });

export function leaseModel(connection: Connection): Model<Lease> {
  return ((connection.models.Lease as unknown) ?? connection.model('Lease', leaseSchema)) as Model<Lease>;
}
