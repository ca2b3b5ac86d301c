import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';

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
