import { Field, ID, InputType, ObjectType } from 'type-graphql';

/** A patient: any account. Every field that returns personal or medical data has its own rule. */
@ObjectType({ description: "A patient's view: profile from MongoDB, guardians, consents, records and more from the chain." })
export class Patient {
  @Field(() => ID, { description: 'The address, lowercase hex.' })
  address!: string;
}

@ObjectType({ description: "A patient's personal profile (MongoDB). Readable by the patient, guardians and holders of a Patient-category read consent." })
export class PatientProfile {
  @Field()
  displayName!: string;

  @Field(() => String, { nullable: true })
  email?: string | null;

  @Field(() => Date, { nullable: true })
  birthDate?: Date | null;

  @Field(() => String, { nullable: true, description: 'BCP 47 language tag.' })
  preferredLanguage?: string | null;
}

@ObjectType({ description: 'The roles of the signed-in account, read from the contracts at the latest block.' })
export class Roles {
  @Field({ description: 'Verified, not suspended, in the provider directory.' })
  verifiedProvider!: boolean;

  @Field()
  verifiedResearcher!: boolean;

  @Field({ description: "Holds the directory's REGISTRAR_ROLE." })
  registrar!: boolean;

  @Field({ description: 'Holds DEFAULT_ADMIN_ROLE.' })
  admin!: boolean;

  @Field({ description: "Holds the audit anchor's AUDITOR_ROLE." })
  auditor!: boolean;
}

@ObjectType({ description: 'The signed-in account.' })
export class Viewer {
  @Field(() => ID)
  address!: string;

  @Field(() => Date, { description: 'When the session ends.' })
  sessionExpiresAt!: Date;
}

@InputType({ description: "Fields of the signed-in account's patient profile; omitted fields stay as they are." })
export class PatientProfileInput {
  @Field(() => String, { nullable: true })
  displayName?: string;

  @Field(() => String, { nullable: true })
  email?: string;

  @Field(() => Date, { nullable: true })
  birthDate?: Date;

  @Field(() => String, { nullable: true })
  preferredLanguage?: string;
}

@InputType({ description: "Fields of the signed-in provider's directory profile." })
export class ProviderProfileInput {
  @Field(() => String, { nullable: true })
  displayName?: string;

  @Field(() => String, { nullable: true })
  email?: string;

  @Field(() => String, { nullable: true })
  organization?: string;

  @Field(() => String, { nullable: true })
  specialty?: string;

  @Field(() => String, { nullable: true })
  phone?: string;
}

@InputType({ description: "Fields of the signed-in researcher's directory profile." })
export class ResearcherProfileInput {
  @Field(() => String, { nullable: true })
  displayName?: string;

  @Field(() => String, { nullable: true })
  email?: string;

  @Field(() => String, { nullable: true })
  institution?: string;

  @Field(() => String, { nullable: true })
  researchArea?: string;

  @Field(() => String, { nullable: true })
  orcid?: string;
}
