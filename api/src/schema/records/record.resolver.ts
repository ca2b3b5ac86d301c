import { Interface } from 'ethers';
import { GraphQLJSON } from 'graphql-scalars';
import type { GraphQLResolveInfo } from 'graphql';
import { Arg, Args, ArgsType, Ctx, Field, FieldResolver, Info, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { RecordRegistry__factory } from '../../../../typechain-types';
import { scopeCode } from '../../chain/codes';
import type { Context } from '../../graphql/context';
import { badInput, notFound } from '../../graphql/errors';
import { BadInputError, ConflictError } from '../../errors';
import { page, pageArgs } from '../../graphql/pagination';
import { resourceTitle } from '../../records/fhir-title';
import type { IntegrityReport } from '../../records/integrity';
import type { VersionIntegrity as VersionStatus } from '../../records/record-integrity.batch';
import { RecordRegistryCommitments } from '../../records/record-registry.chain';
import { RecordsPageDocument } from '../../graphql/subgraph/documents';
import { Account, MemberKind, ProviderProfile, accountOf } from '../providers/account.type';
import { selects } from '../../graphql/selection';
import {
  AmendRecordInput,
  ErasedRecord,
  Integrity,
  PreparedAmendment,
  PreparedRecord,
  PrepareRecordInput,
  Record,
  RecordConnection,
  RecordVersion,
  VersionIntegrity,
} from './record.type';
import { loadRecord, recordOf } from './record.read';
import { Address, Bytes32 } from '../../graphql/scalars';

const registry = new Interface(RecordRegistry__factory.abi);
const ZERO32 = `0x${'00'.repeat(32)}`;

const INTEGRITY: { [status in IntegrityReport['status']]: Integrity } = {
  verified: Integrity.VERIFIED,
  tampered: Integrity.TAMPERED,
  not_anchored: Integrity.NOT_ANCHORED,
  erased: Integrity.ERASED,
};

/**
 * Checks on-chain, where the index may lag, that `currentCommitment` is the record's current one and
 * that the record is anchored and not erased; otherwise a CONFLICT naming the field to fix. `what` is
 * the action, for the message.
 */
export async function checkCurrentOnChain(ctx: Context, record: Readonly<Record>, currentCommitment: string, what: string): Promise<void> {
  const { deployment, provider } = ctx.services.chain;
  const onChain = await new RecordRegistryCommitments(deployment.contracts.RecordRegistry.address, provider).checkCommitment({
    recordId: record.id,
    patient: record.patient,
    category: scopeCode(record.category, 'category'),
    commitment: currentCommitment,
  });
  if (onChain.erased) throw new ConflictError(`Record ${record.id} is erased: nobody can ${what} it.`, 'input.recordId');
  if (onChain.version === 0) {
    throw new ConflictError(`Record ${record.id} is not anchored yet: send its anchorRecord transaction before you ${what} it.`, 'input.recordId');
  }
  if (!onChain.current) {
    throw new ConflictError(
      `input.currentCommitment is not the current commitment of record ${record.id} (the chain is at version ${onChain.version}): reload the record and ${what} its newest version.`,
      'input.currentCommitment',
    );
  }
}

/** Runs a data-layer call whose bad-input and conflict errors name fields relative to `prefix` (e.g. `input.content…`). */
export async function withFieldPrefix<T>(prefix: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof BadInputError) {
      throw new BadInputError(error.issues.map((issue) => ({ field: `${prefix}.${issue.field}`, message: issue.message })));
    }
    if (error instanceof ConflictError && error.field) throw new ConflictError(error.message, `${prefix}.${error.field}`);
    throw error;
  }
}

const VERSION_INTEGRITY: { [status in VersionStatus]: VersionIntegrity } = {
  verified: VersionIntegrity.VERIFIED,
  tampered: VersionIntegrity.TAMPERED,
  erased: VersionIntegrity.ERASED,
};

@ArgsType()
export class RecordPageArgs {
  @Field(() => String, { nullable: true, description: 'Only this category; omit for every category (needs access to all).' })
  category?: string | null;

