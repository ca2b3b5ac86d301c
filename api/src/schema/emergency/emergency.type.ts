import { Field, ID, Int, ObjectType } from 'type-graphql';

@ObjectType({ description: 'An emergency (break-glass) read access a verified provider opened; always visible to the patient.' })
export class EmergencyAccess {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  patient!: string;

  @Field(() => String)
  provider!: string;

  @Field({ description: 'Reason code, e.g. UNCONSCIOUS.' })
  reason!: string;

  @Field(() => Date)
  openedAt!: Date;

  @Field(() => Date, { description: 'When it ends by itself.' })
  expiresAt!: Date;

  @Field(() => Date, { nullable: true, description: 'When it was closed early, if it was.' })
  closedAt!: Date | null;

  @Field(() => String, { nullable: true })
  closedBy!: string | null;

  @Field(() => Int)
  blockNumber!: number;

  @Field(() => String)
  transactionHash!: string;
}

@ObjectType({ description: 'A patient found by exact name and birth date, for emergency access: who, and the address to open it for.' })
export class PatientMatch {
  @Field(() => String)
  address!: string;

  @Field(() => String)
  displayName!: string;

  @Field(() => Date)
  birthDate!: Date;
}
