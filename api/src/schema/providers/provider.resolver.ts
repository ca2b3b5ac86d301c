import { Arg, Args, ArgsType, Ctx, Field, FieldResolver, Int, Query, Resolver, Root } from 'type-graphql';
import type { Context } from '../../graphql/context';
import { page, pageArgs } from '../../graphql/pagination';
import { DirectoryDocument } from '../../graphql/subgraph/documents';
import { Account, AccountConnection, MemberKind, MemberStatus, ProviderProfile, ResearcherProfile, accountOf } from './account.type';
import { Address } from '../../graphql/scalars';

@ArgsType()
export class DirectoryArgs {
  @Field(() => Int, { nullable: true, description: 'Page size, 1 to 100 (default 20).' })
  first?: number;

  @Field(() => String, { nullable: true, description: 'The endCursor of the previous page.' })
  after?: string;

  @Field({ defaultValue: false, description: 'Include suspended members.' })
  includeSuspended!: boolean;
}

async function directory(ctx: Context, kind: MemberKind, args: DirectoryArgs): Promise<AccountConnection> {
  const { first, after } = pageArgs(args.first, args.after);
  const where: Record<string, unknown> = { memberKind: kind };
  if (!args.includeSuspended) where.memberStatus = MemberStatus.VERIFIED;
  if (after) where.id_gt = after;
  const data = await ctx.subgraph.query(DirectoryDocument, { where, first: first + 1 });
  const { nodes, pageInfo } = page(data.accounts, first);
  return { nodes: nodes.map((account) => accountOf(account.id, account)), pageInfo };
}

/**
 * The public directory of providers and researchers, and the accounts that author records. Field
 * resolvers take `Readonly<Account>` so type-graphql passes the root as it is (no copy per account).
 */
@Resolver(() => Account)
export class AccountResolver {
  @Query(() => AccountConnection, { description: 'Verified providers (public directory).' })
  providers(@Args() args: DirectoryArgs, @Ctx() ctx: Context): Promise<AccountConnection> {
    return directory(ctx, MemberKind.PROVIDER, args);
  }

  @Query(() => AccountConnection, { description: 'Verified researchers (public directory).' })
  researchers(@Args() args: DirectoryArgs, @Ctx() ctx: Context): Promise<AccountConnection> {
    return directory(ctx, MemberKind.RESEARCHER, args);
  }

  @Query(() => Account, { description: 'One account as the directory knows it (kind NONE when it is not a member).' })
  async account(@Arg('address', () => Address) address: string, @Ctx() ctx: Context): Promise<Account> {
    return accountOf(address, await ctx.loaders.accountById.load(address));
  }

  @FieldResolver(() => ProviderProfile, { nullable: true, description: "The provider's public profile, if any." })
  providerProfile(@Root() account: Readonly<Account>, @Ctx() ctx: Context): ProviderProfile | null | Promise<ProviderProfile | null> {
    if (account.kind !== MemberKind.PROVIDER) return null;
    if (account.prefetchedProviderProfile !== undefined) return account.prefetchedProviderProfile;
    return ctx.loaders.providerProfile.load(account.address);
  }

  @FieldResolver(() => ResearcherProfile, { nullable: true, description: "The researcher's public profile, if any." })
  async researcherProfile(@Root() account: Readonly<Account>, @Ctx() ctx: Context): Promise<ResearcherProfile | null> {
    if (account.kind !== MemberKind.RESEARCHER) return null;
    return ctx.loaders.researcherProfile.load(account.address);
  }
}
