import { Interface } from 'ethers';
import { Arg, Args, ArgsType, Ctx, Field, FieldResolver, Mutation, Resolver, Root } from 'type-graphql';
import { RecordRegistry__factory } from '../../../../typechain-types';
import type { Context } from '../../graphql/context';
import { badInput } from '../../graphql/errors';
import { Connection, PageArgs, page, pageArgs } from '../../graphql/pagination';
import { TreatmentsDocument } from '../../graphql/subgraph/documents';
import { Patient } from '../patients/patient.type';
import { PLAN_CATEGORY, planDocument, planText } from '../../records/treatment-plan';
import { PreparedTreatment, PrepareTreatmentInput, Treatment, TreatmentPlan, TreatmentStatus } from './treatment.type';

const registry = new Interface(RecordRegistry__factory.abi);
/** Longest plan text accepted. */
const MAX_PLAN_LENGTH = 4000;

export const TreatmentConnection = Connection(Treatment, 'Treatment');
export type TreatmentConnection = InstanceType<typeof TreatmentConnection>;

@ArgsType()
class TreatmentPageArgs extends PageArgs {
  @Field(() => TreatmentStatus, { nullable: true, description: 'Only treatments in this state, e.g. PROPOSED: those awaiting a decision.' })
  status?: TreatmentStatus | null;
}

async function treatmentPage(ctx: Context, side: 'patient' | 'provider', address: string, args: TreatmentPageArgs): Promise<TreatmentConnection> {
  const { first, after } = pageArgs(args.first, args.after);
  const where: { [key: string]: unknown } = { [side]: address };
  if (args.status) where.status = args.status;
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
  treatments(@Root() patient: Patient, @Args() args: TreatmentPageArgs, @Ctx() ctx: Context): Promise<TreatmentConnection> {
    return treatmentPage(ctx, 'patient', patient.address, args);
  }

  @FieldResolver(() => TreatmentConnection, { description: 'Treatment plans this account proposed as a provider (itself only).' })
  treatmentsProposed(@Root() patient: Patient, @Args() args: TreatmentPageArgs, @Ctx() ctx: Context): Promise<TreatmentConnection> {
    return treatmentPage(ctx, 'provider', patient.address, args);
  }
}

@Resolver(() => Treatment)
export class TreatmentPlanResolver {
  @FieldResolver(() => TreatmentPlan, {
    nullable: true,
    description:
      'The plan text, decrypted (the read is written to the audit log first), and whether it matches planHash; null when the API holds no plan for this treatment (proposed without it).',
  })
  async plan(@Root() treatment: Treatment, @Ctx() ctx: Context): Promise<TreatmentPlan | null> {
    // The plan is stored as a CarePlan record whose id is the treatment id, written by the proposer for the patient.
    const stored = await ctx.loaders.recordSummary.load(treatment.id);
    if (!stored || stored.category !== PLAN_CATEGORY || stored.author !== treatment.provider || stored.patient !== treatment.patient) return null;
    const read = await ctx.loaders.treatmentPlanRead.load({ recordId: treatment.id, provider: treatment.provider });
    const text = planText(read.content);
    return text === null ? null : { text, matchesPlanHash: read.commitment === treatment.planHash.toLowerCase() };
  }

  @Mutation(() => PreparedTreatment, {
    description: "Stores a treatment plan encrypted (as a FHIR CarePlan record) and returns the proposeTreatment transaction committing to it.",
  })
  async prepareTreatment(@Arg('input', () => PrepareTreatmentInput) input: PrepareTreatmentInput, @Ctx() ctx: Context): Promise<PreparedTreatment> {
    const { patient } = input;
    const plan = input.plan.trim();
    if (plan.length === 0) throw badInput('input.plan', 'is empty; describe the treatment the patient is asked to approve');
    if (plan.length > MAX_PLAN_LENGTH) throw badInput('input.plan', `is ${plan.length} characters long; at most ${MAX_PLAN_LENGTH} are allowed`);
    const { recordId, commitment } = await ctx.services.records.create({ patient, author: ctx.viewer!, content: planDocument(patient, plan) });
    const { deployment, chainId } = ctx.services.chain;
    return {
      treatmentId: recordId,
      planHash: commitment,
      transaction: {
        to: deployment.contracts.RecordRegistry.address,
        data: registry.encodeFunctionData('proposeTreatment', [recordId, patient, commitment]),
        chainId,
      },
    };
  }
}
