import { createHmac } from 'node:crypto';
import { Arg, Ctx, Int, Query, Resolver } from 'type-graphql';
import type { Context } from '../../graphql/context';
import { badInput } from '../../graphql/errors';
import {
  ActivityByCategoryDocument,
  ActivityByPurposeDocument,
  ActivityEventsDocument,
  ActivityTotalsDocument,
  ConsentsDocument,
} from '../../graphql/subgraph/documents';
import { bucketOf, bucketRange, micros, seconds } from './activity-buckets';
import { PinnedSubgraph } from '../../graphql/subgraph/subgraph-client';
import {
  ActivityGrouping,
  ActivityInput,
  ActivityInterval,
  ActivityPoint,
  ActivitySeries,
  ConsentGraph,
  ConsentGraphEdge,
  ConsentGraphNodeKind,
  ConsentGroup,
} from './analytics.type';

/** Most data points of the still-open bucket one activity query counts (ten subgraph pages). */
const MAX_OPEN_BUCKET_EVENTS = 10_000;
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

/** One bucket of one series: its start, its group (empty for TOTAL) and its counts. */
interface BucketRow {
  timestamp: string;
  group: string;
  count: string;
  runningTotal: string;
}

/**
 * Reads one activity series (a metric, in all or by one dimension) at the request's block: ended
 * buckets from the aggregation, and the open bucket from the data points plus the running total the
 * aggregation had reached before it.
 */
function activitySeries(subgraph: PinnedSubgraph, input: ActivityInput) {
  const interval = input.interval === ActivityInterval.HOUR ? 'hour' : 'day';
  const dimension = input.groupBy === ActivityGrouping.CATEGORY ? 'category' : input.groupBy === ActivityGrouping.PURPOSE ? 'purpose' : null;
  const buckets = async (where: Record<string, unknown>, first: number, direction: 'asc' | 'desc') => {
    const variables = { interval, where: { metric: input.metric, ...where }, first, direction } as const;
    if (dimension === 'category') return subgraph.query(ActivityByCategoryDocument, variables);
    if (dimension === 'purpose') return subgraph.query(ActivityByPurposeDocument, variables);
    const totals = await subgraph.query(ActivityTotalsDocument, variables);
    return { ...totals, points: totals.points.map((point) => ({ ...point, group: '' })) };
  };
  // An event without the dimension (a record has no purpose, an emergency access no category) is
  // counted in the total only.
  const keeps = (group: string) => dimension === null || group !== '';

  const openBucket = async (start: number): Promise<BucketRow[]> => {
    const counts = new Map<string, number>();
    let after: string | null = null;
    for (let seen = 0; ; ) {
      const where: Record<string, unknown> = { metric: input.metric, timestamp_gte: micros(start) };
      if (after) where.id_gt = after;
      const { events } = await subgraph.query(ActivityEventsDocument, { where, first: SUBGRAPH_PAGE });
      for (const event of events) {
        const group = dimension === 'category' ? event.category : dimension === 'purpose' ? event.purpose : '';
        if (keeps(group)) counts.set(group, (counts.get(group) ?? 0) + 1);
      }
      seen += events.length;
      if (events.length < SUBGRAPH_PAGE) break;
      if (seen >= MAX_OPEN_BUCKET_EVENTS) throw badInput('input.interval', `the open bucket holds more than ${MAX_OPEN_BUCKET_EVENTS} events; ask for the HOUR interval`);
      after = events[events.length - 1]!.id;
    }
    return Promise.all(
      [...counts.entries()].map(async ([group, count]) => {
        const before = await buckets({ timestamp_lt: micros(start), ...(dimension ? { [dimension]: group } : {}) }, 1, 'desc');
        const base = Number(before.points[0]?.runningTotal ?? 0);
        return { timestamp: micros(start), group, count: String(count), runningTotal: String(base + count) };
      }),
    );
  };
  return { buckets, keeps, openBucket };
}

/** A bucket as the API answers it: suppressed below k (researchers), with its dimension named. */
function pointOf(row: BucketRow, groupBy: ActivityGrouping, k: number): ActivityPoint {
  const count = Number(row.count);
  const runningTotal = Number(row.runningTotal);
  const suppressed = count < k;
  const start = new Date(seconds(row.timestamp) * 1000);
  return {
    start,
    day: start,
    category: groupBy === ActivityGrouping.CATEGORY ? row.group : null,
    purpose: groupBy === ActivityGrouping.PURPOSE ? row.group : null,
    count: suppressed ? null : count,
    runningTotal: suppressed || runningTotal < k ? null : runningTotal,
    suppressed,
  };
}

/**
 * The time of the block an answer is as of: the index's own timestamp, else the chain's block header
 * (graph-node gives no timestamp for a block before its head). Never the wall clock: as of block N, a
 * consent is active if it had not expired at block N's time.
 */
async function blockTime(ctx: Context, block: { number: number; timestamp?: number | null }): Promise<number> {
  if (block.timestamp !== null && block.timestamp !== undefined) return Number(block.timestamp);
  ctx.services.roundTrips.chainCalls += 1;
  const header = await ctx.services.chain.provider.getBlock(block.number);
  if (!header) throw new Error(`The chain has no block ${block.number}, which the index answered as of; is the index from another chain?`);
  return header.timestamp;
}

@Resolver()
export class AnalyticsResolver {
  @Query(() => ActivitySeries, {
    description:
      'Hourly or daily counts (records anchored, amended, erased; consents granted, renewed, revoked; emergency accesses ' +
      "opened), in all or by category or purpose, with running totals, as of a block, from graph-node's activity aggregations.",
  })
  async activity(@Arg('input', () => ActivityInput) input: ActivityInput, @Ctx() ctx: Context): Promise<ActivitySeries> {
    const range = bucketRange(input.from, input.to, input.interval);
    const { k } = await audienceOf(ctx);
    const subgraph = await subgraphAt(ctx, input.block);
    const series = activitySeries(subgraph, input);

    // Buckets that had ended by the pinned block: graph-node rolled them up into the aggregation.
    const closed = await series.buckets({ timestamp_gte: micros(range.first), timestamp_lte: micros(range.last) }, SUBGRAPH_PAGE, 'asc');
    if (closed.points.length === SUBGRAPH_PAGE) {
      throw badInput('input.to', `the range holds more than ${SUBGRAPH_PAGE} points; ask for a shorter range, the DAY interval or groupBy TOTAL`);
    }
    const meta = closed._meta!.block;
    const at = await blockTime(ctx, meta);
    const open = bucketOf(at, input.interval);
    const rows = closed.points.filter((point) => seconds(point.timestamp) < open && series.keeps(point.group));
    // The bucket still open at that block: counted from the timeseries' data points as of the block.
    if (open >= range.first && open <= range.last) rows.push(...(await series.openBucket(open)));

    return {
      block: meta.number,
      at: new Date(at * 1000),
      interval: input.interval,
      k,
      points: rows.map((row) => pointOf(row, input.groupBy, k)),
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
    const at = await blockTime(ctx, meta!);
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
