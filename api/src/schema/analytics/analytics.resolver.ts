import { createHmac } from 'node:crypto';
import { Arg, Ctx, Int, Query, Resolver } from 'type-graphql';
import type { Context } from '../../graphql/context';
import { badInput } from '../../graphql/errors';
import { ConsentsDocument, DailyActivityDocument } from '../../graphql/subgraph/documents';
import { PinnedSubgraph } from '../../graphql/subgraph/subgraph-client';
import {
  ActivityGrouping,
  ActivityInput,
  ActivitySeries,
  ConsentGraph,
  ConsentGraphEdge,
  ConsentGraphNodeKind,
  ConsentGroup,
} from './analytics.type';

const DAY = 86_400;
/** Most days one activity query spans. */
const MAX_DAYS = 366;
/** Most active consents one graph holds (five subgraph pages). */
const MAX_GRAPH_EDGES = 5000;
const SUBGRAPH_PAGE = 1000;

/** Analysts (registrar, admin) see addresses and every count; researchers see pseudonyms and groups of at least k. */
async function audienceOf(ctx: Context): Promise<{ analyst: boolean; k: number }> {
  const [registrar, admin] = await Promise.all([ctx.access.isRegistrar(), ctx.access.isAdmin()]);
  const analyst = registrar || admin;
  return { analyst, k: analyst ? 1 : ctx.services.config.kAnonymity };
}

/** The subgraph as of `block` (checked against what is indexed), or the request's pinned view. */
async function subgraphAt(ctx: Context, block: number | null | undefined): Promise<PinnedSubgraph> {
  if (block === null || block === undefined) return ctx.subgraph;
  if (!Number.isSafeInteger(block) || block < 0) throw badInput('block', 'must be a block number (0 or more)');
  const latest = await ctx.subgraph.block();
  if (block > latest) throw badInput('block', `is not indexed yet: the subgraph has reached block ${latest}`);
  return new PinnedSubgraph(ctx.services.subgraph, block);
}

/** A stable pseudonym for an address: HMAC with the server's secret, so it cannot be reversed by hashing guesses. */
function pseudonym(secret: string, address: string): string {
  return `p_${createHmac('sha256', secret).update(`consent-graph:${address}`).digest('hex').slice(0, 16)}`;
}

@Resolver()
export class AnalyticsResolver {
  @Query(() => ActivitySeries, {
    description: 'Daily counts (records, consents granted/renewed/revoked, emergency accesses) by category or purpose, as of a block.',
  })
  async activity(@Arg('input', () => ActivityInput) input: ActivityInput, @Ctx() ctx: Context): Promise<ActivitySeries> {
    const fromDay = Math.floor(input.from.getTime() / 1000 / DAY);
    const toDay = Math.floor(input.to.getTime() / 1000 / DAY);
    if (!Number.isFinite(fromDay)) throw badInput('input.from', 'must be a date');
    if (!Number.isFinite(toDay) || toDay < fromDay) throw badInput('input.to', 'must be a date on or after input.from');
    if (toDay - fromDay + 1 > MAX_DAYS) throw badInput('input.to', `must be at most ${MAX_DAYS} days after input.from`);
    const { k } = await audienceOf(ctx);
    const subgraph = await subgraphAt(ctx, input.block);
    const data = await subgraph.query(DailyActivityDocument, {
      where: { metric: input.metric, day_gte: fromDay, day_lte: toDay },
      first: SUBGRAPH_PAGE,
    });
    if (data.dailyActivities.length === SUBGRAPH_PAGE) throw badInput('input.to', 'the range holds too many series; ask for fewer days');
    const wanted = data.dailyActivities.filter((row) =>
      input.groupBy === ActivityGrouping.TOTAL
        ? row.category === null && row.purpose === null
        : input.groupBy === ActivityGrouping.CATEGORY
          ? row.category !== null
          : row.purpose !== null,
    );
    return {
      block: data._meta!.block.number,
      k,
      points: wanted.map((row) => {
        const suppressed = row.count < k;
        return {
          day: new Date(Number(row.dayStart) * 1000),
          category: row.category ?? null,
          purpose: row.purpose ?? null,
          count: suppressed ? null : row.count,
          suppressed,
        };
      }),
    };
  }

  @Query(() => ConsentGraph, { description: 'The graph of active consents as of a block: pseudonymous and k-anonymous for researchers.' })
  async consentGraph(
    @Arg('block', () => Int, { nullable: true, description: 'Default: the latest indexed block.' }) block: number | null,
    @Ctx() ctx: Context,
  ): Promise<ConsentGraph> {
    const { analyst, k } = await audienceOf(ctx);
    const subgraph = await subgraphAt(ctx, block);
    const consents = [];
    let after: string | null = null;
    let meta: { number: number; timestamp?: number | null } | undefined;
    for (;;) {
      const where: { [key: string]: unknown } = { revoked: false };
      if (after) where.id_gt = after;
      const data = await subgraph.query(ConsentsDocument, { where, first: SUBGRAPH_PAGE });
      meta ??= data._meta!.block;
      consents.push(...data.consents);
      if (data.consents.length < SUBGRAPH_PAGE) break;
      if (consents.length >= MAX_GRAPH_EDGES) throw badInput('block', `the graph holds more than ${MAX_GRAPH_EDGES} consents; ask an analyst for an export`);
      after = data.consents[data.consents.length - 1]!.id;
    }
    const at = Number(meta!.timestamp ?? Math.floor(Date.now() / 1000));
    const active = consents.filter((consent) => Number(consent.expiresAt) > at);

    const groupKey = (consent: (typeof active)[number]) => `${consent.scopeName}\u0000${consent.purpose}`;
    const sizes = new Map<string, number>();
    for (const consent of active) sizes.set(groupKey(consent), (sizes.get(groupKey(consent)) ?? 0) + 1);
    const shown = active.filter((consent) => sizes.get(groupKey(consent))! >= k);

    const secret = ctx.services.config.sessionSecret;
    const name = (address: string) => (analyst ? address : pseudonym(secret, address));
    const kinds = new Map<string, ConsentGraphNodeKind>();
    const mark = (id: string, kind: ConsentGraphNodeKind) => {
      const existing = kinds.get(id);
      kinds.set(id, existing && existing !== kind ? ConsentGraphNodeKind.BOTH : kind);
    };
    const edges: ConsentGraphEdge[] = shown.map((consent) => {
      const source = name(consent.patient.id);
      const target = name(consent.grantee.id);
      mark(source, ConsentGraphNodeKind.PATIENT);
      mark(target, ConsentGraphNodeKind.GRANTEE);
      return { source, target, scope: consent.scopeName, purpose: consent.purpose, canRead: consent.canRead, canWrite: consent.canWrite };
    });
    const groups: ConsentGroup[] = [...sizes.entries()]
      .filter(([, count]) => count >= k)
      .map(([key, count]) => {
        const [scope, purpose] = key.split('\u0000') as [string, string];
        return { scope, purpose, count };
      })
      .sort((a, b) => a.scope.localeCompare(b.scope) || a.purpose.localeCompare(b.purpose));
    return {
      block: meta!.number,
      at: new Date(at * 1000),
      pseudonymous: !analyst,
      k,
      nodes: [...kinds.entries()].map(([id, kind]) => ({ id, kind })).sort((a, b) => a.id.localeCompare(b.id)),
      edges,
      groups,
      suppressedEdges: active.length - shown.length,
    };
  }
}
