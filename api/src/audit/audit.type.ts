import { Field, ID, Int, ObjectType } from 'type-graphql';

@ObjectType({ description: 'The on-chain audit batch that anchors an entry, with the Merkle proof of the entry.' })
export class AuditAnchorProof {
  @Field(() => String, { description: 'Batch number in AuditAnchor.' })
  batchId!: string;

  @Field(() => String, { nullable: true, description: 'The Merkle root on the chain (null until indexed).' })
  root!: string | null;

  @Field(() => String, { nullable: true })
  transactionHash!: string | null;

  @Field(() => Int, { nullable: true })
  blockNumber!: number | null;

  @Field(() => String, { nullable: true, description: 'The entry as a Merkle leaf.' })
  leaf!: string | null;

  @Field(() => [String], { description: 'Sibling hashes from the leaf to the root.' })
  proof!: string[];
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

  @Field({ description: 'HL7 v3 PurposeOfUse of the read.' })
  purpose!: string;

  @Field()
  decision!: string;

  @Field(() => Date)
  at!: Date;

  /** Not in the schema: the batch the entry went into, if any. */
  batchId!: string | null;
  leaf!: string | null;
  proof!: string[] | null;
}
