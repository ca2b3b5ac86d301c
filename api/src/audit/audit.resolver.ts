import { Args, Ctx, FieldResolver, Resolver, Root } from 'type-graphql';
import type { Context } from '../graphql/context';
import { Connection, PageArgs, cursorOf, pageArgs } from '../graphql/pagination';
import { Patient } from '../patients/patient.type';
import { AuditAnchorProof, AuditEntry } from './audit.type';

export const AuditEntryConnection = Connection(AuditEntry, 'AuditEntry');
export type AuditEntryConnection = InstanceType<typeof AuditEntryConnection>;

@Resolver(() => Patient)
export class AuditTrailResolver {
  @FieldResolver(() => AuditEntryConnection, { description: "Who read this patient's records, newest first (patient, guardians)." })
  async auditTrail(@Root() patient: Patient, @Args() args: PageArgs, @Ctx() ctx: Context): Promise<AuditEntryConnection> {
    const { first, after } = pageArgs(args.first, args.after, { hexIds: false });
    const entries = await ctx.services.audit.trail(patient.address, first + 1, after);
    const nodes = entries.slice(0, first);
    const last = nodes[nodes.length - 1];
    return { nodes, pageInfo: { endCursor: last ? cursorOf(last.id) : null, hasNextPage: entries.length > first } };
  }
}

@Resolver(() => AuditEntry)
export class AuditEntryResolver {
  @FieldResolver(() => AuditAnchorProof, { nullable: true, description: 'The anchored batch proving this entry (null until anchored).' })
  async anchor(@Root() entry: AuditEntry, @Ctx() ctx: Context): Promise<AuditAnchorProof | null> {
    if (entry.batchId === null) return null;
    const batch = await ctx.loaders.auditBatchById.load(entry.batchId);
    return {
      batchId: entry.batchId,
      root: batch?.root ?? null,
      transactionHash: batch?.transactionHash ?? null,
      blockNumber: batch ? Number(batch.blockNumber) : null,
      leaf: entry.leaf,
      proof: entry.proof ?? [],
    };
  }
}
