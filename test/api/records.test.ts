/**
 * Records through the API end to end: prepared by the API, anchored by the writer, indexed by
 * graph-node, read back with integrity, content reads audit-logged, and a consent revoked
 * on-chain taking effect on the very next request.
 */
import mongoose from 'mongoose';
import { DATABASE_NAME } from '../../api/src/app/server';
import { code32 } from '../fixtures/deploy';
import { ApiClient } from '../../stack/demo/api-client';
import type { ApiStack } from './support/api-stack';
import { useSeededStack, type Seeded } from './support/seed';

jest.setTimeout(300_000);

const RECORDS = `query ($patient: Address!, $category: String) {
  records(patient: $patient, category: $category, first: 50) {
    nodes { id category version integrity commitment author { address kind status providerProfile { displayName organization } } }
    pageInfo { hasNextPage endCursor }
  }
}`;

describe('records', () => {
  const state = useSeededStack();
  let stack: ApiStack;
  let seeded: Seeded;
  beforeAll(() => {
    ({ stack, seeded } = state);
  });

  it('lists a patient\'s records in a category with integrity and the authors\' directory profiles', async () => {
    const { patient, provider } = stack.system;
    const client = await new ApiClient(stack.url).signIn(provider);
    const answer = await client.graphql<{ records: { nodes: Record<string, unknown>[] } }>(RECORDS, { patient: patient.address, category: 'Observation' });
    expect(answer.errors).toBeUndefined();
    const nodes = answer.data!.records.nodes;
    expect(nodes.map((node) => node.id).sort()).toEqual([...seeded.observations].sort());
    for (const node of nodes) {
      expect(node).toMatchObject({
        category: 'Observation',
        version: 1,
        integrity: 'VERIFIED',
        author: { address: provider.address.toLowerCase(), kind: 'PROVIDER', status: 'VERIFIED', providerProfile: { displayName: 'Dr. Grace Hopper', organization: 'General Hospital' } },
      });
    }
  });

  it('titles each record by what its content says, and audits that read like any content read', async () => {
    const { patient, researcher } = stack.system;
    const client = await new ApiClient(stack.url).signIn(patient);
    const answer = await client.data<{ records: { nodes: { id: string; title: string | null }[] } }>(
      `query ($patient: Address!) { records(patient: $patient, first: 50) { nodes { id title(purpose: "TREAT") } } }`,
      { patient: patient.address },
    );
    const titles = new Map(answer.records.nodes.map((node) => [node.id, node.title]));
    expect(titles.get(seeded.condition)).toBe('Moderate persistent asthma');
    expect(titles.get(seeded.observations[0]!)).toBe('Blood glucose, fasting');
    const trail = await client.data<{ patient: { auditTrail: { nodes: { actor: string; recordId: string }[] } } }>(
      `query ($p: Address!) { patient(address: $p) { auditTrail(first: 50) { nodes { actor recordId } } } }`,
      { p: patient.address },
    );
    expect(trail.patient.auditTrail.nodes).toContainEqual({ actor: patient.address.toLowerCase(), recordId: seeded.condition });
    // Without a read consent for the category, no title either.
    const refused = await (await new ApiClient(stack.url).signIn(researcher)).graphql(`query ($id: Bytes32!) { record(id: $id) { title } }`, { id: seeded.condition });
    expect(refused.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('returns the decrypted content and writes the audit entry first', async () => {
    const { patient, provider } = stack.system;
    const client = await new ApiClient(stack.url).signIn(provider);
    const recordId = seeded.observations[0]!;
    const answer = await client.graphql<{ record: { content: { resourceType: string; valueQuantity: { value: number } } } }>(
      `query ($id: Bytes32!) { record(id: $id) { id content(purpose: "TREAT") } }`,
      { id: recordId },
    );
    expect(answer.errors).toBeUndefined();
    expect(answer.data!.record.content.resourceType).toBe('Observation');
    expect(answer.data!.record.content.valueQuantity.value).toBe(90);

    const patientClient = await new ApiClient(stack.url).signIn(patient);
    const trail = await patientClient.graphql<{ patient: { auditTrail: { nodes: { actor: string; recordId: string; purpose: string; decision: string }[] } } }>(
      `query ($address: Address!) { patient(address: $address) { auditTrail(first: 10) { nodes { actor recordId purpose decision } } } }`,
      { address: patient.address },
    );
    expect(trail.errors).toBeUndefined();
    expect(trail.data!.patient.auditTrail.nodes).toContainEqual({
      actor: provider.address.toLowerCase(),
      recordId,
      purpose: 'TREAT',
      decision: 'ALLOWED',
    });
  });

  it('reports a tampered record', async () => {
    const { patient } = stack.system;
    const recordId = seeded.observations[2]!;
    // Someone with database access flips one byte of the stored ciphertext.
    const connection = await mongoose.createConnection(stack.mongo.clientUri(DATABASE_NAME)).asPromise();
    try {
      const records = connection.collection<{ recordId: string; versions: { ciphertext: mongoose.mongo.Binary }[] }>('records');
      const stored = await records.findOne({ recordId });
      const bytes = Buffer.from(stored!.versions[0]!.ciphertext.buffer);
      bytes[0] = bytes[0]! ^ 0xff;
      const result = await records.updateOne({ recordId }, { $set: { 'versions.0.ciphertext': new mongoose.mongo.Binary(bytes) } });
      expect(result.modifiedCount).toBe(1);
    } finally {
      await connection.close();
    }
    const client = await new ApiClient(stack.url).signIn(patient);
    const answer = await client.graphql<{ record: { integrity: string } }>(`query ($id: Bytes32!) { record(id: $id) { integrity } }`, { id: recordId });
    expect(answer.data?.record.integrity).toBe('TAMPERED');
  });

  it('stops serving a provider on the request after the consent is revoked on-chain', async () => {
    const { patient, provider, consents } = stack.system;
    const client = await new ApiClient(stack.url).signIn(provider);
    const before = await client.graphql(RECORDS, { patient: patient.address, category: 'Observation' });
    expect(before.errors).toBeUndefined();
    await (await consents.connect(patient).revokeConsent(patient.address, provider.address, code32('Observation'))).wait();
    // No waiting for the indexer: the decision reads the contract at the latest block.
    const after = await client.graphql(RECORDS, { patient: patient.address, category: 'Observation' });
    expect(after.data).toBeNull();
    expect(after.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
});
