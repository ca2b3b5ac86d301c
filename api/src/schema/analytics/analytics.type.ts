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
registerEnumType(ActivityMetric, { name: 'ActivityMetric', description: 'What a daily activity count counts.' });

export enum ActivityGrouping {
  TOTAL = 'TOTAL',
  CATEGORY = 'CATEGORY',
  PURPOSE = 'PURPOSE',
}
registerEnumType(ActivityGrouping, { name: 'ActivityGrouping', description: 'One series per day, or per day and category, or per day and purpose.' });

export enum ConsentGraphNodeKind {
  PATIENT = 'PATIENT',
  GRANTEE = 'GRANTEE',
  BOTH = 'BOTH',
}
registerEnumType(ConsentGraphNodeKind, { name: 'ConsentGraphNodeKind' });

@InputType({ description: 'Which counts, over which days, as of which block.' })
export class ActivityInput {
  @Field(() => ActivityMetric)
  metric!: ActivityMetric;

  @Field(() => Date, { description: 'First day (UTC) included.' })
  from!: Date;

  @Field(() => Date, { description: 'Last day (UTC) included; at most 366 days after `from`.' })
  to!: Date;

  @Field(() => ActivityGrouping, { defaultValue: ActivityGrouping.TOTAL })
  groupBy!: ActivityGrouping;

  @Field(() => Int, { nullable: true, description: 'Answer as of this block (time-travel); default: the latest indexed.' })
  block?: number | null;
}

@ObjectType({ description: 'A count for one day (and category or purpose).' })
export class ActivityPoint {
  @Field(() => Date, { description: 'Start of the UTC day.' })
  day!: Date;

  @Field(() => String, { nullable: true })
  category!: string | null;

  @Field(() => String, { nullable: true })
  purpose!: string | null;

  @Field(() => Int, { nullable: true, description: 'The count; null when suppressed for k-anonymity.' })
  count!: number | null;

  @Field({ description: 'True when the count is below k and hidden from researchers.' })
  suppressed!: boolean;
}

@ObjectType({ description: 'Counts over time from the subgraph.' })
export class ActivitySeries {
  @Field(() => Int, { description: 'The block the answer is as of.' })
  block!: number;

  @Field(() => Int, { description: 'The k of k-anonymity applied (1: none, for analysts).' })
  k!: number;

  @Field(() => [ActivityPoint])
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