  @Field(() => Int, { nullable: true, description: 'Page size, 1 to 100 (default 20).' })
  first?: number | null;

  @Field(() => String, { nullable: true, description: 'The endCursor of the previous page.' })
  after?: string | null;

  @Field(() => Date, { nullable: true, description: 'Only records last changed on-chain at or after this time.' })
  updatedFrom?: Date | null;

  @Field(() => Date, { nullable: true, description: 'Only records last changed on-chain before this time.' })
  updatedBefore?: Date | null;
}

@ArgsType()
export class RecordsArgs extends RecordPageArgs {
  @Field(() => Address, { description: "The patient's address." })
  patient!: string;
}

/** Block times are whole seconds: the first second at or after `time` (a time the chain could have stamped). */
const secondAtOrAfter = (time: Date, field: string): string => {
  const ms = time.getTime();
  if (!Number.isFinite(ms)) throw badInput(field, 'must be a valid date-time');
  return String(Math.ceil(ms / 1000));
};

/** A page of a patient's anchored records, optionally one category and a range of last changes; ordered by record id. */
export async function recordsPage(ctx: Context, patient: string, args: RecordPageArgs, info?: GraphQLResolveInfo): Promise<RecordConnection> {
  const page_ = pageArgs(args.first, args.after);
  const where: { [key: string]: unknown } = { patient };
  if (args.category) where.category = scopeCode(args.category, 'category');
  if (page_.after) where.id_gt = page_.after;
  if (args.updatedFrom) where.updatedAt_gte = secondAtOrAfter(args.updatedFrom, 'updatedFrom');
  if (args.updatedBefore) where.updatedAt_lt = secondAtOrAfter(args.updatedBefore, 'updatedBefore');
  const data = await ctx.subgraph.query(RecordsPageDocument, { where, first: page_.first + 1 });
  const { nodes, pageInfo } = page(data.records, page_.first);
  const records = nodes.map(recordOf);
  // The Record rule, decided for the whole page now (one cached chain answer per patient and category),
  // so each record's fields need not wait for it; and the authors' directory profiles, when the query
  // asks for them, loaded in one batch now instead of one promise per record later.
  const prefetch =
    info && selects(info, ['nodes', 'author', 'providerProfile'])
      ? ctx.loaders.providerProfile.loadMany([...new Set(records.filter((r) => r.authorAccount?.memberKind === MemberKind.PROVIDER).map((r) => r.authorAddress))])
      : Promise.resolve([]);
  const [, profiles] = await Promise.all([ctx.decideAhead('Record', records), prefetch]);
  if (profiles.length > 0) {
    const byAuthor = new Map<string, ProviderProfile | null>();
    for (const profile of profiles) {
      if (profile && !(profile instanceof Error)) byAuthor.set(profile.address, profile);
    }
    for (const record of records) record.authorProviderProfile = byAuthor.get(record.authorAddress) ?? null;
  }
  return { nodes: records, pageInfo };
}

// Field resolvers take their root as `Readonly<...>`: type-graphql then passes the object as it is,
// instead of copying it into a new class instance for every record of a page.
@Resolver(() => Record)
export class RecordResolver {
  @Query(() => Record, { description: 'One record (anchored, or prepared and not anchored yet).' })
  async record(@Arg('id', () => Bytes32) id: string, @Ctx() ctx: Context): Promise<Record> {
    const record = await loadRecord(ctx, id);
    if (!record) throw notFound(`No record ${id}.`);
    return record;
  }

  @Query(() => RecordConnection, { description: "A patient's records, by category, paginated." })
  records(@Args() args: RecordsArgs, @Ctx() ctx: Context, @Info() info: GraphQLResolveInfo): Promise<RecordConnection> {
    return recordsPage(ctx, args.patient, args, info);
  }

