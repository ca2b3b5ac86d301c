import DataLoader from 'dataloader';
import type { AccessDecisions } from '../chain/access-decisions';
import { ConflictError } from '../errors';
import type { Loaders, SubgraphRecordVersion } from '../graphql/loaders';
import type { RecordDoc } from '../records/record.model';
import type { RecordDocuments, RecordRead } from '../records/record.service';
import type { ApiServices } from '../graphql/services';
import type { PinnedSubgraph } from '../graphql/subgraph/subgraph-client';
import { mayReadAmendmentRequest, mayReadRecordFor, mayReadTreatmentPlan } from './permissions';
import { AccountsByIdDocument, AmendmentRequestsDocument, AuditBatchesDocument, RecordVersionsDocument, RecordsByIdDocument, type AmendmentRequestRow } from '../graphql/subgraph/documents';

/** Most keys one batched subgraph query carries (graph-node's `first` limit is 1000). */
const MAX_BATCH = 1000;

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
  // Who the content reads are decided for (permissions.ts decides).
  const asker = { viewer, access };
  // The request's stored record documents: its content reads and integrity checks of the same records
  // share one query of the store (fresh for every request: tampering shows on the next request).
  const recordDocument = new DataLoader((ids: readonly string[]) => records.documents(ids), options);
  const documents: RecordDocuments = async (ids) => {
    const docs = await recordDocument.loadMany(ids);
    const failed = docs.find((doc) => doc instanceof Error);
    if (failed) throw failed;
    return docs as (RecordDoc | null)[];
  };
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
    amendmentRequestsByRecord: new DataLoader(async (ids) => {
      const data = await subgraph.query(AmendmentRequestsDocument, { records: [...ids] });
      const grouped = new Map<string, AmendmentRequestRow[]>(ids.map((id) => [id, []]));
      for (const request of data.amendmentRequests) grouped.get(request.record.id)?.push(request);
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
        // The rule of permissions.ts, asked once per patient, category and purpose of the page (its
        // records mostly share one), instead of encoding the same codes again for every record.
        const decisions = new Map<string, Promise<boolean>>();
        const mayRead = (request: { patient: string; category: string; purpose: string }) => {
          const key = `${request.patient}|${request.category}|${request.purpose}`;
          let decision = decisions.get(key);
          if (!decision) {
            decision = mayReadRecordFor(asker, request, request.purpose);
            decisions.set(key, decision);
          }
          return decision;
        };
        // One outcome per read: a denied or unknown record fails its own field, not the whole page.
        return records.readEach(
          requests.map((request) => ({ ...request, reader: viewer })),
          mayRead,
          documents,
        ) as Promise<(RecordRead | Error)[]>;
      },
      { ...options, cacheKeyFn: (request) => `${request.recordId}|${request.purpose}` },
    ),
    treatmentPlanRead: new DataLoader(
      (requests) => {
        if (!viewer) throw new Error('treatmentPlanRead needs a signed-in viewer; the permission rule should have refused.');
        const providers = new Map(requests.map((request) => [request.recordId, request.provider]));
        return records.readEach(
          requests.map((request) => ({ recordId: request.recordId, reader: viewer, purpose: 'TREAT' })),
          (request) => mayReadTreatmentPlan(asker, { patient: request.patient, provider: providers.get(request.recordId)! }),
          documents,
        ) as Promise<(RecordRead | Error)[]>;
      },
      { ...options, cacheKeyFn: (request) => request.recordId },
    ),
    amendmentRequestRead: new DataLoader(
      (requests) => {
        if (!viewer) throw new Error('amendmentRequestRead needs a signed-in viewer; the permission rule should have refused.');
        const categories = new Map(requests.map((request) => [request.requestId, request.category]));
        return records.readEach(
          requests.map((request) => ({ recordId: request.requestId, reader: viewer, purpose: 'TREAT' })),
          (request) => mayReadAmendmentRequest(asker, { patient: request.patient, category: categories.get(request.recordId)! }),
          documents,
        ) as Promise<(RecordRead | Error)[]>;
      },
      { ...options, cacheKeyFn: (request) => request.requestId },
    ),
    integrity: new DataLoader((items) => integrity.check(items, documents), {
      ...options,
      cacheKeyFn: (item) => `${item.recordId}|${item.chain.version}|${item.chain.commitment}|${item.chain.erased}`,
    }),
    versionIntegrity: new DataLoader((items) => integrity.checkVersions(items, documents), {
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
