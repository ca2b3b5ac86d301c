/**
 * The permission matrix: every role against every kind of operation, over HTTP, with the outcome each
 * must get. `allow` means an answer without errors; a refusal is UNAUTHENTICATED for the signed-out
 * visitor and FORBIDDEN for everyone else.
 */
import type { Signer } from 'ethers';
import { fhir } from '../fixtures/fhir';
import { time } from '@nomicfoundation/hardhat-network-helpers';
import { code16, code32, READ } from '../fixtures/deploy';
import { ApiClient } from '../../stack/demo/api-client';
import { startApiStack, type ApiStack } from './support/api-stack';
import { seed, type Seeded } from './support/seed';

jest.setTimeout(300_000);

const ROLES = ['anonymous', 'patient', 'guardian', 'provider', 'otherProvider', 'researcher', 'stranger', 'registrar', 'admin'] as const;
type Role = (typeof ROLES)[number];
type Outcome = 'allow' | 'FORBIDDEN' | 'UNAUTHENTICATED';

interface Operation {
  name: string;
  query: string;
  variables: (stack: ApiStack, seeded: Seeded) => Record<string, unknown>;
  /** Roles that get an answer; everyone else is refused. `*` is everyone, signed in or not. */
  allowed: readonly Role[] | '*';
}

