import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { PageInfo } from '../../graphql/pagination';

export enum MemberKind {
  NONE = 'NONE',
  PROVIDER = 'PROVIDER',
  RESEARCHER = 'RESEARCHER',
}
registerEnumType(MemberKind, { name: 'MemberKind', description: 'What an account is in the provider directory.' });

export enum MemberStatus {
  NONE = 'NONE',
  VERIFIED = 'VERIFIED',
  SUSPENDED = 'SUSPENDED',
}
registerEnumType(MemberStatus, { name: 'MemberStatus', description: 'Where a directory member stands.' });

@ObjectType({ description: 'The public directory profile of a provider (from MongoDB).' })
export class ProviderProfile {
  @Field({ description: 'Name shown to patients.' })
  displayName!: string;

  @Field({ description: 'Hospital, practice or laboratory.' })
  organization!: string;

  @Field(() => String, { nullable: true })
  specialty?: string | null;
}

@ObjectType({ description: 'The public directory profile of a researcher (from MongoDB).' })
export class ResearcherProfile {
  @Field()
  displayName!: string;

  @Field()
  institution!: string;

  @Field(() => String, { nullable: true })
  researchArea?: string | null;

  @Field(() => String, { nullable: true, description: 'ORCID iD.' })
  orcid?: string | null;
}

/**
 * An Ethereum account as the directory and the index know it: providers, researchers and authors of
 * records. Its personal data, if any, is under `Patient`.
 */
@ObjectType({ description: 'An account in the provider directory, or an author of records.' })
export class Account {
  @Field(() => ID, { description: 'The address, lowercase hex.' })
  address!: string;

  @Field(() => MemberKind, { description: 'Directory kind (from the subgraph).' })
  kind!: MemberKind;

  @Field(() => MemberStatus, { description: 'Directory status (from the subgraph).' })
  status!: MemberStatus;

  @Field(() => Date, { nullable: true, description: 'When the directory entry last changed.' })
  memberSince!: Date | null;

  /** Not in the schema: the provider profile when a list loaded it ahead (null: none). */
  prefetchedProviderProfile?: ProviderProfile | null;
}

@ObjectType({ description: 'A page of directory members.' })
export class AccountConnection {
  @Field(() => [Account])
  nodes!: Account[];

  @Field(() => PageInfo)
  pageInfo!: PageInfo;
}

/** An Account from the subgraph's Account entity, or a plain account the index has not seen. */
export function accountOf(
  address: string,
  indexed: { memberKind: string; memberStatus: string; memberUpdatedAt?: string | null } | null,
): Account {
  return {
    address,
    kind: (indexed?.memberKind as MemberKind | undefined) ?? MemberKind.NONE,
    status: (indexed?.memberStatus as MemberStatus | undefined) ?? MemberStatus.NONE,
    memberSince: indexed?.memberUpdatedAt ? new Date(Number(indexed.memberUpdatedAt) * 1000) : null,
  };
}
