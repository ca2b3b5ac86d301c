import { Ctx, Field, Int, ObjectType, Query, Resolver } from 'type-graphql';
import type { Context } from '../graphql/context';

@ObjectType({ description: 'Whether the API and what it reads are up.' })
export class Health {
  @Field({ description: 'True when the subgraph answered.' })
  ok!: boolean;

  @Field(() => Int, { description: 'The chain the contracts are deployed on.' })
  chainId!: number;

  @Field(() => Int, { nullable: true, description: 'The block the subgraph has indexed (null when it did not answer).' })
  subgraphBlock!: number | null;
}

@Resolver()
export class HealthResolver {
  @Query(() => Health, { description: 'Liveness of the API and its subgraph; open to anyone.' })
  async health(@Ctx() ctx: Context): Promise<Health> {
    let subgraphBlock: number | null = null;
    try {
      subgraphBlock = await ctx.subgraph.block();
    } catch {
      subgraphBlock = null;
    }
    return { ok: subgraphBlock !== null, chainId: ctx.services.chain.chainId, subgraphBlock };
  }
}
