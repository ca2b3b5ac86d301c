/**
 * Amendment requests (45 CFR 164.526) through the API and the chain: the patient files a request to
 * correct a clinician's version (stored encrypted, its hash on-chain); the provider reads it (audited)
 * and accepts it by amending, or declines it with a reason the patient reads. Each refusal says why.
 */
import type { Signer } from 'ethers';
import { fhir } from '../fixtures/fhir';
import { ApiClient, type GraphQLResponse } from '../../stack/demo/api-client';
import type { ApiStack } from './support/api-stack';
import { useSeededStack, type Seeded } from './support/seed';

jest.setTimeout(300_000);

const REQUEST = `mutation ($input: RequestAmendmentInput!) { requestAmendment(input: $input) { requestId requestHash transaction { to data } } }`;
const DECLINE = `mutation ($input: DeclineAmendmentInput!) { declineAmendment(input: $input) { requestId reasonHash transaction { to data } } }`;
const AMEND = `mutation ($input: AmendRecordInput!) { amendRecord(input: $input) { version commitment transaction { to data } } }`;
const RECORD = `query ($id: Bytes32!) { record(id: $id) {
  version commitment clinicianVersion content(purpose: "TREAT")
  versions { version author }
  amendmentRequests { id requestedBy version status answeredBy answerVersion requestHash reasonHash details { reason proposedChange declineReason matchesChain } }
} }`;

interface RequestView {
  id: string;
  requestedBy: string;
  version: number;
  status: string;
  answeredBy: string | null;
  answerVersion: number | null;
  requestHash: string;
  reasonHash: string | null;
  details: { reason: string; proposedChange: { valueQuantity: { value: number } }; declineReason: string | null; matchesChain: boolean } | null;
}
interface RecordView {
  record: { version: number; commitment: string; clinicianVersion: boolean; content: unknown; versions: { version: number; author: string }[]; amendmentRequests: RequestView[] };
}

