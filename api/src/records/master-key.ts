import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { mkdir, open, readFile, stat } from 'node:fs/promises';
import path from 'node:path';

const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** Name of the generated key file inside the data folder. */
export const MASTER_KEY_FILE = 'master.key';

/** A data key wrapped by the master key with AES-256-GCM. */
export interface WrappedKey {
  /** Which master key wrapped it (a fingerprint, not the key). */
  keyId: string;
  iv: Buffer;
  ciphertext: Buffer;
  tag: Buffer;
}

/**
 * The key that wraps every record's data key. The raw key never leaves this object: callers can only
 * wrap and unwrap data keys, each bound to a context string (record id and version) so a wrapped key
 * copied to another record does not unwrap.
 */
export class MasterKey {
  /** A fingerprint that names the key in stored documents, so keys can be rotated. */
  readonly id: string;
  readonly #key: Buffer;

  constructor(key: Uint8Array) {
    if (key.length !== KEY_BYTES) throw new Error(`A master key is ${KEY_BYTES} bytes; got ${key.length}.`);
    this.#key = Buffer.from(key);
    this.id = createHash('sha256').update('health-records master key id\0').update(this.#key).digest('hex').slice(0, 16);
  }

  wrap(dataKey: Uint8Array, context: string): WrappedKey {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(`data-key\0${context}`, 'utf8'));
    const ciphertext = Buffer.concat([cipher.update(dataKey), cipher.final()]);
    return { keyId: this.id, iv, ciphertext, tag: cipher.getAuthTag() };
  }

  /** Unwraps a data key; throws when it was wrapped by another key, for another context, or altered. */
  unwrap(wrapped: WrappedKey, context: string): Buffer {
    if (wrapped.keyId !== this.id) {
      throw new Error(`This data key was wrapped by master key ${wrapped.keyId}, not by the configured key ${this.id}.`);
    }
    const decipher = createDecipheriv('aes-256-gcm', this.#key, wrapped.iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.from(`data-key\0${context}`, 'utf8'));
    decipher.setAuthTag(wrapped.tag);
    return Buffer.concat([decipher.update(wrapped.ciphertext), decipher.final()]);
  }
}

/** Parses MASTER_KEY: 32 bytes as 64 hex digits (optionally 0x-prefixed) or as base64. */
export function parseMasterKey(text: string): MasterKey {
  const trimmed = text.trim();
  const hex = trimmed.replace(/^0x/i, '');
  let bytes: Buffer | null = null;
  if (/^[0-9a-fA-F]{64}$/.test(hex)) bytes = Buffer.from(hex, 'hex');
  else if (/^[A-Za-z0-9+/_-]{43}=?$/.test(trimmed)) bytes = Buffer.from(trimmed, 'base64');
  if (!bytes || bytes.length !== KEY_BYTES) {
    throw new Error(
      'MASTER_KEY must be 32 bytes written as 64 hex digits or as base64 (e.g. the output of `openssl rand -hex 32`).',
    );
  }
  return new MasterKey(bytes);
}

/**
 * The master key: MASTER_KEY when given, else the key in `<dataDir>/master.key`, generated on first use
 * with owner-only permissions (0600). A key file that others can read is refused.
 */
export async function loadMasterKey(options: { masterKey?: string; dataDir: string }): Promise<MasterKey> {
  if (options.masterKey) return parseMasterKey(options.masterKey);

  const file = path.join(options.dataDir, MASTER_KEY_FILE);
  await mkdir(options.dataDir, { recursive: true, mode: 0o700 });
  try {
    const handle = await open(file, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
    try {
      await handle.writeFile(`${randomBytes(KEY_BYTES).toString('hex')}\n`);
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }

  const { mode } = await stat(file);
  if (process.platform !== 'win32' && (mode & 0o077) !== 0) {
    throw new Error(`${file} is readable by other users (mode ${(mode & 0o777).toString(8)}); run \`chmod 600 ${file}\`.`);
  }
  const text = await readFile(file, 'utf8');
  try {
    return parseMasterKey(text);
  } catch {
    throw new Error(`${file} does not hold a 32-byte hex key; restore it from a backup (records wrapped by it cannot be read without it).`);
  }
}
