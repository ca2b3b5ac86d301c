import { Field, ID, InputType, ObjectType, registerEnumType } from 'type-graphql';
import { PreparedTransaction } from '../records/record.type';
import { Address } from '../../graphql/scalars';

export enum TreatmentStatus {
  PROPOSED = 'PROPOSED',
  APPROVED = 'APPROVED',
  REJECTED = 'REJECTED',
}
registerEnumType(TreatmentStatus, { name: 'TreatmentStatus', description: 'Where a treatment plan stands.' });

@ObjectType({ description: 'A treatment plan a provider proposed for a patient, with its decision.' })
export class Treatment {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  patient!: string;

  @Field(() => String)
  provider!: string;

  @Field(() => String, { description: 'Hash of the off-chain plan document.' })
  planHash!: string;

  @Field(() => TreatmentStatus)
  status!: TreatmentStatus;

  @Field(() => Date)
  proposedAt!: Date;

  @Field(() => Date, { nullable: true })
  decidedAt!: Date | null;

  @Field(() => String, { nullable: true, description: 'The patient or guardian who decided.' })
  decidedBy!: string | null;
}

@ObjectType({ description: 'The plan text behind a treatment, decrypted for the patient, a guardian or the proposing provider.' })
export class TreatmentPlan {
  @Field(() => String, { description: 'What the provider proposes, in their words.' })
  text!: string;

  @Field(() => Boolean, { description: "Whether the stored text (with its salt) hashes to the treatment's on-chain planHash." })
  matchesPlanHash!: boolean;
}

@InputType({ description: 'A treatment plan to propose: stored encrypted by the API, its salted hash proposed on-chain.' })
export class PrepareTreatmentInput {
  @Field(() => Address, { description: "The patient's address." })
  patient!: string;

  @Field(() => String, { description: 'The plan, as the patient and guardians will read it (1 to 4000 characters).' })
  plan!: string;
}

@ObjectType({ description: 'A treatment plan stored encrypted and ready to be proposed.' })
export class PreparedTreatment {
  @Field(() => ID)
  treatmentId!: string;

  @Field(() => String, { description: 'keccak256(salt || canonical plan document): what the chain stores as planHash.' })
  planHash!: string;

  @Field(() => PreparedTransaction, { description: 'RecordRegistry.proposeTreatment(...) for the provider to send.' })
  transaction!: PreparedTransaction;
}
