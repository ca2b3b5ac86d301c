import { GraphQLJSON } from 'graphql-scalars';
import { Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { PreparedTransaction } from '../records/record.type';
import { Bytes32 } from '../../graphql/scalars';

export enum AmendmentStatus {
  OPEN = 'OPEN',
  ACCEPTED = 'ACCEPTED',
  DECLINED = 'DECLINED',
}
registerEnumType(AmendmentStatus, { name: 'AmendmentStatus', description: 'Where an amendment request stands.' });

@ObjectType({
  description:
    "A request by the patient or a guardian to correct a clinician's version of a record (45 CFR 164.526), as the chain records it; a provider with a write consent for the record's category accepts it (by amending) or declines it with a reason.",
})
export class AmendmentRequest {
  @Field(() => ID, { description: 'The request id (32 bytes, hex).' })
  id!: string;

  @Field(() => String)
  recordId!: string;

  @Field(() => String, { description: "The patient's address." })
  patient!: string;

  @Field(() => String, { description: 'Who filed it: the patient or a guardian.' })
  requestedBy!: string;

  @Field(() => Int, { description: 'The version it asks to correct.' })
  version!: number;

  @Field(() => String, { description: 'Hash of the stored request (proposed change and reason), as filed on-chain.' })
  requestHash!: string;

  @Field(() => AmendmentStatus)
  status!: AmendmentStatus;

  @Field(() => Date)
  requestedAt!: Date;

  @Field(() => String, { nullable: true, description: 'The provider who answered it.' })
  answeredBy!: string | null;

  @Field(() => Date, { nullable: true })
  answeredAt!: Date | null;

  @Field(() => Int, { nullable: true, description: 'The version an acceptance created, or the version current when it was declined.' })
  answerVersion!: number | null;

  @Field(() => String, { nullable: true, description: "Hash of the stored decline (with its reason), as sent on-chain; null unless declined." })
  reasonHash!: string | null;

  /** Not in the schema: the record's category, which decides who may read the request's text. */
  category!: string;
}

@ObjectType({ description: "An amendment request's text, decrypted (each read is written to the audit log first)." })
export class AmendmentRequestDetails {
  @Field({ description: 'Why the patient or guardian asks for the change.' })
  reason!: string;

  @Field(() => GraphQLJSON, { description: 'The proposed new content: a FHIR R4 resource of the record\'s type.' })
  proposedChange!: unknown;

  @Field(() => String, { nullable: true, description: "The clinician's reason for declining (null unless declined)." })
  declineReason!: string | null;

  @Field({ description: 'Whether the stored text is the one the chain committed to (requestHash, or the reasonHash of a decline).' })
  matchesChain!: boolean;
}

@ObjectType({ description: 'An amendment request stored encrypted, ready to be filed on-chain by the patient or guardian.' })
export class PreparedAmendmentRequest {
  @Field(() => ID)
  requestId!: string;

  @Field(() => String)
  requestHash!: string;

  @Field(() => PreparedTransaction, { description: 'RecordRegistry.requestAmendment(...) to send.' })
  transaction!: PreparedTransaction;
}

@ObjectType({ description: "A decline stored encrypted with its reason, ready to be sent on-chain by the provider." })
export class PreparedDecline {
  @Field(() => ID)
  requestId!: string;

  @Field(() => String)
  reasonHash!: string;

  @Field(() => PreparedTransaction, { description: 'RecordRegistry.declineAmendment(...) to send.' })
  transaction!: PreparedTransaction;
}

@InputType({ description: "A request to correct a clinician's current version of a record." })
export class RequestAmendmentInput {
  @Field(() => Bytes32)
  recordId!: string;

  @Field(() => Bytes32, { description: "The record's current on-chain commitment: the version to correct." })
  currentCommitment!: string;

  @Field(() => GraphQLJSON, { description: "The proposed new content: a FHIR R4 resource of the record's resource type." })
  proposedChange!: unknown;

  @Field(() => String, { description: 'Why the change is needed (at most 2000 characters).' })
  reason!: string;
}

@InputType({ description: 'Declining an open amendment request, with the reason the patient will read.' })
export class DeclineAmendmentInput {
  @Field(() => Bytes32)
  requestId!: string;

  @Field(() => String, { description: 'Why the record stays as it is (at most 2000 characters).' })
  reason!: string;
}
