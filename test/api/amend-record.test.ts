/**
 * Record amendments through the API on the real stack: the writer (a provider under a write consent,
 * the patient, a guardian) sends new content, the API stores it as the next version under a new data
 * key and salt and returns the amendRecord transaction, the writer sends it, and the record's versions
 * show the chain of commitments, each version checked against its own on-chain commitment. Requests
 * that cannot become a valid amendment are refused with the field to fix, and write nothing.
 */
import type { Signer } from 'ethers';
import mongoose from 'mongoose';
import { DATABASE_NAME } from '../../api/src/app/server';
import { fhir } from '../fixtures/fhir';
import { ApiClient, type GraphQLResponse } from '../../stack/demo/api-client';
import type { ApiStack } from './support/api-stack';
import { addRecord, useSeededStack, type Seeded } from './support/seed';

jest.setTimeout(300_000);

const AMEND = `mutation ($input: AmendRecordInput!) {
  amendRecord(input: $input) { recordId version commitment previousCommitment transaction { to data chainId } }
}`;

const RECORD = `query ($id: Bytes32!) {
  record(id: $id) {
    version commitment integrity content
    versions { version commitment previousCommitment author integrity }
  }
}`;

interface Amendment {
  amendRecord: { recordId: string; version: number; commitment: string; previousCommitment: string; transaction: { to: string; data: string; chainId: number } };
}
interface RecordAnswer {
  record: {
    version: number;
    commitment: string;
    integrity: string;
    content: { valueQuantity?: { value: number }; note?: { text: string }[] };
    versions: { version: number; commitment: string; previousCommitment: string | null; author: string; integrity: string }[];
  };
}

