import DataLoader from 'dataloader';
import type { ProfileOf } from '../profiles/profile.service';
import type { IntegrityReport } from '../records/integrity';
import type { IndexedRecordFacts, IndexedVersionFacts, VersionIntegrity } from '../records/record-integrity.batch';
import type { RecordRead, RecordSummary } from '../records/record.service';
import type { AccessDecisions } from '../chain/access-decisions';
import type { ApiServices } from './services';
import type { AuditProof } from '../audit/audit-batch.service';
import { ConflictError } from '../errors';
import type { PinnedSubgraph } from './subgraph/subgraph-client';
import {
  AccountsByIdDocument,
  AuditBatchesDocument,
  RecordVersionsDocument,
  RecordsByIdDocument,
  type AccountRow,
  type AuditBatchRow,
  type RecordFields,
  type RecordVersionRow,
} from './subgraph/documents';

export type SubgraphRecord = RecordFields;
export type SubgraphAccount = AccountRow;
export type SubgraphRecordVersion = RecordVersionRow;
export type SubgraphAuditBatch = AuditBatchRow;

/** Most keys one batched subgraph query carries (graph-node's `first` limit is 1000). */
const MAX_BATCH = 1000;

/**
 * The per-request DataLoaders: every field that reads the subgraph or MongoDB goes through one, so a
 * page of fifty records costs one query per kind of data, not fifty. Keys are lowercase hex.
 */
export interface Loaders {
  recordById: DataLoader<string, SubgraphRecord | null>;
  versionsByRecord: DataLoader<string, SubgraphRecordVersion[]>;
  accountById: DataLoader<string, SubgraphAccount | null>;
  auditBatchById: DataLoader<string, SubgraphAuditBatch | null>;
  patientProfile: DataLoader<string, ProfileOf['patient'] | null>;
  providerProfile: DataLoader<string, ProfileOf['provider'] | null>;
  researcherProfile: DataLoader<string, ProfileOf['researcher'] | null>;
  /** Record documents without contents (MongoDB). */
  recordSummary: DataLoader<string, RecordSummary | null>;
  /**
   * Contents read for the viewer and a purpose: the data layer authorizes each read (the request's
   * cached chain decision), writes every audit entry of the batch in one insert, and only then decrypts.
   */
  recordRead: DataLoader<{ recordId: string; purpose: string }, RecordRead, string>;
  /** Integrity against the chain facts the subgraph gave for the record at the request's block. */
  integrity: DataLoader<IndexedRecordFacts, IntegrityReport, string>;
  /** Each version's stored content against the commitment the chain recorded for that version. */
  versionIntegrity: DataLoader<IndexedVersionFacts, VersionIntegrity, string>;
  /** Inclusion proofs of audit entries (null while an entry's batch is not sealed). */
  auditProof: DataLoader<string, AuditProof | null>;
}

function byKey<T>(keys: readonly string[], items: T[], keyOf: (item: T) => string): (T | null)[] {
  const found = new Map(items.map((item) => [keyOf(item), item]));
  return keys.map((key) => found.get(key) ?? null);
}

export function createLoaders(
  subgraph: PinnedSubgraph,
  services: Pick<ApiServices, 'profiles' | 'records' | 'integrity' | 'auditBatches' | 'directoryProfiles'>,
  viewer: string | null,
  access: AccessDecisions,
): Loaders {
  const { profiles, records, integrity, auditBatches, directoryProfiles } = services;
  const options = { maxBatchSize: MAX_BATCH };
  return {
    recordById: new DataLoader(async (ids) => {
      const data = await subgraph.query(RecordsByIdDocument, { ids: [...ids] });
      return byKey(ids, data.records, (record) => record.id);
    }, options),
    versionsByRecord: new DataLoader(async (ids) => {
      const data = await subgraph.query(RecordVersionsDocument, { records: [...ids] });
      const grouped = new Map<string, SubgraphRecordVersion[]>(ids.map((id) => [id, []]));
      for (const version of data.recordVersions) grouped.get(version.record.id)?.push(version);
      return ids.map((id) => grouped.get(id)!);
    }, options),
    accountById: new DataLoader(async (ids) => {
      const data = await subgraph.query(AccountsByIdDocument, { ids: [...ids] });
      return byKey(ids, data.accounts, (account) => account.id);
    }, options),
    auditBatchById: new DataLoader(async (ids) => {
      const data = await subgraph.query(AuditBatchesDocument, { batchIds: [...ids] });
      return byKey(ids, data.auditBatches, (batch) => batch.batchId);
    }, options),
    patientProfile: new DataLoader((addresses) => profiles.getProfiles('patient', addresses), options),
    providerProfile: new DataLoader((addresses) => directoryProfiles.load('provider', addresses), options),
    researcherProfile: new DataLoader((addresses) => directoryProfiles.load('researcher', addresses), options),
    recordSummary: new DataLoader((ids) => records.summaries(ids), options),
    recordRead: new DataLoader(
      (requests) => {
        if (!viewer) throw new Error('recordRead needs a signed-in viewer; the permission rule should have refused.');
        // One outcome per read: a denied or unknown record fails its own field, not the whole page.
        return records.readEach(
          requests.map((request) => ({ ...request, reader: viewer })),
          (request) => access.mayReadForPurpose(request.patient, request.category, request.purpose),
        ) as Promise<(RecordRead | Error)[]>;
      },
      { ...options, cacheKeyFn: (request) => `${request.recordId}|${request.purpose}` },
    ),
    integrity: new DataLoader((items) => integrity.check(items), {
      ...options,
      cacheKeyFn: (item) => `${item.recordId}|${item.chain.version}|${item.chain.commitment}|${item.chain.erased}`,
    }),
    versionIntegrity: new DataLoader((items) => integrity.checkVersions(items), {
      ...options,
      cacheKeyFn: (item) => `${item.recordId}|${item.version}|${item.commitment}`,
    }),
    // The data layer proves one entry per call (it rebuilds the batch's tree); proofs are asked for
    // one trail page at a time, and each batch's tree is rebuilt from one query.
    auditProof: new DataLoader((entryIds) =>
      Promise.all(
        entryIds.map((entryId) =>
          auditBatches.proofFor(entryId).catch((error: unknown) => {
            if (error instanceof ConflictError) return null;
            throw error;
          }),
        ),
      ),
    ),
  };
}
