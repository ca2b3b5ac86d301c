import { Args, Ctx, FieldResolver, Resolver, Root } from 'type-graphql';
import type { Context } from '../../graphql/context';
import { Connection, PageArgs, page, pageArgs } from '../../graphql/pagination';
import { TreatmentsDocument } from '../../graphql/subgraph/documents';
import { Patient } from '../patients/patient.type';
import { Treatment, TreatmentStatus } from './treatment.type';

export const TreatmentConnection = Connection(Treatment, 'Treatment');
export type TreatmentConnection = InstanceType<typeof TreatmentConnection>;

async function treatmentPage(ctx: Context, side: 'patient' | 'provider', address: string, args: PageArgs): Promise<TreatmentConnection> {
  const { first, after } = pageArgs(args.first, args.after);
  const where: { [key: string]: unknown } = { [side]: address };
  if (after) where.id_gt = after;
  const data = await ctx.subgraph.query(TreatmentsDocument, { where, first: first + 1 });
  const { nodes, pageInfo } = page(data.treatments, first);
  return {
    nodes: nodes.map((treatment) => ({
      id: treatment.id,
      patient: treatment.patient.id,
      provider: treatment.provider.id,
      planHash: treatment.planHash,
      status: treatment.status as TreatmentStatus,
      proposedAt: new Date(Number(treatment.proposedAt) * 1000),
      decidedAt: treatment.decidedAt ? new Date(Number(treatment.decidedAt) * 1000) : null,
      decidedBy: treatment.decidedBy?.id ?? null,
    })),
    pageInfo,
  };
}

@Resolver(() => Patient)
export class TreatmentResolver {
  @FieldResolver(() => TreatmentConnection, { description: 'Treatment plans for this patient (patient, guardians).' })
  treatments(@Root() patient: Patient, @Args() args: PageArgs, @Ctx() ctx: Context): Promise<TreatmentConnection> {
    return treatmentPage(ctx, 'patient', patient.address, args);
  }

  @FieldResolver(() => TreatmentConnection, { description: 'Treatment plans this account proposed as a provider (itself only).' })
  treatmentsProposed(@Root() patient: Patient, @Args() args: PageArgs, @Ctx() ctx: Context): Promise<TreatmentConnection> {
    return treatmentPage(ctx, 'provider', patient.address, args);
  }
}