  @FieldResolver(() => Account, { description: 'Who anchored the first version, as the directory knows them.' })
  author(@Root() record: Readonly<Record>, @Ctx() ctx: Context): Account | Promise<Account> {
    // Indexed records carry their author's directory entry (same query, same block); prepared ones do not.
    if (record.authorAccount) {
      const account = accountOf(record.authorAddress, record.authorAccount);
      if (record.authorProviderProfile !== undefined) account.prefetchedProviderProfile = record.authorProviderProfile;
      return account;
    }
    return ctx.loaders.accountById.load(record.authorAddress).then((indexed) => accountOf(record.authorAddress, indexed));
  }

  @FieldResolver(() => [RecordVersion], { description: 'Every version, oldest first (empty while not anchored).' })
  async versions(@Root() record: Readonly<Record>, @Ctx() ctx: Context): Promise<RecordVersion[]> {
    if (!record.anchored) return [];
    const versions = await ctx.loaders.versionsByRecord.load(record.id);
    return versions.map((version) => ({
      version: version.version,
      commitment: version.commitment,
      previousCommitment: version.previousCommitment ?? null,
      author: version.author.id,
      blockNumber: Number(version.blockNumber),
      at: new Date(Number(version.timestamp) * 1000),
      transactionHash: version.transactionHash,
      recordId: record.id,
    }));
  }

  @FieldResolver(() => Integrity, { description: 'Whether the stored content matches the on-chain commitment.' })
  async integrity(@Root() record: Readonly<Record>, @Ctx() ctx: Context): Promise<Integrity> {
    const report = await ctx.loaders.integrity.load({
      recordId: record.id,
      chain: { commitment: record.commitment, version: record.version, erased: record.anchored && record.erased },
    });
    return INTEGRITY[report.status];
  }

  @FieldResolver(() => GraphQLJSON, {
    nullable: true,
    description: 'The decrypted content (null once erased). Each read is written to the audit log before anything is decrypted.',
  })
  async content(
    @Root() record: Readonly<Record>,
    @Arg('purpose', () => String, { defaultValue: 'TREAT', description: 'HL7 v3 PurposeOfUse of this read; a consent counts only for its own purpose.' })
    purpose: string,
    @Ctx() ctx: Context,
  ): Promise<unknown> {
    const read = await ctx.loaders.recordRead.load({ recordId: record.id, purpose });
    return read.content;
  }

  @FieldResolver(() => String, {
    nullable: true,
    description:
      'What the record is, from its content (e.g. "Asthma", "Heart rate"): the FHIR code\'s text or display. Reading it is a content read, written to the audit log first; null once erased or when the resource names nothing.',
  })
  async title(
    @Root() record: Readonly<Record>,
    @Arg('purpose', () => String, { defaultValue: 'TREAT', description: 'HL7 v3 PurposeOfUse of this read.' }) purpose: string,
    @Ctx() ctx: Context,
  ): Promise<string | null> {
    const read = await ctx.loaders.recordRead.load({ recordId: record.id, purpose });
    return resourceTitle(read.content);
  }

  @Mutation(() => PreparedRecord, {
    description: 'Validates, encrypts and stores a record, and returns the anchorRecord transaction for the writer to send.',
  })
  async prepareRecord(@Arg('input', () => PrepareRecordInput) input: PrepareRecordInput, @Ctx() ctx: Context): Promise<PreparedRecord> {
    const { patient } = input;
    const category = scopeCode(input.category, 'input.category');
    const treatmentId = input.treatmentId ?? ZERO32;
    const resourceType = (input.content as { resourceType?: unknown } | null)?.resourceType;
    if (typeof resourceType === 'string' && resourceType !== input.category) {
      throw badInput('input.category', `must be the content's resourceType (${resourceType}): records are filed by FHIR resource type`);
    }
    const { recordId, commitment } = await withFieldPrefix('input', () =>
      ctx.services.records.create({ patient, author: ctx.viewer!, content: input.content }),
    );
    const { deployment, chainId } = ctx.services.chain;
    return {
      recordId,
      commitment,
      transaction: {
        to: deployment.contracts.RecordRegistry.address,
        data: registry.encodeFunctionData('anchorRecord', [recordId, patient, category, commitment, treatmentId]),
        chainId,
      },
    };
  }