describe('amendRecord', () => {
  const state = useSeededStack();
  let stack: ApiStack;
  let seeded: Seeded;
  beforeAll(() => {
    ({ stack, seeded } = state);
  });

  const as = (signer: Signer) => new ApiClient(stack.url).signIn(signer);

  async function current(client: ApiClient, id: string): Promise<RecordAnswer['record']> {
    const answer = await client.graphql<RecordAnswer>(RECORD, { id });
    expect(answer.errors).toBeUndefined();
    return answer.data!.record;
  }

  /** Amends through the API as `writer` and sends the returned transaction from the writer's wallet. */
  async function amendAndSend(writer: Signer, id: string, content: unknown): Promise<Amendment['amendRecord']> {
    const client = await as(writer);
    const { commitment } = await current(client, id);
    const answer = await client.graphql<Amendment>(AMEND, { input: { recordId: id, currentCommitment: commitment, content } });
    expect(answer.errors).toBeUndefined();
    const { transaction } = answer.data!.amendRecord;
    await (await writer.sendTransaction({ to: transaction.to, data: transaction.data })).wait();
    await stack.indexed();
    return answer.data!.amendRecord;
  }

  /** The number of versions stored off-chain: what a refused amendment must leave unchanged. */
  async function storedVersions(id: string): Promise<number> {
    return (await stack.server.services.records.summaries([id]))[0]!.currentVersion;
  }

  function expectRefused(answer: GraphQLResponse, code: string, field: string): void {
    expect(answer.data).toBeNull();
    expect(answer.errors?.[0]?.extensions).toMatchObject({ code, field });
  }

  it("lets the provider amend a clinician's version and the patient or a guardian only their own, showing every version verified against its own commitment", async () => {
    const { provider, patient, guardian } = stack.system;
    const id = seeded.observations[0]!;
    const original = await current(await as(provider), id);

    const corrected = fhir.observationGlucose();
    corrected.valueQuantity.value = 101;
    const byProvider = await amendAndSend(provider, id, corrected);
    expect(byProvider).toMatchObject({ recordId: id, version: 2, previousCommitment: original.commitment });
    expect(byProvider.transaction).toMatchObject({ to: stack.system.deployment.contracts.RecordRegistry.address, chainId: stack.system.deployment.chainId });

    // The patient and a guardian cannot rewrite the clinician's version: refused before anything is stored.
    const annotated = { ...fhir.observationGlucose(), note: [{ text: 'Fasting sample.' }] };
    for (const writer of [patient, guardian]) {
      const answer = await (await as(writer)).graphql(AMEND, { input: { recordId: id, currentCommitment: byProvider.commitment, content: annotated } });
      expect(answer.errors?.map((error) => error.extensions?.code)).toEqual(['FORBIDDEN']);
      expect(answer.errors?.[0]?.message).toMatch(/A clinician wrote the record's current version[\s\S]*amendment request/);
    }
    expect(await storedVersions(id)).toBe(2);

    const byProviderAgain = await amendAndSend(provider, id, annotated);
    const confirmed = await amendAndSend(provider, id, { ...annotated, note: [{ text: 'Fasting sample, confirmed.' }] });

    const record = await current(await as(provider), id);
    expect(record).toMatchObject({ version: 4, commitment: confirmed.commitment, integrity: 'VERIFIED' });
    expect(record.content.note).toEqual([{ text: 'Fasting sample, confirmed.' }]);
    expect(record.versions).toEqual([
      { version: 1, commitment: original.commitment, previousCommitment: null, author: provider.address.toLowerCase(), integrity: 'VERIFIED' },
      { version: 2, commitment: byProvider.commitment, previousCommitment: original.commitment, author: provider.address.toLowerCase(), integrity: 'VERIFIED' },
      { version: 3, commitment: byProviderAgain.commitment, previousCommitment: byProvider.commitment, author: provider.address.toLowerCase(), integrity: 'VERIFIED' },
      { version: 4, commitment: confirmed.commitment, previousCommitment: byProviderAgain.commitment, author: provider.address.toLowerCase(), integrity: 'VERIFIED' },
    ]);
    // Same content, new salt: a fresh commitment, so a version cannot be recognised by its content.
    const again = await amendAndSend(provider, id, { ...annotated, note: [{ text: 'Fasting sample, confirmed.' }] });
    expect(again.commitment).not.toBe(confirmed.commitment);

    // A record the patient wrote stays the patient's and the guardian's to amend.
    const ownId = await addRecord(stack, patient, patient.address, fhir.conditionAsthma());
    await stack.indexed();
    const byPatient = await amendAndSend(patient, ownId, { ...fhir.conditionAsthma(), note: [{ text: 'Since childhood.' }] });
    const byGuardian = await amendAndSend(guardian, ownId, { ...fhir.conditionAsthma(), note: [{ text: 'Since childhood, per her mother.' }] });
    expect([byPatient.version, byGuardian.version]).toEqual([2, 3]);
    const own = await current(await as(patient), ownId);
    expect(own.versions.map((version) => version.author)).toEqual([patient, patient, guardian].map((signer) => signer.address.toLowerCase()));
  });

  it('replaces an amendment that was prepared but never sent', async () => {
    const { provider } = stack.system;
    const id = seeded.observations[1]!;
    const client = await as(provider);
    const { commitment } = await current(client, id);
    const abandoned = fhir.observationGlucose();
    abandoned.valueQuantity.value = 150;
    const first = await client.graphql<Amendment>(AMEND, { input: { recordId: id, currentCommitment: commitment, content: abandoned } });
    expect(first.errors).toBeUndefined();
    // Its transaction is never sent: the chain stays at version 1, and the next amendment replaces it.
    const kept = fhir.observationGlucose();
    kept.valueQuantity.value = 120;
    const sent = await amendAndSend(provider, id, kept);
    expect(sent).toMatchObject({ version: 2, previousCommitment: commitment });
    const record = await current(client, id);
    expect(record).toMatchObject({ version: 2, integrity: 'VERIFIED', content: { valueQuantity: { value: 120 } } });
    expect(record.versions.map((version) => version.integrity)).toEqual(['VERIFIED', 'VERIFIED']);
    expect(await storedVersions(id)).toBe(2);
  });

  it('refuses a stale currentCommitment with CONFLICT naming it, and writes nothing', async () => {
    const { provider } = stack.system;
    const id = seeded.observations[0]!;
    const record = await current(await as(provider), id);
    const stale = record.versions[0]!.commitment;
    const before = await storedVersions(id);
    const answer = await (await as(provider)).graphql(AMEND, { input: { recordId: id, currentCommitment: stale, content: fhir.observationGlucose() } });
    expectRefused(answer, 'CONFLICT', 'input.currentCommitment');
    expect(answer.errors![0]!.message).toContain(`version ${record.version}`);
    expect(await storedVersions(id)).toBe(before);
  });

  it('refuses content of another category with BAD_USER_INPUT naming it, and writes nothing', async () => {
    const { provider } = stack.system;
    const id = seeded.observations[2]!;
    const { commitment } = await current(await as(provider), id);
    const answer = await (await as(provider)).graphql(AMEND, { input: { recordId: id, currentCommitment: commitment, content: fhir.conditionAsthma() } });
    expectRefused(answer, 'BAD_USER_INPUT', 'input.content.resourceType');
    expect(await storedVersions(id)).toBe(1);
  });

  it('refuses invalid FHIR content with the offending field, and writes nothing', async () => {
    const { provider } = stack.system;
    const id = seeded.observations[2]!;
    const { commitment } = await current(await as(provider), id);
    const answer = await (await as(provider)).graphql(AMEND, { input: { recordId: id, currentCommitment: commitment, content: fhir.invalidObservation() } });
    expect(answer.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(String(answer.errors?.[0]?.extensions?.field)).toMatch(/^input\.content\./);
    expect(await storedVersions(id)).toBe(1);
  });

  it('refuses to amend an erased record with CONFLICT, and writes nothing', async () => {
    const { patient } = stack.system;
    const id = await addRecord(stack, patient, patient.address, fhir.conditionAsthma());
    await stack.indexed();
    const client = await as(patient);
    const { commitment } = await current(client, id);
    const erased = await client.graphql<{ eraseRecord: { transaction: { to: string; data: string } } }>(
      `mutation ($id: Bytes32!) { eraseRecord(id: $id) { transaction { to data } } }`,
      { id },
    );
    expect(erased.errors).toBeUndefined();
    // Erased off-chain already (the keys are gone), not yet on-chain: the data layer refuses.
    const early = await client.graphql(AMEND, { input: { recordId: id, currentCommitment: commitment, content: fhir.conditionAsthma() } });
    expectRefused(early, 'CONFLICT', 'input.recordId');
    const { transaction } = erased.data!.eraseRecord;
    await (await patient.sendTransaction({ to: transaction.to, data: transaction.data })).wait();
    // Erased on-chain too: the chain refuses before anything is stored.
    const late = await client.graphql(AMEND, { input: { recordId: id, currentCommitment: commitment, content: fhir.conditionAsthma() } });
    expectRefused(late, 'CONFLICT', 'input.recordId');
    expect((await stack.server.services.records.summaries([id]))[0]!).toMatchObject({ status: 'erased', currentVersion: 1 });
    // The commitments stay (they are public on-chain); nothing is left to check them against.
    await stack.indexed();
    const record = await current(client, id);
    expect(record).toMatchObject({ integrity: 'ERASED', content: null });
    expect(record.versions).toEqual([expect.objectContaining({ version: 1, commitment, integrity: 'ERASED' })]);
  });

  it('refuses writers without a write consent for the record’s category, and unknown records', async () => {
    const { researcher, provider } = stack.system;
    const condition = seeded.condition;
    const before = await storedVersions(condition);
    const { commitment } = await current(await as(stack.system.patient), condition);
    // The provider's consent covers Observation only; the researcher holds none.
    for (const writer of [provider, researcher]) {
      const answer = await (await as(writer)).graphql(AMEND, { input: { recordId: condition, currentCommitment: commitment, content: fhir.conditionAsthma() } });
      expect(answer.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    }
    expect(await storedVersions(condition)).toBe(before);

    const unknown = await (await as(provider)).graphql(AMEND, { input: { recordId: `0x${'ab'.repeat(32)}`, currentCommitment: commitment, content: fhir.observationGlucose() } });
    expect(unknown.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const malformed = await (await as(stack.system.patient)).graphql(AMEND, { input: { recordId: condition, currentCommitment: 'latest', content: fhir.conditionAsthma() } });
    expect(malformed.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.currentCommitment' });
  });

  it('reports an altered old version as TAMPERED, and only that version', async () => {
    const id = seeded.observations[0]!;
    // Someone with database access flips one byte of version 2's stored ciphertext.
    const connection = await mongoose.createConnection(stack.mongo.clientUri(DATABASE_NAME)).asPromise();
    try {
      const records = connection.collection<{ recordId: string; versions: { ciphertext: mongoose.mongo.Binary }[] }>('records');
      const stored = await records.findOne({ recordId: id });
      const bytes = Buffer.from(stored!.versions[1]!.ciphertext.buffer);
      bytes[0] = bytes[0]! ^ 0xff;
      expect((await records.updateOne({ recordId: id }, { $set: { 'versions.1.ciphertext': new mongoose.mongo.Binary(bytes) } })).modifiedCount).toBe(1);
    } finally {
      await connection.close();
    }
    const record = await current(await as(stack.system.provider), id);
    expect(record.versions.map((version) => version.integrity)).toEqual(['VERIFIED', 'TAMPERED', 'VERIFIED', 'VERIFIED', 'VERIFIED']);
    expect(record.integrity).toBe('VERIFIED');
  });
});
