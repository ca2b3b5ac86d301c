import { Args, Ctx, FieldResolver, Resolver, Root } from 'type-graphql';
import type { Context } from '../../graphql/context';
import { Connection, PageArgs, cursorOf, pageArgs } from '../../graphql/pagination';
import { Patient } from '../patients/patient.type';
import { verifyAuditProof } from '../../audit/audit-merkle';
import { AuditAnchorProof, AuditEntry } from './audit.type';

export const AuditEntryConnection = Connection(AuditEntry, 'AuditEntry');
export type AuditEntryConnection = InstanceType<typeof AuditEntryConnection>;

@Resolver(() => Patient)
export class AuditTrailResolver {
  @FieldResolver(() => AuditEntryConnection, { description: "Who read this patient's records, newest first (patient, guardians)." })
  async auditTrail(@Root() patient: Patient, @Args() args: PageArgs, @Ctx() ctx: Context): Promise<AuditEntryConnection> {
    const { first, after } = pageArgs(args.first, args.after, { hexIds: false });
    const entries = await ctx.services.auditLog.trail(patient.address, first + 1, after);
    const nodes: AuditEntry[] = entries.slice(0, first).map((entry) => ({
      id: entry.entryId,
      actor: entry.actor,
      patient: entry.patient,
      recordId: entry.recordId,
      category: entry.category,
      recordVersion: entry.recordVersion,
      purpose: entry.purpose,
      decision: entry.decision.toUpperCase(),
      at: entry.at,
      batchId: entry.batchId || null,
    }));
    const last = nodes[nodes.length - 1];
    return { nodes, pageInfo: { endCursor: last ? cursorOf(last.id) : null, hasNextPage: entries.length > first } };
  }
}

@Resolver(() => AuditEntry)
export class AuditEntryResolver {
  @FieldResolver(() => AuditAnchorProof, {
    nullable: true,
    description: 'The Merkle proof of this entry and the on-chain batch holding its root (null until the entry is batched).',
  })
  async anchor(@Root() entry: AuditEntry, @Ctx() ctx: Context): Promise<AuditAnchorProof | null> {
    if (entry.batchId === null) return null;
    const proof = await ctx.loaders.auditProof.load(entry.id);
    if (!proof) return null;
    const chainBatchId = proof.anchor?.chainBatchId;
    const indexed = chainBatchId === undefined ? null : await ctx.loaders.auditBatchById.load(String(chainBatchId));
    const chainRoot = indexed?.root ?? null;
    return {
      batchId: String(proof.batchId),
      root: proof.root,
      chainBatchId: proof.anchor?.chainBatchId ?? null,
      transactionHash: proof.anchor?.txHash ?? null,
      blockNumber: proof.anchor?.blockNumber ?? null,
      leaf: proof.leaf.map(String),
      proof: proof.proof,
      chainRoot,
      verified: chainRoot !== null && verifyAuditProof(chainRoot, proof.leaf, proof.proof),
    };
  }
}
