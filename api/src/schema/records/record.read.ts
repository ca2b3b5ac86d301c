import type { Context } from '../../graphql/context';
import type { SubgraphRecord } from '../../graphql/loaders';
import type { RecordSummary } from '../../records/record.service';
import type { Record } from './record.type';

/*
 * Reading records as the schema shows them: from the index, or from MongoDB while not anchored. The
 * resolvers and the permission rules both load a record through here.
 */

const seconds = (value: string | null | undefined): Date | null => (value ? new Date(Number(value) * 1000) : null);

/** A record as the subgraph indexed it. */
export function recordOf(indexed: SubgraphRecord): Record {
  return {
    id: indexed.id,
    patient: indexed.patient.id,
    category: indexed.categoryName,
    authorAddress: indexed.author.id,
    authorAccount: indexed.author,
    version: indexed.version,
    erased: indexed.erased,
    commitment: indexed.commitment,
    treatmentId: indexed.treatment?.id ?? null,
    createdAt: seconds(indexed.createdAt),
    updatedAt: seconds(indexed.updatedAt),
    anchored: true,
  };
}

/** A record prepared in MongoDB whose anchor the index has not seen (yet). */
function recordOfDocument(document: RecordSummary): Record {
  return {
    id: document.recordId,
    patient: document.patient,
    category: document.category,
    authorAddress: document.author,
    version: 0,
    erased: document.status === 'erased',
    commitment: null,
    treatmentId: null,
    createdAt: null,
    updatedAt: null,
    anchored: false,
  };
}

/** One record by id: the index first, else a prepared document. Used by the resolver and the permission rule. */
export async function loadRecord(ctx: Context, id: string): Promise<Record | null> {
  const indexed = await ctx.loaders.recordById.load(id);
  if (indexed) return recordOf(indexed);
  const document = await ctx.loaders.recordSummary.load(id);
  return document ? recordOfDocument(document) : null;
}

