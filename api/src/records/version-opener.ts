import { LRUCache } from 'lru-cache';
import { computeCommitment, splitPreimage } from './commitment';
import type { MasterKey } from './master-key';
import { ContentAuthenticationError, openContent, versionContext, type SealedContent } from './record-crypto';
import type { RecordVersion } from './record.model';

/** Lean queries return BSON Binary values for Buffer fields; crypto needs Buffers. */
export function asBuffer(value: unknown): Buffer {
  if (Buffer.isBuffer(value)) return value;
  const binary = value as { buffer?: Uint8Array };
  if (binary.buffer instanceof Uint8Array) return Buffer.from(binary.buffer.buffer, binary.buffer.byteOffset, binary.buffer.byteLength);
  throw new Error('A stored record field that should hold bytes holds something else.');
}

/** The encrypted fields of a stored version as Buffers, or undefined once erased (nothing to open). */
function sealedOf(stored: RecordVersion): SealedContent | undefined {
  const key = stored.wrappedKey;
  if (!stored.ciphertext || !stored.iv || !stored.tag || !key) return undefined;
  return {
    iv: asBuffer(stored.iv),
    ciphertext: asBuffer(stored.ciphertext),
    tag: asBuffer(stored.tag),
    wrappedKey: { keyId: key.keyId, iv: asBuffer(key.iv), ciphertext: asBuffer(key.ciphertext), tag: asBuffer(key.tag) },
  };
}

type Opened = { preimage: Buffer } | { error: unknown };

/**
 * Opens stored record versions for the content read and the integrity check alike.
 *
 * - A version object loaded from the store is decrypted at most once (memo keyed by that object): a
 *   request that reads a page's contents and checks their integrity loads each document once and
 *   decrypts it once. Every request loads its own documents, so nothing decrypted outlives it.
 * - The commitment recomputed from a version, keccak256(salt || canonical content), is a function of the
 *   stored bytes alone (ciphertext, IV, tag, wrapped key, record version) under this master key. It is
 *   cached by exactly those bytes, so a version read again with the same bytes is not hashed again, and
 *   any change to the stored bytes (tampering) misses the cache and is judged afresh. The cache holds
 *   commitments, which are public on-chain, never plaintext or keys; bounded, least recently used out.
 */
export class VersionOpener {
  private readonly opened = new WeakMap<RecordVersion, Opened>();
  private readonly recomputed = new WeakMap<RecordVersion, string | null | undefined>();
  private readonly commitments: LRUCache<string, string>;

  private constructor(
    private readonly masterKey: MasterKey,
    maxCommitments: number,
  ) {
    this.commitments = new LRUCache({ max: maxCommitments });
  }

  private static readonly byKey = new WeakMap<MasterKey, VersionOpener>();

  /** The opener of this master key (one per key, shared by the record service and the integrity checker). */
  static of(masterKey: MasterKey, maxCommitments = 50_000): VersionOpener {
    let opener = VersionOpener.byKey.get(masterKey);
    if (!opener) {
      opener = new VersionOpener(masterKey, maxCommitments);
      VersionOpener.byKey.set(masterKey, opener);
    }
    return opener;
  }

  /**
   * The plaintext (salt || canonical content) of a stored version; undefined once erased. Throws
   * ContentAuthenticationError when the ciphertext, its key or its tag was altered.
   */
  preimage(recordId: string, stored: RecordVersion): Buffer | undefined {
    let opened = this.opened.get(stored);
    if (!opened) {
      const sealed = sealedOf(stored);
      if (!sealed) return undefined;
      try {
        opened = { preimage: openContent(this.masterKey, sealed, versionContext(recordId, stored.version)) };
      } catch (error) {
        opened = { error };
      }
      this.opened.set(stored, opened);
    }
    if ('error' in opened) throw opened.error;
    return opened.preimage;
  }

  /**
   * keccak256(salt || canonical content) recomputed from a stored version: null when the ciphertext
   * fails authentication, undefined when the version holds no content any more (erased).
   */
  commitment(recordId: string, stored: RecordVersion): string | null | undefined {
    // Asked for by the integrity check and by the content read of the same loaded version.
    if (this.recomputed.has(stored)) return this.recomputed.get(stored);
    const commitment = this.recompute(recordId, stored);
    this.recomputed.set(stored, commitment);
    return commitment;
  }

  private recompute(recordId: string, stored: RecordVersion): string | null | undefined {
    const sealed = sealedOf(stored);
    if (!sealed) return undefined;
    const { wrappedKey } = sealed;
    // Exactly the stored bytes: each field's length, then all of them as one Latin-1 string (a byte a
    // character, one copy), after the version's context and key id.
    const fields = [sealed.iv, sealed.tag, wrappedKey.iv, wrappedKey.ciphertext, wrappedKey.tag, sealed.ciphertext];
    const key = `${versionContext(recordId, stored.version)}|${wrappedKey.keyId}|${fields.map((bytes) => bytes.length).join(',')}|${Buffer.concat(fields).toString('latin1')}`;
    const cached = this.commitments.get(key);
    if (cached !== undefined) return cached;
    let preimage: Buffer | undefined;
    try {
      preimage = this.preimage(recordId, stored);
    } catch (error) {
      if (!(error instanceof ContentAuthenticationError)) throw error;
      return null;
    }
    if (!preimage) return undefined;
    const { salt, canonical } = splitPreimage(preimage);
    const commitment = computeCommitment(salt, canonical);
    this.commitments.set(key, commitment);
    return commitment;
  }
}
