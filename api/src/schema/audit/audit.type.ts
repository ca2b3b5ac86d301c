import { Field, ID, Int, ObjectType } from 'type-graphql';

@ObjectType({ description: 'The on-chain audit batch that anchors an entry, with the Merkle proof of the entry.' })
export class AuditAnchorProof {
  @Field(() => String, { description: "The API's batch number." })
  batchId!: string;

  @Field(() => String, { description: 'The Merkle root of the batch.' })
  root!: string;

  @Field(() => Int, { nullable: true, description: 'The batch id in AuditAnchor, once anchored.' })
  chainBatchId!: number | null;

  @Field(() => String, { nullable: true })
  transactionHash!: string | null;

  @Field(() => Int, { nullable: true })
  blockNumber!: number | null;

  @Field(() => [String], { description: 'The leaf values (entry id, actor, patient, record id, version, purpose, decision, time).' })
  leaf!: string[];

  @Field(() => [String], { description: 'Sibling hashes from the leaf to the root.' })
  proof!: string[];

  @Field(() => String, { nullable: true, description: 'The root the chain holds for this batch, as indexed (null until indexed).' })
  chainRoot!: string | null;

  @Field({ description: 'Whether the proof leads from the leaf to the root the chain holds.' })
  verified!: boolean;
}

@ObjectType({ description: 'One read of record contents: who read what, when, for which purpose.' })
export class AuditEntry {
  @Field(() => ID)
  id!: string;

  @Field(() => String, { description: 'Who read.' })
  actor!: string;

  @Field(() => String)
  patient!: string;

  @Field(() => String)
  recordId!: string;

  @Field(() => String, { description: 'The data category of the record read (its FHIR resource type).' })
  category!: string;

  @Field({ description: 'HL7 v3 PurposeOfUse of the read.' })
  purpose!: string;

  @Field()
  decision!: string;

  @Field(() => Date)
  at!: Date;

  @Field(() => Int, { description: 'The record version read.' })
  recordVersion!: number;

  /** Not in the schema: the batch the entry went into, if any. */
  batchId!: number | null;
}
