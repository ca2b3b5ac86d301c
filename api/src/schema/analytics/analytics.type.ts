import { Field, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';

export enum ActivityMetric {
  RECORDS_ANCHORED = 'RECORDS_ANCHORED',
  RECORDS_AMENDED = 'RECORDS_AMENDED',
  RECORDS_ERASED = 'RECORDS_ERASED',
  CONSENTS_GRANTED = 'CONSENTS_GRANTED',
  CONSENTS_RENEWED = 'CONSENTS_RENEWED',
  CONSENTS_REVOKED = 'CONSENTS_REVOKED',
  EMERGENCY_ACCESSES_OPENED = 'EMERGENCY_ACCESSES_OPENED',
}
registerEnumType(ActivityMetric, { name: 'ActivityMetric', description: 'What an activity count counts.' });

export enum ActivityInterval {
  HOUR = 'HOUR',
  DAY = 'DAY',
}
registerEnumType(ActivityInterval, { name: 'ActivityInterval', description: 'The length of one bucket of an activity series: a UTC hour or a UTC day.' });

export enum ActivityGrouping {
  TOTAL = 'TOTAL',
  CATEGORY = 'CATEGORY',
  PURPOSE = 'PURPOSE',
}
registerEnumType(ActivityGrouping, { name: 'ActivityGrouping', description: 'One series in all, or one per category (consents: scope), or one per purpose of use.' });

export enum ConsentGraphNodeKind {
  PATIENT = 'PATIENT',
  GRANTEE = 'GRANTEE',
  BOTH = 'BOTH',
}
registerEnumType(ConsentGraphNodeKind, { name: 'ConsentGraphNodeKind' });

@InputType({ description: 'Which counts, in hourly or daily buckets, over which time range, as of which block.' })
export class ActivityInput {
  @Field(() => ActivityMetric)
  metric!: ActivityMetric;

  @Field(() => ActivityInterval, { defaultValue: ActivityInterval.DAY, description: 'Bucket length: HOUR (at most 744 buckets, 31 days, per query) or DAY (at most 366).' })
  interval!: ActivityInterval;

  @Field(() => Date, { nullable: true, description: 'Required: the range starts with the bucket that holds this time (UTC).' })
  from?: Date | null;

  @Field(() => Date, { nullable: true, description: 'Required: the range ends with the bucket that holds this time; not before `from`.' })
  to?: Date | null;

  @Field(() => ActivityGrouping, { defaultValue: ActivityGrouping.TOTAL })
  groupBy!: ActivityGrouping;

  @Field(() => Int, { nullable: true, description: 'Answer as of this block (time-travel); default: the latest indexed.' })
  block?: number | null;
}

@ObjectType({ description: 'The count of one bucket (an hour or a day), for one category or purpose when grouped.' })
export class ActivityPoint {
  @Field(() => Date, { description: 'Start of the bucket (UTC).' })
  start!: Date;

  @Field(() => Date, { description: 'Start of the bucket (UTC).', deprecationReason: 'Use `start`: a bucket is an hour or a day.' })
  day!: Date;

  @Field(() => String, { nullable: true, description: 'The category (consents: scope) when grouped by CATEGORY.' })
  category!: string | null;

  @Field(() => String, { nullable: true, description: 'The purpose of use when grouped by PURPOSE.' })
  purpose!: string | null;

  @Field(() => Int, { nullable: true, description: 'Events in the bucket; null when suppressed for k-anonymity.' })
  count!: number | null;

  @Field(() => Int, { nullable: true, description: 'Events from the first one up to the end of the bucket (a running total); null when suppressed.' })
  runningTotal!: number | null;

  @Field({ description: 'True when the count is below k and hidden from researchers.' })
  suppressed!: boolean;
}

@ObjectType({
  description:
    "Counts over time from graph-node's activity timeseries, as of one block. Buckets that had ended by that block " +
    "come from graph-node's hourly and daily aggregations; the bucket still open at that block is counted from the " +
    "timeseries' own data points as of the block, because graph-node computes its current bucket only at its latest block.",
})
export class ActivitySeries {
  @Field(() => Int, { description: 'The block the answer is as of.' })
  block!: number;

  @Field(() => Date, { description: "That block's time: buckets after it are empty, the bucket holding it is still open." })
  at!: Date;

  @Field(() => ActivityInterval)
  interval!: ActivityInterval;

  @Field(() => Int, { description: 'The k of k-anonymity applied (1: none, for analysts).' })
  k!: number;

  @Field(() => [ActivityPoint], { description: 'Buckets that hold events, oldest first; an hour or day without events has no point.' })
  points!: ActivityPoint[];
}

@ObjectType({ description: 'An account in the consent graph: an address for analysts, a pseudonym for researchers.' })
export class ConsentGraphNode {
  @Field()
  id!: string;

  @Field(() => ConsentGraphNodeKind)
  kind!: ConsentGraphNodeKind;
}

@ObjectType({ description: 'An active consent: patient to grantee, for a scope and purpose.' })
export class ConsentGraphEdge {
  @Field()
  source!: string;

  @Field()
  target!: string;

  @Field()
  scope!: string;

  @Field()
  purpose!: string;

  @Field()
  canRead!: boolean;

  @Field()
  canWrite!: boolean;
}

@ObjectType({ description: 'How many active consents share a scope and purpose.' })
export class ConsentGroup {
  @Field()
  scope!: string;

  @Field()
  purpose!: string;

  @Field(() => Int)
  count!: number;
}

@ObjectType({ description: 'Who consented to whom, for what, as of a block.' })
export class ConsentGraph {
  @Field(() => Int)
  block!: number;

  @Field(() => Date, { description: 'Time of that block.' })
  at!: Date;

  @Field({ description: 'Whether node ids are pseudonyms (researchers) or addresses (analysts).' })
  pseudonymous!: boolean;

  @Field(() => Int, { description: 'The k of k-anonymity applied (1: none).' })
  k!: number;

  @Field(() => [ConsentGraphNode])
  nodes!: ConsentGraphNode[];

  @Field(() => [ConsentGraphEdge])
  edges!: ConsentGraphEdge[];

  @Field(() => [ConsentGroup], { description: 'Counts by scope and purpose; groups below k are left out for researchers.' })
  groups!: ConsentGroup[];

  @Field(() => Int, { description: 'Edges left out because their scope-and-purpose group is smaller than k.' })
  suppressedEdges!: number;
}