const OPERATIONS: Operation[] = [
  { name: 'health', query: `{ health { ok chainId } }`, variables: () => ({}), allowed: '*' },
  { name: 'public provider directory', query: `{ providers { nodes { address status providerProfile { displayName } } } }`, variables: () => ({}), allowed: '*' },
  {
    name: 'own roles',
    query: `{ myRoles { verifiedProvider verifiedResearcher registrar admin } }`,
    variables: () => ({}),
    allowed: ['patient', 'guardian', 'provider', 'otherProvider', 'researcher', 'stranger', 'registrar', 'admin'],
  },
  {
    name: "patient's profile",
    query: `query ($p: Address!) { patient(address: $p) { profile { displayName email } } }`,
    variables: (s) => ({ p: s.system.patient.address }),
    allowed: ['patient', 'guardian'],
  },
  {
    // Identity: a verified provider holding any active consent sees who the patient is, nothing more.
    name: "patient's name and birth date",
    query: `query ($p: Address!) { patient(address: $p) { profile { displayName birthDate } } }`,
    variables: (s) => ({ p: s.system.patient.address }),
    allowed: ['patient', 'guardian', 'provider'],
  },
  {
    name: 'find a patient by exact name and birth date (emergency access)',
    query: `{ findPatients(displayName: "Ada Lovelace", birthDate: "1985-05-03T00:00:00.000Z") { address displayName birthDate } }`,
    variables: () => ({}),
    allowed: ['provider', 'otherProvider'],
  },
  {
    name: 'records in a consented category',
    query: `query ($p: Address!) { records(patient: $p, category: "Observation") { nodes { id integrity author { address } } } }`,
    variables: (s) => ({ p: s.system.patient.address }),
    allowed: ['patient', 'guardian', 'provider'],
  },
  {
    name: 'records of every category',
    query: `query ($p: Address!) { records(patient: $p) { nodes { id category } } }`,
    variables: (s) => ({ p: s.system.patient.address }),
    allowed: ['patient', 'guardian'],
  },
  {
    name: 'content of a consented record (TREAT)',
    query: `query ($id: Bytes32!) { record(id: $id) { id content(purpose: "TREAT") } }`,
    variables: (_s, seeded) => ({ id: seeded.observations[0] }),
    allowed: ['patient', 'guardian', 'provider'],
  },
  {
    name: 'content of a consented record for another purpose (HRESCH)',
    query: `query ($id: Bytes32!) { record(id: $id) { id content(purpose: "HRESCH") } }`,
    variables: (_s, seeded) => ({ id: seeded.observations[0] }),
    allowed: ['patient', 'guardian'],
  },
  {
    name: 'a record outside the consent (Condition)',
    query: `query ($id: Bytes32!) { record(id: $id) { id category integrity } }`,
    variables: (_s, seeded) => ({ id: seeded.condition }),
    allowed: ['patient', 'guardian'],
  },
  {
    name: 'consents a patient gave',
    query: `query ($p: Address!) { patient(address: $p) { consentsGiven { nodes { grantee scope purpose active } } } }`,
    variables: (s) => ({ p: s.system.patient.address }),
    allowed: ['patient', 'guardian'],
  },
  {
    name: 'consents a provider received',
    query: `query ($p: Address!) { patient(address: $p) { consentsReceived { nodes { patient scope } } } }`,
    variables: (s) => ({ p: s.system.provider.address }),
    allowed: ['provider'],
  },
  {
    name: "patient's guardians",
    query: `query ($p: Address!) { patient(address: $p) { guardians { nodes { guardian active } } } }`,
    variables: (s) => ({ p: s.system.patient.address }),
    allowed: ['patient', 'guardian'],
  },
  {
    name: "patient's treatments",
    query: `query ($p: Address!) { patient(address: $p) { treatments { nodes { id status } } } }`,
    variables: (s) => ({ p: s.system.patient.address }),
    allowed: ['patient', 'guardian'],
  },
  {
    name: "patient's emergency accesses",
    query: `query ($p: Address!) { patient(address: $p) { emergencyAccesses { nodes { provider reason } } } }`,
    variables: (s) => ({ p: s.system.patient.address }),
    allowed: ['patient', 'guardian'],
  },
  {
    name: "patient's audit trail",
    query: `query ($p: Address!) { patient(address: $p) { auditTrail { nodes { actor recordId } } } }`,
    variables: (s) => ({ p: s.system.patient.address }),
    allowed: ['patient', 'guardian'],
  },
  {
    name: 'consent graph',
    query: `{ consentGraph { block pseudonymous nodes { id } edges { source target scope } } }`,
    variables: () => ({}),
    allowed: ['researcher', 'registrar', 'admin'],
  },
  {
    name: 'activity over time',
    query: `query ($from: DateTimeISO!, $to: DateTimeISO!) { activity(input: { metric: RECORDS_ANCHORED, from: $from, to: $to, groupBy: CATEGORY }) { block points { category count suppressed } } }`,
    variables: () => ({ from: new Date(Date.now() - 86_400_000 * 30).toISOString(), to: new Date(Date.now() + 86_400_000 * 30).toISOString() }),
    allowed: ['researcher', 'registrar', 'admin'],
  },
  {
    name: 'update own provider profile',
    query: `mutation { updateProviderProfile(input: { displayName: "Dr. Who", organization: "TARDIS" }) { displayName } }`,
    variables: () => ({}),
    allowed: ['provider', 'otherProvider'],
  },
  {
    name: 'prepare an Observation record for the patient',
    query: `mutation ($input: PrepareRecordInput!) { prepareRecord(input: $input) { recordId transaction { to } } }`,
    variables: (s) => ({ input: { patient: s.system.patient.address, category: 'Observation', content: fhir.observationGlucose() } }),
    allowed: ['patient', 'guardian', 'provider'],
  },
  {
    name: "erase the patient's Condition record (off-chain part)",
    query: `mutation ($id: Bytes32!) { eraseRecord(id: $id) { recordId } }`,
    // Evaluated for refusals only: allowed roles would really erase it, so none is listed as allowed here
    // and the patient's own erasure is tested in records.test.ts.
    variables: (_s, seeded) => ({ id: seeded.condition }),
    allowed: [],
  },
];

