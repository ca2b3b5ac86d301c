import type { GraphQLResolveInfo } from 'graphql';
import { Arg, Args, Ctx, FieldResolver, Info, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { Context } from '../../graphql/context';
import { BadInputError } from '../../errors';
import { ProviderProfile, ResearcherProfile } from '../providers/account.type';
import { recordsPage, RecordPageArgs } from '../records/record.resolver';
import { RecordConnection } from '../records/record.type';
import { Patient, PatientProfile, PatientProfileInput, ProviderProfileInput, ResearcherProfileInput, Roles, Viewer } from './patient.type';
import { Address } from '../../graphql/scalars';

/** Profile inputs carry only the fields the caller set; the data layer validates each and names it. */
function setFields<T extends object>(input: T, prefix: string): Partial<T> {
  const fields = Object.fromEntries(Object.entries(input).filter(([, value]) => value !== undefined && value !== null)) as Partial<T>;
  if (Object.keys(fields).length === 0) throw new BadInputError([{ field: prefix, message: 'set at least one field' }]);
  return fields;
}

function prefixed<T>(prefix: string, run: () => Promise<T>): Promise<T> {
  return run().catch((error: unknown) => {
    if (error instanceof BadInputError) {
      throw new BadInputError(error.issues.map((issue) => ({ field: `${prefix}.${issue.field}`, message: issue.message })));
    }
    throw error;
  });
}

@Resolver(() => Patient)
export class PatientResolver {
  @Query(() => Viewer, { nullable: true, description: 'The signed-in account, or null when signed out.' })
  me(@Ctx() ctx: Context): Viewer | null {
    if (!ctx.session) return null;
    return { address: ctx.session.address, sessionExpiresAt: ctx.session.expiresAt };
  }

  @Query(() => Roles, { description: "The signed-in account's roles, from the contracts at the latest block." })
  myRoles(@Ctx() ctx: Context): Promise<Roles> {
    return ctx.access.roles();
  }

  @Query(() => Patient, { description: 'A patient by address. Each field is authorized on its own.' })
  patient(@Arg('address', () => Address) address: string): Patient {
    return { address };
  }

  @FieldResolver(() => PatientProfile, { nullable: true, description: "The patient's personal profile." })
  profile(@Root() patient: Patient, @Ctx() ctx: Context): Promise<PatientProfile | null> {
    return ctx.loaders.patientProfile.load(patient.address);
  }

  @FieldResolver(() => RecordConnection, { description: "The patient's records (see Query.records)." })
  records(@Root() patient: Patient, @Args() args: RecordPageArgs, @Ctx() ctx: Context, @Info() info: GraphQLResolveInfo): Promise<RecordConnection> {
    return recordsPage(ctx, patient.address, args, info);
  }

  @Mutation(() => PatientProfile, { description: "Creates or updates the signed-in account's patient profile." })
  updatePatientProfile(@Arg('input', () => PatientProfileInput) input: PatientProfileInput, @Ctx() ctx: Context): Promise<PatientProfile> {
    return prefixed('input', () => ctx.services.profiles.saveProfile('patient', ctx.viewer!, setFields(input, 'input')));
  }

  @Mutation(() => ProviderProfile, { description: "Creates or updates the signed-in verified provider's directory profile." })
  updateProviderProfile(@Arg('input', () => ProviderProfileInput) input: ProviderProfileInput, @Ctx() ctx: Context): Promise<ProviderProfile> {
    return prefixed('input', () => ctx.services.profiles.saveProfile('provider', ctx.viewer!, setFields(input, 'input'))).finally(() =>
      ctx.services.directoryProfiles.forget('provider', ctx.viewer!),
    );
  }

  @Mutation(() => ResearcherProfile, { description: "Creates or updates the signed-in verified researcher's directory profile." })
  updateResearcherProfile(
    @Arg('input', () => ResearcherProfileInput) input: ResearcherProfileInput,
    @Ctx() ctx: Context,
  ): Promise<ResearcherProfile> {
    return prefixed('input', () => ctx.services.profiles.saveProfile('researcher', ctx.viewer!, setFields(input, 'input'))).finally(() =>
      ctx.services.directoryProfiles.forget('researcher', ctx.viewer!),
    );
  }
}
