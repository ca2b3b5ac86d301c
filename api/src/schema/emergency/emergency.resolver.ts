import { Args, Ctx, FieldResolver, Resolver, Root } from 'type-graphql';
import type { Context } from '../../graphql/context';
import { Connection, PageArgs, page, pageArgs } from '../../graphql/pagination';
import { EmergencyAccessesDocument } from '../../graphql/subgraph/documents';
import { Patient } from '../patients/patient.type';
import { EmergencyAccess } from './emergency.type';

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

@Resolver(() => Patient)
export class EmergencyResolver {
  @FieldResolver(() => EmergencyAccessConnection, { description: "Emergency accesses opened to this patient's data (patient, guardians)." })
  emergencyAccesses(@Root() patient: Patient, @Args() args: PageArgs, @Ctx() ctx: Context): Promise<EmergencyAccessConnection> {
    return emergencyPage(ctx, 'patient', patient.address, args);
  }

  @FieldResolver(() => EmergencyAccessConnection, { description: 'Emergency accesses this account opened as a provider (itself only).' })
  emergencyAccessesOpened(@Root() patient: Patient, @Args() args: PageArgs, @Ctx() ctx: Context): Promise<EmergencyAccessConnection> {
    return emergencyPage(ctx, 'provider', patient.address, args);
  }
}