describe('permission matrix', () => {
  let stack: ApiStack;
  let seeded: Seeded;
  const clients = {} as Record<Role, ApiClient>;

  beforeAll(async () => {
    stack = await startApiStack();
    seeded = await seed(stack, { observations: 2 });
    const { patient, guardian, provider, provider2, researcher, stranger, registrar, admin } = stack.system;
    const signers: Record<Exclude<Role, 'anonymous'>, Signer> = {
      patient,
      guardian,
      provider,
      otherProvider: provider2,
      researcher,
      stranger,
      registrar,
      admin,
    };
    clients.anonymous = new ApiClient(stack.url);
    for (const [role, signer] of Object.entries(signers)) clients[role as Role] = await new ApiClient(stack.url).signIn(signer);
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it.each(OPERATIONS.map((operation) => [operation.name, operation] as const))('%s', async (_name, operation) => {
    const expected = {} as Record<Role, Outcome>;
    const actual = {} as Record<Role, Outcome | string>;
    for (const role of ROLES) {
      const allowed = operation.allowed === '*' || (operation.allowed as readonly Role[]).includes(role);
      if (!allowed && operation.name.startsWith('erase') && (role === 'patient' || role === 'guardian')) continue;
      expected[role] = allowed ? 'allow' : role === 'anonymous' ? 'UNAUTHENTICATED' : 'FORBIDDEN';
      const answer = await clients[role].graphql(operation.query, operation.variables(stack, seeded));
      if (!answer.errors) actual[role] = 'allow';
      else {
        const codes = [...new Set(answer.errors.map((error) => error.extensions?.code ?? 'none'))];
        actual[role] = codes.length === 1 ? (codes[0] as Outcome) : codes.join('+');
      }
    }
    expect(actual).toEqual(expected);
  });

  it('finds a patient only by exact name and birth date, and logs each find in the patient\'s audit trail', async () => {
    const { patient, provider2 } = stack.system;
    const find = (displayName: string, birthDate: string) =>
      clients.otherProvider.data<{ findPatients: { address: string; displayName: string; birthDate: string }[] }>(
        `query ($n: String!, $b: DateTimeISO!) { findPatients(displayName: $n, birthDate: $b) { address displayName birthDate } }`,
        { n: displayName, b: birthDate },
      );
    expect((await find('Ada Lovelace', '1985-05-04T00:00:00.000Z')).findPatients).toEqual([]);
    expect((await find('Ada', '1985-05-03T00:00:00.000Z')).findPatients).toEqual([]);
    expect((await find('Ada Lovelace', '1985-05-03T00:00:00.000Z')).findPatients).toEqual([
      { address: patient.address.toLowerCase(), displayName: 'Ada Lovelace', birthDate: '1985-05-03T00:00:00.000Z' },
    ]);
    const trail = await clients.patient.data<{ patient: { auditTrail: { nodes: { actor: string; recordId: string; recordVersion: number; purpose: string }[] } } }>(
      `query ($p: Address!) { patient(address: $p) { auditTrail(first: 50) { nodes { actor recordId recordVersion purpose } } } }`,
      { p: patient.address },
    );
    const searches = trail.patient.auditTrail.nodes.filter((entry) => entry.actor === provider2.address.toLowerCase());
    // The matrix's find above and this one: each logged, nothing logged for the searches that found no one.
    expect(searches).toEqual([0, 1].map(() => ({ actor: provider2.address.toLowerCase(), recordId: `0x${'00'.repeat(32)}`, recordVersion: 0, purpose: 'ETREAT' })));
  });

  it("a researcher sees the patient's name and birth date while a consent of theirs is active, decided on-chain", async () => {
    const { consents, patient, researcher } = stack.system;
    const identity = `query ($p: Address!) { patient(address: $p) { profile { displayName birthDate } } }`;
    const email = `query ($p: Address!) { patient(address: $p) { profile { email } } }`;
    const p = patient.address;
    const expiresAt = BigInt(await time.latest()) + 7n * 86_400n;
    await (await consents.connect(patient).grantConsent({ patient: p, grantee: researcher.address, scope: code32('Condition'), access: READ, purpose: code16('HRESCH'), expiresAt })).wait();
    await stack.indexed();
    const seen = await clients.researcher.graphql<{ patient: { profile: { displayName: string; birthDate: string } } }>(identity, { p });
    expect(seen.errors).toBeUndefined();
    expect(seen.data!.patient.profile).toEqual({ displayName: 'Ada Lovelace', birthDate: '1985-05-03T00:00:00.000Z' });
    // The rest of the profile still needs a consent for the Patient category.
    expect((await clients.researcher.graphql(email, { p })).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');

    // Revoked on-chain: the next request is refused at once, before the index has seen the revocation.
    await (await consents.connect(patient).revokeConsent(p, researcher.address, code32('Condition'))).wait();
    const refused = await clients.researcher.graphql(identity, { p });
    expect(refused.errors?.map((error) => [error.extensions?.code, error.message])).toEqual([['FORBIDDEN', expect.stringContaining('needs an active consent')]]);
  });
});
