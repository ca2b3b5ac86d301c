import { Arg, Args, Ctx, FieldResolver, Query, Resolver, Root } from 'type-graphql';
import type { Context } from '../../graphql/context';
import { Connection, PageArgs, page, pageArgs } from '../../graphql/pagination';
import { EmergencyAccessesDocument } from '../../graphql/subgraph/documents';
import { Patient } from '../patients/patient.type';
import { badInput } from '../../graphql/errors';
import { EmergencyAccess, PatientMatch } from './emergency.type';

export const EmergencyAccessConnection = Connection(EmergencyAccess, 'EmergencyAccess');
export type EmergencyAccessConnection = InstanceType<typeof EmergencyAccessConnection>;

async function emergencyPage(ctx: Context, side: 'patient' | 'provider', address: string, args: PageArgs): Promise<EmergencyAccessConnection> {
  const { first, after } = pageArgs(args.first, args.after);
  const where: { [key: string]: unknown } = { [side]: address };
  if (after) where.id_gt = after;
  const data = await ctx.subgraph.query(EmergencyAccessesDocument, { where, first: first + 1 });
  const { nodes, pageInfo } = page(data.emergencyAccesses, first);
  return {
    nodes: nodes.map((access) => {
      const closure = access.closures[0];
      return {
        id: access.id,
        patient: access.patient.id,
        provider: access.provider.id,
        reason: access.reason,
        openedAt: new Date(Number(access.timestamp) * 1000),
        expiresAt: new Date(Number(access.expiresAt) * 1000),
        closedAt: closure ? new Date(Number(closure.timestamp) * 1000) : null,
        closedBy: closure?.closedBy.id ?? null,
        blockNumber: Number(access.blockNumber),
        transactionHash: access.transactionHash,
      };
    }),
    pageInfo,
  };
}

/** Most patients one search returns: more than a few namesakes born the same day means a check by other means. */
const MAX_MATCHES = 5;
const ZERO32 = `0x${'00'.repeat(32)}`;

@Resolver(() => Patient)
export class EmergencyResolver {
  @Query(() => [PatientMatch], {
    description:
      "Verified providers, for emergency access: patients whose profile has exactly this name and birth date (at most 5). Each patient found is written to the audit log like a read (category Patient, purpose ETREAT), so the patient sees who looked them up.",
  })
  async findPatients(
    @Arg('displayName', () => String) displayName: string,
    @Arg('birthDate', () => Date) birthDate: Date,
    @Ctx() ctx: Context,
  ): Promise<PatientMatch[]> {
    if (displayName.trim().length < 2) throw badInput('displayName', "is too short; type the patient's full name as on their profile");
    if (Number.isNaN(birthDate.getTime())) throw badInput('birthDate', 'is not a date; give it as YYYY-MM-DD');
    const found = await ctx.services.profiles.findPatients(displayName, birthDate, MAX_MATCHES);
    // Logged before anything is returned, like every read of a patient's data.
    await ctx.services.auditLog.append(
      found.map((profile) => ({ actor: ctx.viewer!, patient: profile.address, recordId: ZERO32, recordVersion: 0, category: 'Patient', purpose: 'ETREAT', decision: 'allowed' as const })),
    );
    return found.map((profile) => ({ address: profile.address, displayName: profile.displayName, birthDate: profile.birthDate! }));
  }

  @FieldResolver(() => EmergencyAccessConnection, { description: "Emergency accesses opened to this patient's data (patient, guardians)." })
  emergencyAccesses(@Root() patient: Patient, @Args() args: PageArgs, @Ctx() ctx: Context): Promise<EmergencyAccessConnection> {
    return emergencyPage(ctx, 'patient', patient.address, args);
  }

  @FieldResolver(() => EmergencyAccessConnection, { description: 'Emergency accesses this account opened as a provider (itself only).' })
  emergencyAccessesOpened(@Root() patient: Patient, @Args() args: PageArgs, @Ctx() ctx: Context): Promise<EmergencyAccessConnection> {
    return emergencyPage(ctx, 'provider', patient.address, args);
  }
}
