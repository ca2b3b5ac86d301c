import { Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { GraphQLJSON } from 'graphql-scalars';
import { Account, type ProviderProfile } from '../providers/account.type';
import { PageInfo } from '../../graphql/pagination';
import { Address, Bytes32 } from '../../graphql/scalars';

export enum Integrity {
  VERIFIED = 'VERIFIED',
  TAMPERED = 'TAMPERED',
  NOT_ANCHORED = 'NOT_ANCHORED',
  ERASED = 'ERASED',
}
registerEnumType(Integrity, {
  name: 'Integrity',
  description: "How a record's stored content compares with the commitment on the chain.",
  valuesConfig: {
    VERIFIED: { description: 'The decrypted content and salt hash to the current on-chain commitment.' },
    TAMPERED: { description: 'The stored content does not match the on-chain commitment (or cannot be decrypted).' },
    NOT_ANCHORED: { description: 'The record was prepared but its anchoring transaction is not indexed yet.' },
    ERASED: { description: 'The record was erased: its keys are destroyed and nothing is left to check.' },
  },
});

@ObjectType({ description: 'One version of a record: the anchor (version 1) or an amendment, from the chain.' })
export class RecordVersion {
  @Field(() => Int)
  version!: number;

  @Field(() => String, { description: 'keccak256(salt || canonical content) of this version.' })
  commitment!: string;

  @Field(() => String, { nullable: true, description: 'The commitment it replaced (null for version 1).' })
  previousCommitment!: string | null;

  @Field(() => String, { description: 'Who wrote it.' })
  author!: string;

  @Field(() => Int)
  blockNumber!: number;

  @Field(() => Date)
  at!: Date;

  @Field(() => String)
  transactionHash!: string;

  /** Not in the schema: the record it belongs to. */
  recordId!: string;
}

export enum VersionIntegrity {
  VERIFIED = 'VERIFIED',
  TAMPERED = 'TAMPERED',
  ERASED = 'ERASED',
}
registerEnumType(VersionIntegrity, {
  name: 'VersionIntegrity',
  description: "How a version's stored content compares with the commitment the chain recorded for that version.",
  valuesConfig: {
    VERIFIED: { description: "The decrypted content and salt hash to this version's on-chain commitment." },
    TAMPERED: { description: 'The stored version is missing, altered, or hashes to another commitment.' },
    ERASED: { description: 'The record was erased: its keys are destroyed and nothing is left to check.' },
  },
});

/** A health record: the chain's facts about it merged with its encrypted document in MongoDB. */
@ObjectType({ description: 'A health record. Its content is medical data: reading it is audit-logged first.' })
export class Record {
  @Field(() => ID, { description: 'The record id (32 bytes, hex).' })
  id!: string;

  @Field(() => String, { description: "The patient's address." })
  patient!: string;

  @Field({ description: 'Data category, e.g. a FHIR resource type such as Observation.' })
  category!: string;

  @Field(() => String, { description: 'Address that anchored the first version.' })
  authorAddress!: string;

  @Field(() => Int, { description: 'Current version (0 while not anchored).' })
  version!: number;

  @Field({ description: 'Whether the record was erased.' })
  erased!: boolean;

  @Field(() => String, { nullable: true, description: 'The current on-chain commitment (null while not anchored).' })
  commitment!: string | null;

  @Field(() => String, { nullable: true, description: 'The approved treatment it belongs to.' })
  treatmentId!: string | null;

  @Field(() => Date, { nullable: true, description: 'When it was anchored.' })
  createdAt!: Date | null;

  @Field(() => Date, { nullable: true, description: 'When it last changed on-chain.' })
  updatedAt!: Date | null;

  /** Not in the schema: where the record's facts came from. */
  anchored!: boolean;

  /** Not in the schema: the author's directory entry when the subgraph returned it with the record. */
  authorAccount?: { memberKind: string; memberStatus: string; memberUpdatedAt?: string | null } | null;

  /** Not in the schema: the author's provider profile, when the page loaded it ahead. */
  authorProviderProfile?: ProviderProfile | null;
}

@ObjectType({ description: 'A page of records.' })
export class RecordConnection {
  @Field(() => [Record])
  nodes!: Record[];

  @Field(() => PageInfo)
  pageInfo!: PageInfo;
}

@ObjectType({ description: 'A transaction the client signs and sends itself (MetaMask), unchanged.' })
export class PreparedTransaction {
  @Field(() => String, { description: 'Contract address.' })
  to!: string;

  @Field(() => String, { description: 'ABI-encoded call data.' })
  data!: string;

  @Field(() => Int)
  chainId!: number;
}

@ObjectType({ description: 'A record stored encrypted and ready to be anchored.' })
export class PreparedRecord {
  @Field(() => ID)
  recordId!: string;

  @Field(() => String, { description: 'The commitment the transaction anchors.' })
  commitment!: string;

  @Field(() => PreparedTransaction, { description: 'RecordRegistry.anchorRecord(...) to send.' })
  transaction!: PreparedTransaction;
}

@ObjectType({ description: 'A new version stored encrypted and ready to be anchored as an amendment.' })
export class PreparedAmendment {
  @Field(() => ID)
  recordId!: string;

  @Field(() => Int, { description: 'The version the transaction anchors.' })
  version!: number;

  @Field(() => String, { description: 'The new version\'s commitment.' })
  commitment!: string;

  @Field(() => String, { description: 'The commitment it replaces (the record\'s current one).' })
  previousCommitment!: string;

  @Field(() => PreparedTransaction, { description: 'RecordRegistry.amendRecord(...) for the writer to send.' })
  transaction!: PreparedTransaction;
}

@ObjectType({ description: 'A record whose off-chain content was destroyed; the chain still needs the erase transaction.' })
export class ErasedRecord {
  @Field(() => ID)
  recordId!: string;

  @Field(() => PreparedTransaction, { description: 'RecordRegistry.eraseRecord(...) for the patient or a guardian to send.' })
  transaction!: PreparedTransaction;
}

@InputType({ description: 'A new record: validated (FHIR R4 for clinical categories), encrypted and stored.' })
export class PrepareRecordInput {
  @Field(() => Address, { description: "The patient's address." })
  patient!: string;

  @Field({ description: 'Data category; for FHIR content, its resourceType.' })
  category!: string;

  @Field(() => GraphQLJSON, { description: 'The content: a FHIR R4 resource.' })
  content!: unknown;

  @Field(() => Bytes32, { nullable: true, description: 'An approved treatment of the patient to file it under.' })
  treatmentId?: string | null;
}

@InputType({ description: "A new version of an existing record: validated, encrypted with a new data key and salt, and stored." })
export class AmendRecordInput {
  @Field(() => Bytes32, { description: 'The record to amend.' })
  recordId!: string;

  @Field(() => Bytes32, { description: "The record's current on-chain commitment, as the writer last saw it (the version being amended)." })
  currentCommitment!: string;

  @Field(() => GraphQLJSON, { description: "The new content: a FHIR R4 resource of the record's resource type." })
  content!: unknown;

  @Field(() => Bytes32, {
    nullable: true,
    description: "An open amendment request this amendment accepts: the transaction is then acceptAmendment, which closes the request.",
  })
  requestId?: string | null;
}

export { Account };
