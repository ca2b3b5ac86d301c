import { Schema, type Connection, type Model, type SchemaTypeOptions } from 'mongoose';
import { ADDRESS_PATTERN } from '../database/validation';

/**
 * Off-chain profiles. Nothing the chain holds is repeated here: whether a provider or researcher is
 * verified or suspended, and who is whose guardian, are read from the contracts.
 */
export const PROFILE_KINDS = ['patient', 'provider', 'researcher'] as const;
export type ProfileKind = (typeof PROFILE_KINDS)[number];

interface ProfileBase {
  kind: ProfileKind;
  /** The account the profile describes, lowercase hex. */
  address: string;
  displayName: string;
  email?: string;
  createdAt: Date;
  updatedAt: Date;
}

export interface PatientProfile extends ProfileBase {
  kind: 'patient';
  birthDate?: Date;
  /** BCP 47 language tag, e.g. `en` or `de-CH`. */
  preferredLanguage?: string;
}

export interface ProviderProfile extends ProfileBase {
  kind: 'provider';
  organization: string;
  specialty?: string;
  phone?: string;
}

export interface ResearcherProfile extends ProfileBase {
  kind: 'researcher';
  institution: string;
  researchArea?: string;
  /** ORCID iD, e.g. 0000-0002-1825-0097. */
  orcid?: string;
}

export type Profile = PatientProfile | ProviderProfile | ResearcherProfile;

const EMAIL_PATTERN = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const LANGUAGE_PATTERN = /^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/;
const PHONE_PATTERN = /^\+?[0-9 ()-]{5,20}$/;
const ORCID_PATTERN = /^\d{4}-\d{4}-\d{4}-\d{3}[\dX]$/;

function text(label: string, max: number, required = false): SchemaTypeOptions<string> {
  return {
    type: String,
    trim: true,
    required: required ? [true, `${label} is required`] : false,
    minlength: [1, `${label} must not be empty`],
    maxlength: [max, `${label} must be at most ${max} characters`],
  };
}

const profileSchema = new Schema<ProfileBase>(
  {
    address: {
      type: String,
      required: [true, 'address is required'],
      lowercase: true,
      match: [ADDRESS_PATTERN, 'address must be a 0x-prefixed 20-byte hex address'],
      immutable: true,
    },
    displayName: text('displayName', 100, true),
    email: {
      type: String,
      trim: true,
      lowercase: true,
      maxlength: [254, 'email must be at most 254 characters'],
      match: [EMAIL_PATTERN, 'email must be an email address such as name@example.org'],
    },
  },
  { discriminatorKey: 'kind', timestamps: true, collection: 'profiles', strict: 'throw' },
);
// One profile per account and kind: a provider can also be a patient.
profileSchema.index({ address: 1, kind: 1 }, { unique: true });
// Emergency access finds a patient by exact name and birth date (equality on all three).
profileSchema.index({ kind: 1, displayName: 1, birthDate: 1 });

const patientSchema = new Schema<PatientProfile>({
  birthDate: {
    type: Date,
    validate: {
      validator: (value: Date) => value.getTime() <= Date.now() && value.getUTCFullYear() >= 1900,
      message: 'birthDate must be a date between 1900 and today',
    },
  },
  preferredLanguage: {
    type: String,
    trim: true,
    match: [LANGUAGE_PATTERN, 'preferredLanguage must be a BCP 47 language tag such as en or de-CH'],
  },
});

const providerSchema = new Schema<ProviderProfile>({
  organization: text('organization', 200, true),
  specialty: text('specialty', 100),
  phone: { type: String, trim: true, match: [PHONE_PATTERN, 'phone must be a phone number such as +41 44 123 45 67'] },
});

const researcherSchema = new Schema<ResearcherProfile>({
  institution: text('institution', 200, true),
  researchArea: text('researchArea', 200),
  orcid: { type: String, trim: true, match: [ORCID_PATTERN, 'orcid must be an ORCID iD such as 0000-0002-1825-0097'] },
});

export interface ProfileModels {
  Profile: Model<ProfileBase>;
  patient: Model<PatientProfile>;
  provider: Model<ProviderProfile>;
  researcher: Model<ResearcherProfile>;
}

/** The profile models bound to `connection` (registered once per connection). */
export function profileModels(connection: Connection): ProfileModels {
  // Mongoose's generic discriminator types make the compiler search a huge type space; the models are
  // typed by the interfaces above instead.
  const existing = connection.models.Profile as unknown as Model<unknown> | undefined;
  const base: Model<unknown> = existing ?? (connection.model('Profile', profileSchema as Schema) as unknown as Model<unknown>);
  const discriminator = (name: string, schema: Schema, value: ProfileKind): unknown =>
    base.discriminators?.[name] ?? base.discriminator(name, schema, value);
  return {
    Profile: base as unknown as Model<ProfileBase>,
    patient: discriminator('PatientProfile', patientSchema as Schema, 'patient') as Model<PatientProfile>,
    provider: discriminator('ProviderProfile', providerSchema as Schema, 'provider') as Model<ProviderProfile>,
    researcher: discriminator('ResearcherProfile', researcherSchema as Schema, 'researcher') as Model<ResearcherProfile>,
  };
}
