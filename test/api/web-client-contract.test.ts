/**
 * What the web client relies on from the API (issue 18): treatment plans stored encrypted and shown
 * with a check against the on-chain planHash; BAD_USER_INPUT errors in one shape (`extensions.fields`
 * as `{ field, message }`); and as-of-block answers timed by that block, never by the wall clock.
 */
import hre from 'hardhat';
import { mine, time } from '@nomicfoundation/hardhat-network-helpers';
import { code16, code32, random32, READ } from '../fixtures/deploy';
import { fhir } from '../fixtures/fhir';
import { ApiClient } from '../../stack/demo/api-client';
import { startApiStack, type ApiStack } from './support/api-stack';

jest.setTimeout(300_000);

const PREPARE_TREATMENT = `mutation ($input: PrepareTreatmentInput!) { prepareTreatment(input: $input) { treatmentId planHash transaction { to data } } }`;
const TREATMENTS = `query ($p: Address!) { patient(address: $p) { treatments { nodes { id planHash status plan { text matchesPlanHash } } } } }`;

interface TreatmentRow {
  id: string;
  planHash: string;
  status: string;
  plan: { text: string; matchesPlanHash: boolean } | null;
}

describe('the API as the web client uses it', () => {
  let stack: ApiStack;

  beforeAll(async () => {
    stack = await startApiStack();
  });
  afterAll(async () => {
    await stack?.stop();
  });

  describe('treatment plans', () => {
    const planText = 'Inhaled corticosteroid twice daily; review in 4 weeks.';
    let treatmentId: string;
    let planHash: string;

    beforeAll(async () => {
      const { provider, patient, records } = stack.system;
      const client = await new ApiClient(stack.url).signIn(provider);
      const answer = await client.graphql<{ prepareTreatment: { treatmentId: string; planHash: string; transaction: { to: string; data: string } } }>(PREPARE_TREATMENT, {
        input: { patient: patient.address, plan: planText },
      });
      expect(answer.errors).toBeUndefined();
      ({ treatmentId, planHash } = answer.data!.prepareTreatment);
      await (await provider.sendTransaction(answer.data!.prepareTreatment.transaction)).wait();
      // A treatment proposed straight on-chain, with a hash the API holds no plan for.
      await (await records.connect(provider).proposeTreatment(random32(), patient.address, random32())).wait();
      await stack.indexed();
    });

    it('shows the patient and the guardian the plan text, matching the on-chain hash', async () => {
      const { patient, guardian } = stack.system;
      for (const reader of [patient, guardian]) {
        const client = await new ApiClient(stack.url).signIn(reader);
        const answer = await client.graphql<{ patient: { treatments: { nodes: TreatmentRow[] } } }>(TREATMENTS, { p: patient.address });
        expect(answer.errors).toBeUndefined();
        const nodes = answer.data!.patient.treatments.nodes;
        expect(nodes.find((node) => node.id === treatmentId)).toEqual({ id: treatmentId, planHash, status: 'PROPOSED', plan: { text: planText, matchesPlanHash: true } });
        // Proposed without the API: no text to show, and no claim that it matches.
        expect(nodes.filter((node) => node.id !== treatmentId).map((node) => node.plan)).toEqual([null]);
      }
    });

    it('lists only the treatments awaiting a decision when asked', async () => {
      const { patient, guardian, records } = stack.system;
      const decided = random32();
      await (await records.connect(stack.system.provider).proposeTreatment(decided, patient.address, random32())).wait();
      await (await records.connect(guardian).decideTreatment(decided, false)).wait();
      await stack.indexed();
      const client = await new ApiClient(stack.url).signIn(patient);
      const answer = await client.graphql<{ patient: { treatments: { nodes: { id: string; status: string }[] } } }>(
        `query ($p: Address!) { patient(address: $p) { treatments(status: PROPOSED) { nodes { id status } } } }`,
        { p: patient.address },
      );
      expect(answer.errors).toBeUndefined();
      const nodes = answer.data!.patient.treatments.nodes;
      expect(nodes.map((node) => node.status)).toEqual(['PROPOSED', 'PROPOSED']);
      expect(nodes.map((node) => node.id)).toContain(treatmentId);
    });

    it('says so when the hash on-chain is not the stored plan’s, and never shows a record that is not a plan', async () => {
      const { provider, patient, records } = stack.system;
      const client = await new ApiClient(stack.url).signIn(provider);
      // A plan stored through the API, but proposed on-chain with another hash.
      const stored = await client.graphql<{ prepareTreatment: { treatmentId: string } }>(PREPARE_TREATMENT, { input: { patient: patient.address, plan: 'Stored text' } });
      const forged = stored.data!.prepareTreatment.treatmentId;
      await (await records.connect(provider).proposeTreatment(forged, patient.address, random32())).wait();
      // A treatment whose id is one of the patient's records (not a plan): its content must not show as a plan.
      const record = await (await new ApiClient(stack.url).signIn(patient)).graphql<{ prepareRecord: { recordId: string } }>(
        `mutation ($input: PrepareRecordInput!) { prepareRecord(input: $input) { recordId } }`,
        { input: { patient: patient.address, category: 'Observation', content: fhir.observationGlucose() } },
      );
      const borrowed = record.data!.prepareRecord.recordId;
      await (await records.connect(provider).proposeTreatment(borrowed, patient.address, random32())).wait();
      await stack.indexed();

      const answer = await (await new ApiClient(stack.url).signIn(patient)).graphql<{ patient: { treatments: { nodes: TreatmentRow[] } } }>(TREATMENTS, { p: patient.address });
      expect(answer.errors).toBeUndefined();
      const byId = new Map(answer.data!.patient.treatments.nodes.map((node) => [node.id, node]));
      expect(byId.get(forged)!.plan).toEqual({ text: 'Stored text', matchesPlanHash: false });
      expect(byId.get(borrowed)!.plan).toBeNull();
    });

    it('writes each plan read to the audit log', async () => {
      const entries = await stack.server.services.auditLog.trail(stack.system.patient.address.toLowerCase(), 50);
      expect(entries.some((entry) => entry.recordId === treatmentId && entry.decision === 'allowed')).toBe(true);
    });

    it('refuses an empty plan and anyone but a verified provider', async () => {
      const { provider, patient } = stack.system;
      const empty = await (await new ApiClient(stack.url).signIn(provider)).graphql(PREPARE_TREATMENT, { input: { patient: patient.address, plan: '  ' } });
      expect(empty.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.plan', fields: [{ field: 'input.plan', message: expect.stringContaining('empty') }] });
      const byPatient = await (await new ApiClient(stack.url).signIn(patient)).graphql(PREPARE_TREATMENT, { input: { patient: patient.address, plan: planText } });
      expect(byPatient.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    });
  });

  it('sends every FHIR validation problem as { field, message } in extensions.fields', async () => {
    const { patient } = stack.system;
    const client = await new ApiClient(stack.url).signIn(patient);
    const answer = await client.graphql(`mutation ($input: PrepareRecordInput!) { prepareRecord(input: $input) { recordId } }`, {
      input: { patient: patient.address, category: 'Observation', content: fhir.invalidObservation() },
    });
    const extensions = answer.errors?.[0]?.extensions as { code: string; field: string; fields: { field: string; message: string }[] };
    expect(extensions.code).toBe('BAD_USER_INPUT');
    expect(extensions.fields.length).toBeGreaterThan(1);
    for (const problem of extensions.fields) {
      expect(problem).toEqual({ field: expect.stringMatching(/^input\.content/), message: expect.any(String) });
      expect(problem.message.length).toBeGreaterThan(0);
    }
    expect(extensions.field).toBe(extensions.fields[0]!.field);
  });

  it('judges an as-of-block consent graph by that block’s time, not the wall clock', async () => {
    const { patient, provider, registrar, consents } = stack.system;
    // A consent that expires an hour after it is granted...
    const expiresAt = BigInt(await time.latest()) + 3_600n;
    const receipt = await (
      await consents.connect(patient).grantConsent({ patient: patient.address, grantee: provider.address, scope: code32('Immunization'), access: READ, purpose: code16('PUBHLTH'), expiresAt })
    ).wait();
    const grantedAt = (await hre.ethers.provider.getBlock(receipt!.blockNumber))!.timestamp;
    // ...and a chain that has moved a day past it.
    await time.increase(86_400);
    await mine(1);
    await stack.indexed();

    const client = await new ApiClient(stack.url).signIn(registrar);
    const GRAPH = `query ($block: Int) { consentGraph(block: $block) { block at edges { scope purpose } } }`;
    type Graph = { consentGraph: { block: number; at: string; edges: { scope: string; purpose: string }[] } };
    const then = await client.graphql<Graph>(GRAPH, { block: receipt!.blockNumber });
    expect(then.errors).toBeUndefined();
    expect(then.data!.consentGraph.block).toBe(receipt!.blockNumber);
    expect(Date.parse(then.data!.consentGraph.at) / 1000).toBe(grantedAt);
    expect(then.data!.consentGraph.edges).toContainEqual({ scope: 'Immunization', purpose: 'PUBHLTH' });

    const now = await client.graphql<Graph>(GRAPH, {});
    expect(Date.parse(now.data!.consentGraph.at) / 1000).toBe(await time.latest());
    expect(now.data!.consentGraph.edges).not.toContainEqual({ scope: 'Immunization', purpose: 'PUBHLTH' });
  });
});
