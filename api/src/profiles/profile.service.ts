import type { Model } from 'mongoose';
import { findEach } from '../database/find-each';
import { normalizeAddress, translateWriteError } from '../database/validation';
import { BadInputError } from '../errors';
import {
  PROFILE_KINDS,
  type PatientProfile,
  type ProfileKind,
  type ProfileModels,
  type ProviderProfile,
  type ResearcherProfile,
} from './profile.model';

/** The fields a caller may set on each kind of profile (address and kind come from elsewhere). */
export interface ProfileInputs {
  patient: Partial<Pick<PatientProfile, 'displayName' | 'email' | 'birthDate' | 'preferredLanguage'>>;
  provider: Partial<Pick<ProviderProfile, 'displayName' | 'email' | 'organization' | 'specialty' | 'phone'>>;
  researcher: Partial<Pick<ResearcherProfile, 'displayName' | 'email' | 'institution' | 'researchArea' | 'orcid'>>;
}

export interface ProfileOf {
  patient: PatientProfile;
  provider: ProviderProfile;
  researcher: ResearcherProfile;
}

/** Reads and writes profiles. Every write is validated by the schema; bad input names its field. */
export class ProfileService {
  constructor(private readonly models: ProfileModels) {}

  private model<K extends ProfileKind>(kind: K): Model<ProfileOf[K]> {
    if (!PROFILE_KINDS.includes(kind)) {
      throw new BadInputError([{ field: 'kind', message: `must be one of ${PROFILE_KINDS.join(', ')}` }]);
    }
    return this.models[kind] as unknown as Model<ProfileOf[K]>;
  }

  /** Creates or updates the `kind` profile of `address` (one atomic upsert). */
  async saveProfile<K extends ProfileKind>(kind: K, address: string, input: ProfileInputs[K]): Promise<ProfileOf[K]> {
    const owner = normalizeAddress(address, 'address');
    const model = this.model(kind);
    const fields = Object.fromEntries(Object.entries(input).filter(([, value]) => value !== undefined));
    try {
      // A full document is validated on save, so a missing required field never reaches the database.
      const document = (await model.findOne({ address: owner, kind })) ?? new model({ address: owner });
      document.set(fields);
      await document.save();
      return document.toObject() as ProfileOf[K];
    } catch (error) {
      throw translateWriteError(error, `A ${kind} profile for ${owner} was created at the same time; retry.`);
    }
  }

  /** The `kind` profile of `address`, or null. */
  async getProfile<K extends ProfileKind>(kind: K, address: string): Promise<ProfileOf[K] | null> {
    const owner = normalizeAddress(address, 'address');
    return this.model(kind).findOne({ address: owner, kind }).lean<ProfileOf[K]>();
  }

  /** Patient profiles with exactly this name and birth date (at most `limit`): how emergency access finds a patient. */
  async findPatients(displayName: string, birthDate: Date, limit: number): Promise<ProfileOf['patient'][]> {
    return this.model('patient').find({ kind: 'patient', displayName: displayName.trim(), birthDate }).limit(limit).lean<ProfileOf['patient'][]>();
  }

  /** Profiles of many addresses in the order asked (null where none): the batch function of a DataLoader. */
  async getProfiles<K extends ProfileKind>(kind: K, addresses: readonly string[]): Promise<(ProfileOf[K] | null)[]> {
    const owners = addresses.map((address, index) => normalizeAddress(address, `addresses[${index}]`));
    const byAddress = await findEach(this.model(kind) as unknown as Model<ProfileOf[K]>, 'address', owners, { also: { kind } });
    return owners.map((owner) => byAddress.get(owner) ?? null);
  }

  /** Deletes the `kind` profile of `address`; returns whether one existed. */
  async deleteProfile(kind: ProfileKind, address: string): Promise<boolean> {
    const owner = normalizeAddress(address, 'address');
    const result = await this.model(kind).deleteOne({ address: owner, kind });
    return result.deletedCount === 1;
  }
}
