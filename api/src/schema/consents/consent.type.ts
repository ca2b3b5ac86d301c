import { Field, ID, InputType, Int, ObjectType } from 'type-graphql';
import { GraphQLJSON } from 'graphql-scalars';
import { Address } from '../../graphql/scalars';

@ObjectType({ description: 'A consent of a patient to a grantee for a scope, as the index has it at the request block.' })
export class Consent {
  @Field(() => ID, { description: 'keccak256(abi.encode(patient, grantee, scope)).' })
  id!: string;

  @Field(() => String)
  patient!: string;

  @Field(() => String)
  grantee!: string;

  @Field({ description: 'A data category, or * for all.' })
  scope!: string;

  @Field({ description: 'Whether it allows reading.' })
  canRead!: boolean;

  @Field({ description: 'Whether it allows writing.' })
  canWrite!: boolean;

  @Field({ description: 'HL7 v3 PurposeOfUse code.' })
  purpose!: string;

  @Field(() => Date, { nullable: true, description: 'When it ends; null when revoked.' })
  expiresAt!: Date | null;

  @Field({ description: 'Revoked (until granted again).' })
  revoked!: boolean;

  @Field({ description: 'Not revoked and not expired at the request block.' })
  active!: boolean;

  @Field(() => String, { description: 'Who granted it last: the patient or a guardian.' })
  grantedBy!: string;

  @Field({ description: 'Granted from an EIP-712 signature sent by a relayer.' })
  viaSignature!: boolean;

  @Field(() => Date)
  updatedAt!: Date;

  @Field(() => String, { description: 'The transaction of the last grant, renewal or revocation.' })
  transactionHash!: string;

  @Field(() => Int, { description: 'The block of that transaction.' })
  blockNumber!: number;
}

@ObjectType({ description: 'A guardian appointment.' })
export class GuardianLink {
  @Field(() => String)
  patient!: string;

  @Field(() => String)
  guardian!: string;

  @Field(() => Date, { nullable: true, description: 'When the appointment ends; null: never.' })
  expiresAt!: Date | null;

  @Field({ description: 'Appointed and not expired at the request block.' })
  active!: boolean;

  @Field(() => Date)
  appointedAt!: Date;
}

@InputType({ description: 'The terms of a consent, as ConsentManager.ConsentTerms.' })
export class ConsentTermsInput {
  @Field(() => Address, { description: "The patient's address (the signer)." })
  patient!: string;

  @Field(() => Address, { description: 'Who receives access.' })
  grantee!: string;

  @Field({ description: 'A data category, or * for all.' })
  scope!: string;

  @Field({ defaultValue: true })
  read!: boolean;

  @Field({ defaultValue: false })
  write!: boolean;

  @Field({ description: 'HL7 v3 PurposeOfUse code, e.g. TREAT.' })
  purpose!: string;

  @Field(() => Date, { description: 'When the consent ends.' })
  expiresAt!: Date;
}

@ObjectType({ description: 'EIP-712 typed data for the patient to sign (eth_signTypedData_v4), and what to relay.' })
export class ConsentTypedData {
  @Field(() => GraphQLJSON, { description: 'domain, types, primaryType and message, ready for eth_signTypedData_v4.' })
  typedData!: unknown;

  @Field(() => Date, { description: 'Last moment the signature can be relayed.' })
  deadline!: Date;

  @Field(() => String, { description: "The patient's current consent nonce (part of the message)." })
  nonce!: string;
}

@InputType({ description: 'A signed consent to relay with the server key.' })
export class RelayConsentInput {
  @Field(() => ConsentTermsInput)
  terms!: ConsentTermsInput;

  @Field(() => Date, { description: 'The deadline that was signed.' })
  deadline!: Date;

  @Field(() => String, { description: "The patient's signature of the typed data (0x hex)." })
  signature!: string;
}

@ObjectType({ description: 'A relayed consent, mined.' })
export class RelayedConsent {
  @Field(() => ID)
  consentId!: string;

  @Field(() => String)
  transactionHash!: string;

  @Field(() => Int)
  blockNumber!: number;
}
