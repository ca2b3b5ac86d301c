import type { Model } from 'mongoose';
import { computeCommitment, splitPreimage } from './commitment';
import { judgeIntegrity, type IntegrityReport } from './integrity';
import type { MasterKey } from './master-key';
import { ContentAuthenticationError, openContent, versionContext } from './record-crypto';
import type { RecordDoc } from './record.model';

/** Lean queries return BSON Binary values for Buffer fields; crypto needs Buffers. */
function asBuffer(value: unknown): Buffer {
  if (Buffer.isBuffer(value)) return value;
  const binary = value as { buffer?: Uint8Array; value?: () => Uint8Array };
  if (binary.buffer instanceof Uint8Array) return Buffer.from(binary.buffer.buffer, binary.buffer.byteOffset, binary.buffer.byteLength);
  throw new Error('A stored record field that should hold bytes holds something else.');
}

/** What the chain holds for a record, as indexed at the request's block (version 0: not anchored). */
export interface IndexedRecordFacts {
  recordId: string;
  chain: { commitment: string | null; version: number; erased: boolean };
}

/** A version as the chain's events recorded it (from the subgraph, at the request's block). */
export interface IndexedVersionFacts {
  recordId: string;
  version: number;
  /** The commitment the chain's event holds for this version. */
  commitment: string;
}

/** What one version's integrity check found. */
export type VersionIntegrity = 'verified' | 'tampered' | 'erased';

/**
 * Recomputes keccak256(salt || canonical content) from a stored version: null when the ciphertext
 * fails authentication, undefined when the version holds no content any more (erased).
 */
function recomputedCommitment(masterKey: MasterKey, recordId: string, stored: RecordDoc['versions'][number]): string | null | undefined {
  const key = stored.wrappedKey;
  if (!stored.ciphertext || !stored.iv || !stored.tag || !key) return undefined;
  try {
    const preimage = openContent(
      masterKey,
      {
        iv: asBuffer(stored.iv),
        ciphertext: asBuffer(stored.ciphertext),
        tag: asBuffer(stored.tag),
        wrappedKey: { keyId: key.keyId, iv: asBuffer(key.iv), ciphertext: asBuffer(key.ciphertext), tag: asBuffer(key.tag) },
      },
      versionContext(recordId, stored.version),
    );
    const { salt, canonical } = splitPreimage(preimage);
    return computeCommitment(salt, canonical);
  } catch (error) {
    if (!(error instanceof ContentAuthenticationError)) throw error;
    return null;
  }
}

/**
 * The integrity check of many records at once, for lists: one database query for all of them, and the
 * chain's facts passed in (from the subgraph record the request already loaded, at the request's
 * block), so a page of fifty records costs no extra round trip per record. The data layer's
 * `judgeIntegrity` decides each one, exactly as `RecordService.integrity` does for a single record.
 */
export class RecordIntegrityChecker {
  constructor(
    private readonly records: Model<RecordDoc>,
    private readonly masterKey: MasterKey,
  ) {}

  private async documents(recordIds: readonly string[]): Promise<Map<string, RecordDoc>> {
    const docs = await this.records.find({ recordId: { $in: [...new Set(recordIds)] } }).lean<RecordDoc[]>();
    return new Map(docs.map((doc) => [doc.recordId, doc]));
  }

  async check(items: readonly IndexedRecordFacts[]): Promise<IntegrityReport[]> {
    const byId = await this.documents(items.map((item) => item.recordId));
    return items.map(({ recordId, chain }) => {
      const doc = byId.get(recordId);
      if (!doc) {
        return { status: 'tampered', version: 0, chainVersion: chain.version, reason: 'no stored content for this record' };
      }
      const latest = doc.versions[doc.versions.length - 1]!;
      const recomputed = doc.status === 'erased' ? undefined : recomputedCommitment(this.masterKey, recordId, latest);
      if (recomputed === undefined) {
        return { status: 'erased', version: doc.currentVersion, chainVersion: chain.version, reason: 'the record was erased (its keys are destroyed)' };
      }
      const current = !chain.erased && chain.version > 0 && chain.commitment?.toLowerCase() === latest.commitment.toLowerCase();
      return judgeIntegrity({
        version: latest.version,
        storedCommitment: latest.commitment,
        recomputed,
        chain: { current, version: chain.version, erased: chain.erased },
      });
    });
  }

  /**
   * Each version's stored content against the commitment the chain recorded for that version: verified
   * when the decrypted content and salt hash to it, erased once the keys are destroyed, tampered
   * otherwise (altered ciphertext, another commitment, or no stored version at all).
   */
  async checkVersions(items: readonly IndexedVersionFacts[]): Promise<VersionIntegrity[]> {
    const byId = await this.documents(items.map((item) => item.recordId));
    return items.map(({ recordId, version, commitment }) => {
      const doc = byId.get(recordId);
      if (doc?.status === 'erased') return 'erased';
      const stored = doc?.versions.find((candidate) => candidate.version === version);
      if (!stored) return 'tampered';
      const recomputed = recomputedCommitment(this.masterKey, recordId, stored);
      if (recomputed === undefined) return 'erased';
      const expected = commitment.toLowerCase();
      return recomputed === expected && stored.commitment.toLowerCase() === expected ? 'verified' : 'tampered';
    });
  }
}