  @Mutation(() => PreparedAmendment, {
    description:
      "Validates the new content of a record, encrypts it with a new data key and salt, stores it as the next version, and returns the amendRecord transaction for the writer to send. `currentCommitment` must be the record's current commitment on-chain.",
  })
  async amendRecord(@Arg('input', () => AmendRecordInput) input: AmendRecordInput, @Ctx() ctx: Context): Promise<PreparedAmendment> {
    const { recordId, currentCommitment } = input;
    const record = await loadRecord(ctx, recordId);
    if (!record) throw notFound(`No record ${input.recordId}.`);
    const category = scopeCode(record.category, 'category');
    await checkCurrentOnChain(ctx, record, currentCommitment, 'amend');
    const { deployment, chainId } = ctx.services.chain;
    // Accepting an amendment request amends through acceptAmendment, which closes the request.
    const requestId = input.requestId ?? null;
    if (requestId) {
      const request = await ctx.access.amendmentRequest(requestId);
      if (!request || request.recordId !== recordId) throw badInput('input.requestId', `is not an amendment request of record ${recordId}`);
      if (!request.open) throw new ConflictError(`Amendment request ${requestId} was answered already; reload the record.`, 'input.requestId');
    }
    const amended = await withFieldPrefix('input', () =>
      ctx.services.records.amend({ recordId, author: ctx.viewer!, content: input.content, currentCommitment }),
    );
    return {
      recordId,
      version: amended.version,
      commitment: amended.commitment,
      previousCommitment: currentCommitment,
      transaction: {
        to: deployment.contracts.RecordRegistry.address,
        data: requestId
          ? registry.encodeFunctionData('acceptAmendment', [requestId, category, currentCommitment, amended.commitment])
          : registry.encodeFunctionData('amendRecord', [recordId, record.patient, category, currentCommitment, amended.commitment]),
        chainId,
      },
    };
  }

  @Mutation(() => ErasedRecord, {
    description: "Destroys a record's off-chain content (crypto-shredding) and returns the eraseRecord transaction to send.",
  })
  async eraseRecord(@Arg('id', () => Bytes32) recordId: string, @Ctx() ctx: Context): Promise<ErasedRecord> {
    const record = await loadRecord(ctx, recordId);
    if (!record) throw notFound(`No record ${recordId}.`);
    await ctx.services.records.erase({ recordId, erasedBy: ctx.viewer! });
    const { deployment, chainId } = ctx.services.chain;
    return {
      recordId,
      transaction: {
        to: deployment.contracts.RecordRegistry.address,
        data: registry.encodeFunctionData('eraseRecord', [recordId, record.patient, scopeCode(record.category, 'category'), record.commitment ?? ZERO32]),
        chainId,
      },
    };
  }
}

@Resolver(() => RecordVersion)
export class RecordVersionResolver {
  @FieldResolver(() => String, {
    nullable: true,
    description:
      "The author's name: a provider's directory name, else the name on the author's own patient profile (the patient, or a guardian); null when none is on file.",
  })
  async authorName(@Root() version: Readonly<RecordVersion>, @Ctx() ctx: Context): Promise<string | null> {
    const [directory, own] = await Promise.all([ctx.loaders.providerProfile.load(version.author), ctx.loaders.patientProfile.load(version.author)]);
    return directory?.displayName ?? own?.displayName ?? null;
  }

  @FieldResolver(() => VersionIntegrity, { description: "Whether this version's stored content matches the commitment the chain recorded for it." })
  async integrity(@Root() version: Readonly<RecordVersion>, @Ctx() ctx: Context): Promise<VersionIntegrity> {
    const status = await ctx.loaders.versionIntegrity.load({ recordId: version.recordId, version: version.version, commitment: version.commitment });
    return VERSION_INTEGRITY[status];
  }
}
