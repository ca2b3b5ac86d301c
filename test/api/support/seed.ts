/**
 * Demo data for the API tests, made the way users make it: profiles through the API, consents and
 * records as real transactions (records prepared by the API, anchored by the writer's own transaction).
 */
import { time } from '@nomicfoundation/hardhat-network-helpers';
import type { Signer } from 'ethers';
import { code16, code32, READ, WRITE } from '../../fixtures/deploy';
import { fhir } from '../../fixtures/fhir';
import { ApiClient } from '../../../stack/demo/api-client';
import { startApiStack, type ApiStack } from './api-stack';

export interface PreparedRecordAnswer {
  prepareRecord: { recordId: string; commitment: string; transaction: { to: string; data: string } };
}

/** Prepares a record through the API as `writer` and anchors it with the writer's transaction. */
export async function addRecord(stack: ApiStack, writer: Signer, patient: string, content: { resourceType: string }): Promise<string> {
  const client = await new ApiClient(stack.url).signIn(writer);
  const answer = await client.graphql<PreparedRecordAnswer>(
    `mutation ($input: PrepareRecordInput!) { prepareRecord(input: $input) { recordId commitment transaction { to data } } }`,
    { input: { patient, category: content.resourceType, content } },
  );
  if (answer.errors) throw new Error(`prepareRecord failed: ${JSON.stringify(answer.errors)}`);
  const { transaction, recordId } = answer.data!.prepareRecord;
  await (await writer.sendTransaction({ to: transaction.to, data: transaction.data })).wait();
  return recordId;
}

export interface Seeded {
  /** Observation records of the patient written by the provider under its write consent. */
  observations: string[];
  /** A Condition record the patient wrote. */
  condition: string;
}

/**
 * Profiles for the patient, provider and researcher; the patient grants the provider read and write on
 * Observation for treatment; the provider writes `observations` Observation records, the patient one
 * Condition record. Waits until the subgraph has indexed it all.
 */
export async function seed(stack: ApiStack, options: { observations?: number } = {}): Promise<Seeded> {
  const { consents, patient, provider, researcher } = stack.system;
  const patientClient = await new ApiClient(stack.url).signIn(patient);
  await patientClient.graphql(`mutation { updatePatientProfile(input: { displayName: "Ada Lovelace", email: "ada@example.org", birthDate: "1985-05-03T00:00:00.000Z" }) { displayName } }`);
  const providerClient = await new ApiClient(stack.url).signIn(provider);
  await providerClient.graphql(`mutation { updateProviderProfile(input: { displayName: "Dr. Grace Hopper", organization: "General Hospital", specialty: "Endocrinology" }) { displayName } }`);
  const researcherClient = await new ApiClient(stack.url).signIn(researcher);
  await researcherClient.graphql(`mutation { updateResearcherProfile(input: { displayName: "Dr. Alan Turing", institution: "Institute" }) { displayName } }`);

  const expiresAt = BigInt(await time.latest()) + 30n * 86_400n;
  await (
    await consents.connect(patient).grantConsent({
      patient: patient.address,
      grantee: provider.address,
      scope: code32('Observation'),
      access: READ | WRITE,
      purpose: code16('TREAT'),
      expiresAt,
    })
  ).wait();

  const observations: string[] = [];
  for (let i = 0; i < (options.observations ?? 3); i += 1) {
    const content = fhir.observationGlucose();
    content.valueQuantity.value = 90 + i;
    observations.push(await addRecord(stack, provider, patient.address, content));
  }
  const condition = await addRecord(stack, patient, patient.address, fhir.conditionAsthma());
  await stack.indexed();
  return { observations, condition };
}

/**
 * Starts the API stack and seeds it before the file's tests, and stops it after them. The returned
 * object's `stack` and `seeded` are set once `beforeAll` has run.
 */
export function useSeededStack(options: { observations?: number } = {}): { stack: ApiStack; seeded: Seeded } {
  const state = {} as { stack: ApiStack; seeded: Seeded };
  beforeAll(async () => {
    state.stack = await startApiStack();
    state.seeded = await seed(state.stack, options);
  });
  afterAll(async () => {
    await state.stack?.stop();
  });
  return state;
}