describe('amendment requests', () => {
  const state = useSeededStack();
  let stack: ApiStack;
  let seeded: Seeded;
  beforeAll(() => {
    ({ stack, seeded } = state);
  });
  const as = (signer: Signer) => new ApiClient(stack.url).signIn(signer);
  const lower = (signer: { address: string }) => signer.address.toLowerCase();

  async function view(client: ApiClient, id: string): Promise<RecordView['record']> {
    const answer = await client.graphql<RecordView>(RECORD, { id });
    expect(answer.errors).toBeUndefined();
    return answer.data!.record;
  }

  /** Sends the transaction an answer prepared from `signer`'s wallet and waits for the index. */
  async function send(signer: Signer, transaction: { to: string; data: string }): Promise<void> {
    await (await signer.sendTransaction(transaction)).wait();
    await stack.indexed();
  }

  function refusal(answer: GraphQLResponse): { code: unknown; field?: unknown; message: string } {
    expect(answer.errors).toHaveLength(1);
    const [error] = answer.errors!;
    return { code: error!.extensions?.code, field: error!.extensions?.field, message: error!.message };
  }

  it("files a request against a clinician's version, which the provider reads and accepts by amending", async () => {
    const { patient, provider } = stack.system;
    const id = seeded.observations[0]!;
    const patientClient = await as(patient);
    const before = await view(patientClient, id);
    expect(before.clinicianVersion).toBe(true);

    const proposed = fhir.observationGlucose();
    proposed.valueQuantity.value = 88;
    const filed = await patientClient.graphql<{ requestAmendment: { requestId: string; requestHash: string; transaction: { to: string; data: string } } }>(REQUEST, {
      input: { recordId: id, currentCommitment: before.commitment, proposedChange: proposed, reason: 'I read 88 on my own meter that morning.' },
    });
    expect(filed.errors).toBeUndefined();
    const { requestId, requestHash, transaction } = filed.data!.requestAmendment;
    await send(patient, transaction);

    const providerClient = await as(provider);
    const seen = await view(providerClient, id);
    expect(seen.amendmentRequests).toEqual([
      {
        id: requestId,
        requestedBy: lower(patient),
        version: 1,
        status: 'OPEN',
        answeredBy: null,
        answerVersion: null,
        requestHash,
        reasonHash: null,
        details: { reason: 'I read 88 on my own meter that morning.', proposedChange: proposed, declineReason: null, matchesChain: true },
      },
    ]);
    // The provider's read of the request is in the patient's audit trail, like a record read.
    const trail = await patientClient.data<{ patient: { auditTrail: { nodes: { actor: string; recordId: string }[] } } }>(
      `query ($p: Address!) { patient(address: $p) { auditTrail(first: 50) { nodes { actor recordId } } } }`,
      { p: patient.address },
    );
    expect(trail.patient.auditTrail.nodes).toContainEqual({ actor: lower(provider), recordId: requestId });

    const accepted = await providerClient.graphql<{ amendRecord: { version: number; transaction: { to: string; data: string } } }>(AMEND, {
      input: { recordId: id, currentCommitment: seen.commitment, content: seen.amendmentRequests[0]!.details!.proposedChange, requestId },
    });
    expect(accepted.errors).toBeUndefined();
    await send(provider, accepted.data!.amendRecord.transaction);

    const after = await view(patientClient, id);
    expect(after).toMatchObject({ version: 2, clinicianVersion: true, content: { valueQuantity: { value: 88 } } });
    expect(after.versions.map((version) => version.author)).toEqual([lower(provider), lower(provider)]);
    expect(after.amendmentRequests[0]).toMatchObject({ status: 'ACCEPTED', answeredBy: lower(provider), answerVersion: 2, details: { matchesChain: true } });

    // Answered once: accepting again is refused before anything is stored.
    const again = await providerClient.graphql(AMEND, { input: { recordId: id, currentCommitment: after.commitment, content: proposed, requestId } });
    expect(refusal(again)).toMatchObject({ code: 'CONFLICT', field: 'input.requestId' });
  });

  it('declines a request with a reason the patient reads, checked against the chain', async () => {
    const { patient, guardian, provider } = stack.system;
    const id = seeded.observations[1]!;
    const guardianClient = await as(guardian);
    const current = await view(guardianClient, id);
    const proposed = { ...fhir.observationGlucose(), note: [{ text: 'Taken after breakfast, not fasting.' }] };
    const filed = await guardianClient.data<{ requestAmendment: { requestId: string; transaction: { to: string; data: string } } }>(REQUEST, {
      input: { recordId: id, currentCommitment: current.commitment, proposedChange: proposed, reason: 'She had eaten.' },
    });
    const { requestId } = filed.requestAmendment;
    await send(guardian, filed.requestAmendment.transaction);

    // The requester's side cannot answer; an empty reason is refused naming the field.
    expect(refusal(await guardianClient.graphql(DECLINE, { input: { requestId, reason: 'No.' } })).code).toBe('FORBIDDEN');
    const providerClient = await as(provider);
    expect(refusal(await providerClient.graphql(DECLINE, { input: { requestId, reason: '  ' } }))).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.reason' });

    const declined = await providerClient.data<{ declineAmendment: { reasonHash: string; transaction: { to: string; data: string } } }>(DECLINE, {
      input: { requestId, reason: 'The sample was labelled fasting by the lab; please ask the lab to confirm.' },
    });
    await send(provider, declined.declineAmendment.transaction);

    const after = await view(await as(patient), id);
    expect(after.version).toBe(1);
    expect(after.amendmentRequests).toEqual([
      expect.objectContaining({
        id: requestId,
        requestedBy: lower(guardian),
        status: 'DECLINED',
        answeredBy: lower(provider),
        answerVersion: 1,
        reasonHash: declined.declineAmendment.reasonHash,
        details: { reason: 'She had eaten.', proposedChange: proposed, declineReason: 'The sample was labelled fasting by the lab; please ask the lab to confirm.', matchesChain: true },
      }),
    ]);
    expect(refusal(await providerClient.graphql(DECLINE, { input: { requestId, reason: 'Again.' } }))).toMatchObject({ code: 'CONFLICT', field: 'input.requestId' });
  });

  it("refuses requests from anyone but the patient's side, against their own versions, and with bad content", async () => {
    const { patient, provider, stranger } = stack.system;
    const id = seeded.observations[2]!;
    const patientClient = await as(patient);
    const { commitment } = await view(patientClient, id);
    const input = { recordId: id, currentCommitment: commitment, proposedChange: fhir.observationGlucose(), reason: 'Wrong value.' };
    for (const signer of [provider, stranger]) expect(refusal(await (await as(signer)).graphql(REQUEST, { input })).code).toBe('FORBIDDEN');
    expect(refusal(await patientClient.graphql(REQUEST, { input: { ...input, reason: '' } }))).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.reason' });
    expect(refusal(await patientClient.graphql(REQUEST, { input: { ...input, proposedChange: fhir.conditionAsthma() } }))).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'input.proposedChange.resourceType',
    });
    const invalid = await patientClient.graphql(REQUEST, { input: { ...input, proposedChange: fhir.invalidObservation() } });
    expect(invalid.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: expect.stringMatching(/^input\.proposedChange\./) });
    // Her own Condition record she amends directly: a request for it is refused, saying so.
    const own = await view(patientClient, seeded.condition);
    expect(own.clinicianVersion).toBe(false);
    const ownRequest = refusal(await patientClient.graphql(REQUEST, { input: { ...input, recordId: seeded.condition, currentCommitment: own.commitment, proposedChange: fhir.conditionAsthma() } }));
    expect(ownRequest).toMatchObject({ code: 'CONFLICT', field: 'input.recordId' });
    expect(ownRequest.message).toContain('amend it directly');
  });
});
