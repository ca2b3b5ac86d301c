import { createHash, randomBytes } from 'node:crypto';
import type { Model } from 'mongoose';
import { normalizeAddress, translateWriteError } from '../database/validation';
import type { SiweNonce } from './nonce.model';
import type { SiweSession } from './session.model';

const hashSecret = (secret: string) => createHash('sha256').update(secret, 'utf8').digest('hex');

/**
 * Nonces in MongoDB: saved when issued, with a hash of the binding value of the client that asked for
 * them, and deleted by the one attempt of that client that names them.
 */
export class NonceStore {
  constructor(private readonly nonces: Model<SiweNonce>) {}

  async save(nonce: string, client: string, expiresAt: Date): Promise<void> {
    try {
      await this.nonces.create({ nonce, clientHash: hashSecret(client), expiresAt });
    } catch (error) {
      throw translateWriteError(error, 'This nonce was issued already; issue a new one.');
    }
  }

  /**
   * Deletes the nonce and says what it was; a nonce presented without its client's binding value is
   * `other-client` and stays, so that the client it was issued to can still use it. Of several
   * concurrent attempts with the same nonce only the one whose delete removed the document sees it:
   * FerretDB 1.x runs findOneAndDelete as a read followed by a delete, so two callers could both read
   * it, but only one delete reports a deleted document.
   */
  async consume(nonce: string, client: string | undefined, now: Date): Promise<'valid' | 'expired' | 'unknown' | 'other-client'> {
    const found = await this.nonces.findOne({ nonce }).lean<SiweNonce>();
    if (!found) return 'unknown';
    if (client === undefined || found.clientHash !== hashSecret(client)) return 'other-client';
    const { deletedCount } = await this.nonces.deleteOne({ nonce });
    if (deletedCount !== 1) return 'unknown';
    return found.expiresAt.getTime() > now.getTime() ? 'valid' : 'expired';
  }
}

/** A session as the HTTP layer sees it: the id goes into the cookie. */
export interface StoredSession {
  id: string;
  address: string;
  expiresAt: Date;
}

/** Sessions in MongoDB, keyed by a hash of their random id. */
export class SessionStore {
  constructor(private readonly sessions: Model<SiweSession>) {}

  async create(address: string, expiresAt: Date): Promise<StoredSession> {
    const owner = normalizeAddress(address, 'address');
    const id = randomBytes(32).toString('base64url');
    try {
      await this.sessions.create({ idHash: hashSecret(id), address: owner, expiresAt });
    } catch (error) {
      throw translateWriteError(error, 'A session id collided; sign in again.');
    }
    return { id, address: owner, expiresAt };
  }

  /** The live session with this id, or null when there is none or it has expired. */
  async find(id: string, now: Date): Promise<StoredSession | null> {
    const found = await this.sessions.findOne({ idHash: hashSecret(id), expiresAt: { $gt: now } }).lean<SiweSession>();
    return found ? { id, address: found.address, expiresAt: found.expiresAt } : null;
  }

  async delete(id: string): Promise<void> {
    await this.sessions.deleteOne({ idHash: hashSecret(id) });
  }
}
