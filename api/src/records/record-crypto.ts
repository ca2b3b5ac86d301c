import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { MasterKey, WrappedKey } from './master-key';

const IV_BYTES = 12;
const TAG_BYTES = 16;

/** One record version's plaintext, sealed with its own data key. */
export interface SealedContent {
  iv: Buffer;
  ciphertext: Buffer;
  tag: Buffer;
  /** The version's data key, wrapped by the master key. */
  wrappedKey: WrappedKey;
}

/** Binds ciphertexts and wrapped keys to their record version, so none can be swapped for another's. */
export function versionContext(recordId: string, version: number): string {
  return `${recordId.toLowerCase()}#${version}`;
}

/** Encrypts `plaintext` with AES-256-GCM under a fresh random data key, which the master key wraps. */
export function sealContent(masterKey: MasterKey, plaintext: Uint8Array, context: string): SealedContent {
  const dataKey = randomBytes(32);
  try {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', dataKey, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(`record-content\0${context}`, 'utf8'));
    const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return { iv, ciphertext, tag: cipher.getAuthTag(), wrappedKey: masterKey.wrap(dataKey, context) };
  } finally {
    dataKey.fill(0);
  }
}

/** The sealed content could not be decrypted: it, its key or its tag was altered (or the key is wrong). */
export class ContentAuthenticationError extends Error {
  constructor(context: string, cause: unknown) {
    super(`The stored ciphertext of ${context} failed authentication: it was altered or belongs elsewhere.`, { cause });
    this.name = 'ContentAuthenticationError';
  }
}

/** Decrypts sealed content; throws ContentAuthenticationError when anything about it was altered. */
export function openContent(masterKey: MasterKey, sealed: SealedContent, context: string): Buffer {
  if (sealed.wrappedKey.keyId !== masterKey.id) {
    // Not tampering: the server runs with another master key than the one that wrote this record.
    throw new Error(
      `${context} was encrypted under master key ${sealed.wrappedKey.keyId}, but the configured key is ${masterKey.id}; ` +
        'set MASTER_KEY (or the data folder) to the key that wrote it.',
    );
  }
  let dataKey: Buffer;
  try {
    dataKey = masterKey.unwrap(sealed.wrappedKey, context);
  } catch (error) {
    throw new ContentAuthenticationError(context, error);
  }
  try {
    const decipher = createDecipheriv('aes-256-gcm', dataKey, sealed.iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.from(`record-content\0${context}`, 'utf8'));
    decipher.setAuthTag(sealed.tag);
    return Buffer.concat([decipher.update(sealed.ciphertext), decipher.final()]);
  } catch (error) {
    throw new ContentAuthenticationError(context, error);
  } finally {
    dataKey.fill(0);
  }
}
