import type { Model } from 'mongoose';
import { findEach } from '../database/find-each';
import { judgeIntegrity, type IntegrityReport } from './integrity';
import type { MasterKey } from './master-key';
import { STORED_RECORD, type RecordDoc } from './record.model';
import type { RecordDocuments } from './record.service';
import { VersionOpener } from './version-opener';

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
 * The integrity check of many records at once, for lists: one database query for all of them, and the
 * chain's facts passed in (from the subgraph record the request already loaded, at the request's
 * block), so a page of fifty records costs no extra round trip per record. `judgeIntegrity` decides
 * each one. This is the API's one integrity check: a single record is a list of one.
 */
export class RecordIntegrityChecker {
  constructor(
    private readonly records: Model<RecordDoc>,
    private readonly masterKey: MasterKey,
  ) {}

  private async documents(recordIds: readonly string[], load?: RecordDocuments): Promise<Map<string, RecordDoc>> {
    if (!load) return findEach(this.records, 'recordId', recordIds, { projection: STORED_RECORD });
    const docs = (await load(recordIds)).filter((doc): doc is RecordDoc => doc !== null);
    return new Map(docs.map((doc) => [doc.recordId, doc]));
  }

  /** `documents`: the request's loader of stored documents, shared with its content reads (one query per page). */
  async check(items: readonly IndexedRecordFacts[], documents?: RecordDocuments): Promise<IntegrityReport[]> {
    const byId = await this.documents(items.map((item) => item.recordId), documents);
    return items.map(({ recordId, chain }) => {
      const doc = byId.get(recordId);
      if (!doc) {
        return { status: 'tampered', version: 0, chainVersion: chain.version, reason: 'no stored content for this record' };
      }
      const latest = doc.versions[doc.versions.length - 1]!;
      const recomputed = doc.status === 'erased' ? undefined : VersionOpener.of(this.masterKey).commitment(recordId, latest);
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
  async checkVersions(items: readonly IndexedVersionFacts[], documents?: RecordDocuments): Promise<VersionIntegrity[]> {
    const byId = await this.documents(items.map((item) => item.recordId), documents);
    return items.map(({ recordId, version, commitment }) => {
      const doc = byId.get(recordId);
      if (doc?.status === 'erased') return 'erased';
      const stored = doc?.versions.find((candidate) => candidate.version === version);
      if (!stored) return 'tampered';
      const recomputed = VersionOpener.of(this.masterKey).commitment(recordId, stored);
      if (recomputed === undefined) return 'erased';
      const expected = commitment.toLowerCase();
      return recomputed === expected && stored.commitment.toLowerCase() === expected ? 'verified' : 'tampered';
    });
  }
}
