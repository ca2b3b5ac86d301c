/**
 * The FHIR R4 facade over the real stack (chain, graph-node, FerretDB, the API), read with a real FHIR
 * client (fhir-kit-client) as every role: what each may see is what GraphQL lets it see, every resource
 * and Bundle validates against the base R4 StructureDefinitions, every read of content is in the access
 * log before it is returned, and errors are OperationOutcomes with their HTTP status.
 */
import path from 'node:path';
import type { Signer } from 'ethers';
import Client from 'fhir-kit-client';
import { time } from '@nomicfoundation/hardhat-network-helpers';
import { validateFhirResource } from '../../../api/src/records/fhir-validator';
import { ApiClient } from '../../../stack/demo/api-client';
import { startWebServer, type WebServer } from '../../../stack/web/web-server';
import { code16, code32, READ } from '../../fixtures/deploy';
import { fhir } from '../../fixtures/fhir';
import { startApiStack, type ApiStack } from '../support/api-stack';
import { addRecord, seed, type Seeded } from '../support/seed';

jest.setTimeout(300_000);

type Resource = { resourceType: string; id?: string; meta?: { versionId?: string; lastUpdated?: string; extension?: { url: string; valueCode?: string }[]; security?: { code: string }[] }; [key: string]: unknown };
type Bundle = Resource & { type: string; link: { relation: string; url: string }[]; entry?: { fullUrl?: string; resource: Resource; search: { mode: string } }[] };
type Outcome = Resource & { issue: { severity: string; code: string; diagnostics: string; expression?: string[] }[] };

const ROLES = ['anonymous', 'patient', 'guardian', 'provider', 'emergencyProvider', 'researcher', 'stranger'] as const;
type Role = (typeof ROLES)[number];

let stack: ApiStack;
let seeded: Seeded;
/** A record the patient erased (off-chain and on-chain). */
let erasedId: string;
const cookies = {} as Record<Role, string | null>;
const clients = {} as Record<Role, Client>;
let patientAddress: string;

/** FHIR ids of 32-byte ids: the 64 hex digits. */
const fhirId = (bytes32: string) => bytes32.slice(2).toLowerCase();
const base = () => `${stack.url}/fhir`;

/** Validates a resource against base FHIR R4 (and each entry of a Bundle on its own), failing with the validator's messages. */
function expectValid(resource: Resource): void {
  expect(() => validateFhirResource(resource)).not.toThrow();
  for (const entry of (resource as Bundle).entry ?? []) expect(() => validateFhirResource(entry.resource)).not.toThrow();
}

/** A GET with the role's session, the status, content type and parsed body; every body is validated. */
async function get(role: Role, pathAndQuery: string, origin = stack.url): Promise<{ status: number; type: string | null; body: Resource; headers: Headers }> {
  const cookie = cookies[role];
  const response = await fetch(`${origin}/fhir/${pathAndQuery}`, { headers: { accept: 'application/fhir+json', ...(cookie ? { cookie } : {}) } });
  const body = (await response.json()) as Resource;
  expectValid(body);
  return { status: response.status, type: response.headers.get('content-type'), body, headers: response.headers };
}

/** What fhir-kit-client got: the resource, or the HTTP status of its refusal. */
async function outcomeOf(request: Promise<unknown>): Promise<number> {
  try {
    const resource = (await request) as Resource;
    expectValid(resource);
    return 200;
  } catch (error) {
    const response = (error as { response?: { status: number; data: Resource } }).response;
    if (!response) throw error;
    expect(response.data.resourceType).toBe('OperationOutcome');
    expectValid(response.data);
    return response.status;
  }
}

/** The patient's newest access-log entry: what `readsSince` counts from. */
async function auditMark(): Promise<string | undefined> {
  return (await stack.server.services.auditLog.trail(patientAddress, 1))[0]?.entryId;
}

/** The entries written since `mark`, newest first. */
async function readsSince(mark: string | undefined) {
  const trail = await stack.server.services.auditLog.trail(patientAddress, 100);
  const index = trail.findIndex((entry) => entry.entryId === mark);
  return index < 0 ? trail : trail.slice(0, index);
}

beforeAll(async () => {
  stack = await startApiStack();
  seeded = await seed(stack, { observations: 3 });
  const { patient, guardian, provider, provider2, researcher, stranger, consents } = stack.system;
  patientAddress = patient.address.toLowerCase();
  // The guardian grants the researcher the Condition category for research (a guardian-granted consent).
  const expiresAt = BigInt(await time.latest()) + 30n * 86_400n;
  await (
    await consents.connect(guardian).grantConsent({
      patient: patient.address,
      grantee: researcher.address,
      scope: code32('Condition'),
      access: READ,
      purpose: code16('HRESCH'),
      expiresAt,
    })
  ).wait();
  // A second provider opens emergency (break-glass) access.
  await (await consents.connect(provider2).openEmergencyAccess(patient.address, code32('UNCONSCIOUS'))).wait();
  // The provider amends its first Observation (version 2).
  const providerApi = await new ApiClient(stack.url).signIn(provider);
  const current = await providerApi.data<{ record: { commitment: string } }>(`query ($id: Bytes32!) { record(id: $id) { commitment } }`, { id: seeded.observations[0] });
  const amended = fhir.observationGlucose();
  amended.valueQuantity.value = 101;
  const amendment = await providerApi.data<{ amendRecord: { transaction: { to: string; data: string } } }>(
    `mutation ($input: AmendRecordInput!) { amendRecord(input: $input) { transaction { to data } } }`,
    { input: { recordId: seeded.observations[0], currentCommitment: current.record.commitment, content: amended } },
  );
  await (await provider.sendTransaction(amendment.amendRecord.transaction)).wait();
  // The patient writes a MedicationStatement and erases it.
  erasedId = await addRecord(stack, patient, patient.address, fhir.medicationStatement());
  await stack.indexed();
  const patientApi = await new ApiClient(stack.url).signIn(patient);
  const erased = await patientApi.data<{ eraseRecord: { transaction: { to: string; data: string } } }>(`mutation ($id: Bytes32!) { eraseRecord(id: $id) { transaction { to data } } }`, { id: erasedId });
  await (await patient.sendTransaction(erased.eraseRecord.transaction)).wait();
  await stack.indexed();

  const signers: Record<Exclude<Role, 'anonymous'>, Signer> = { patient, guardian, provider, emergencyProvider: provider2, researcher, stranger };
  cookies.anonymous = null;
  for (const [role, signer] of Object.entries(signers)) cookies[role as Role] = (await new ApiClient(stack.url).signIn(signer)).cookie;
  for (const role of ROLES) clients[role] = new Client({ baseUrl: base(), customHeaders: cookies[role] ? { cookie: cookies[role]! } : {} });
});
afterAll(async () => {
  await stack?.stop();
});

test('metadata: a CapabilityStatement of exactly what is served, to anyone, as application/fhir+json', async () => {
  const statement = (await clients.anonymous.capabilityStatement()) as Resource & { fhirVersion: string; rest: { resource: { type: string; interaction: { code: string }[]; operation?: { name: string }[] }[] }[] };
  expectValid(statement);
  expect(statement.fhirVersion).toBe('4.0.1');
  const byType = new Map(statement.rest[0]!.resource.map((resource) => [resource.type, resource]));
  expect(byType.get('Observation')!.interaction.map((i) => i.code)).toEqual(['read', 'search-type']);
  expect(byType.get('Patient')!.operation).toEqual([expect.objectContaining({ name: 'everything' })]);
  for (const type of ['Consent', 'AuditEvent', 'Provenance']) expect(byType.get(type)!.interaction.map((i) => i.code)).toEqual(['search-type']);
  const raw = await get('anonymous', 'metadata?_format=json');
  expect(raw.status).toBe(200);
  expect(raw.type).toMatch(/^application\/fhir\+json/);
});

describe('each role sees what GraphQL lets it see', () => {
  /**
   * Per endpoint: the FHIR request, the GraphQL question that reads the same data, and the roles that get
   * an answer (refusals: 401 for the anonymous, 403 for the rest). Both interfaces must answer alike.
   */
  const RECORDS = (purpose: string) => `query ($p: Address!, $c: String) { records(patient: $p, category: $c) { nodes { id content(purpose: "${purpose}") } } }`;
  const cases: { name: string; request: (client: Client) => Promise<unknown>; graphql: [string, () => Record<string, unknown>]; allowed: Role[] }[] = [
    {
      name: 'Patient read',
      request: (c) => c.read({ resourceType: 'Patient', id: patientAddress }),
      graphql: [`query ($p: Address!) { patient(address: $p) { address profile { displayName } } }`, () => ({ p: patientAddress })],
      // Emergency access opens every category, the Patient one included; a provider or researcher holding
      // any consent sees the identity (name and birth date) alone.
      allowed: ['patient', 'guardian', 'emergencyProvider', 'provider', 'researcher'],
    },
    {
      name: 'Observation search (TREAT)',
      request: (c) => c.search({ resourceType: 'Observation', searchParams: { patient: `Patient/${patientAddress}` } }),
      graphql: [RECORDS('TREAT'), () => ({ p: patientAddress, c: 'Observation' })],
      allowed: ['patient', 'guardian', 'provider'],
    },
    {
      name: 'Observation search (ETREAT)',
      request: (c) => c.search({ resourceType: 'Observation', searchParams: { patient: patientAddress, purpose: 'ETREAT' } }),
      graphql: [RECORDS('ETREAT'), () => ({ p: patientAddress, c: 'Observation' })],
      allowed: ['patient', 'guardian', 'emergencyProvider'],
    },
    {
      name: 'Observation read (TREAT)',
      request: (c) => c.read({ resourceType: 'Observation', id: fhirId(seeded.observations[1]!) }),
      graphql: [`query ($id: Bytes32!) { record(id: $id) { id content } }`, () => ({ id: seeded.observations[1] })],
      allowed: ['patient', 'guardian', 'provider'],
    },
    {
      name: 'Condition search (TREAT)',
      request: (c) => c.search({ resourceType: 'Condition', searchParams: { patient: patientAddress } }),
      graphql: [RECORDS('TREAT'), () => ({ p: patientAddress, c: 'Condition' })],
      allowed: ['patient', 'guardian'],
    },
    {
      name: 'Condition search (HRESCH)',
      request: (c) => c.search({ resourceType: 'Condition', searchParams: { patient: patientAddress, purpose: 'HRESCH' } }),
      graphql: [RECORDS('HRESCH'), () => ({ p: patientAddress, c: 'Condition' })],
      allowed: ['patient', 'guardian', 'researcher'],
    },
    {
      name: 'Consent search by patient',
      request: (c) => c.search({ resourceType: 'Consent', searchParams: { patient: patientAddress } }),
      graphql: [`query ($p: Address!) { patient(address: $p) { consentsGiven(includeInactive: true) { nodes { id } } } }`, () => ({ p: patientAddress })],
      allowed: ['patient', 'guardian'],
    },
    {
      name: 'AuditEvent search',
      request: (c) => c.search({ resourceType: 'AuditEvent', searchParams: { patient: patientAddress } }),
      graphql: [`query ($p: Address!) { patient(address: $p) { auditTrail { nodes { id } } } }`, () => ({ p: patientAddress })],
      allowed: ['patient', 'guardian'],
    },
    {
      name: 'Provenance search by patient',
      request: (c) => c.search({ resourceType: 'Provenance', searchParams: { patient: patientAddress } }),
      graphql: [`query ($p: Address!) { records(patient: $p) { nodes { versions { version } } } }`, () => ({ p: patientAddress })],
      allowed: ['patient', 'guardian', 'emergencyProvider'],
    },
    {
      name: 'Provenance of one Observation',
      request: (c) => c.search({ resourceType: 'Provenance', searchParams: { target: `Observation/${fhirId(seeded.observations[0]!)}` } }),
      graphql: [`query ($id: Bytes32!) { record(id: $id) { versions { version } } }`, () => ({ id: seeded.observations[0] })],
      allowed: ['patient', 'guardian', 'provider', 'emergencyProvider'],
    },
    {
      name: 'Patient $everything',
      request: (c) => c.operation({ name: '$everything', resourceType: 'Patient', id: patientAddress, method: 'GET' }),
      graphql: [RECORDS('TREAT'), () => ({ p: patientAddress, c: null })],
      allowed: ['patient', 'guardian'],
    },
  ];

  /** GraphQL's answer as the status the facade gives for it. */
  async function graphqlOutcome(role: Role, [query, variables]: [string, () => Record<string, unknown>]): Promise<number> {
    const client = new ApiClient(stack.url);
    client.cookie = cookies[role];
    const answer = await client.graphql(query, variables());
    const code = answer.errors?.[0]?.extensions?.code;
    return code === undefined ? 200 : code === 'UNAUTHENTICATED' ? 401 : code === 'FORBIDDEN' ? 403 : 500;
  }

  it.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const expected = {} as Record<Role, number>;
    const facade = {} as Record<Role, number>;
    const graphql = {} as Record<Role, number>;
    for (const role of ROLES) {
      expected[role] = c.allowed.includes(role) ? 200 : role === 'anonymous' ? 401 : 403;
      facade[role] = await outcomeOf(c.request(clients[role]));
      graphql[role] = await graphqlOutcome(role, c.graphql);
    }
    expect({ facade, graphql }).toEqual({ facade: expected, graphql: expected });
  });
});

test('clinical resources: the stored content with the record id, meta version, last change and integrity; reads are audited before they are returned', async () => {
  const mark = await auditMark();
  const observation = (await clients.provider.read({ resourceType: 'Observation', id: fhirId(seeded.observations[0]!) })) as Resource & { valueQuantity: { value: number } };
  expectValid(observation);
  expect(observation).toMatchObject({ resourceType: 'Observation', id: fhirId(seeded.observations[0]!), valueQuantity: { value: 101 }, meta: { versionId: '2' } });
  expect(observation.meta!.extension).toEqual([{ url: `${base()}/StructureDefinition/record-integrity`, valueCode: 'verified' }]);
  expect(Date.parse(observation.meta!.lastUpdated!)).toBeGreaterThan(0);
  const trail = await readsSince(mark);
  expect(trail).toHaveLength(1);
  expect(trail[0]).toMatchObject({ actor: stack.system.provider.address.toLowerCase(), recordId: seeded.observations[0], recordVersion: 2, purpose: 'TREAT', decision: 'allowed' });

  // A search reads every record it returns: one entry each.
  const bundle = (await clients.patient.search({ resourceType: 'Observation', searchParams: { patient: patientAddress } })) as Bundle;
  expect(bundle.type).toBe('searchset');
  expect(bundle.entry!.map((e) => e.resource.id).sort()).toEqual(seeded.observations.map(fhirId).sort());
  expect(bundle.entry!.every((e) => e.fullUrl === `${base()}/Observation/${e.resource.id}` && e.search.mode === 'match')).toBe(true);
  expect(await readsSince(mark)).toHaveLength(1 + 3);

  // A record of another type under this id is not found; nothing is read, nothing audited.
  expect((await get('patient', `Condition/${fhirId(seeded.observations[0]!)}`)).status).toBe(404);
  expect((await get('patient', `Observation/${'0'.repeat(64)}`)).status).toBe(404);
  expect(await readsSince(mark)).toHaveLength(1 + 3);
});

test('paging: _count pages with next and previous links that a FHIR client follows', async () => {
  const first = (await clients.patient.search({ resourceType: 'Observation', searchParams: { patient: patientAddress, _count: 2 } })) as Bundle;
  expect(first.entry).toHaveLength(2);
  expect(first.link.map((l) => l.relation)).toEqual(['self', 'next']);
  const second = (await clients.patient.nextPage({ bundle: first as Bundle & { type: 'searchset' } })) as Bundle;
  expectValid(second);
  expect(second.entry).toHaveLength(1);
  expect(second.link.map((l) => l.relation)).toEqual(['self', 'previous']);
  const back = (await clients.patient.prevPage({ bundle: second as Bundle & { type: 'searchset' } })) as Bundle;
  expectValid(back);
  expect(back.entry!.map((e) => e.resource.id)).toEqual(first.entry!.map((e) => e.resource.id));
  const ids = [...first.entry!, ...second.entry!].map((e) => e.resource.id);
  expect(new Set(ids).size).toBe(3);

  // The largest page is served (GraphQL reads one entry more to know whether another page follows).
  expect((await get('patient', `AuditEvent?patient=${patientAddress}&_count=100`)).status).toBe(200);
  // The audit trail pages the same way.
  const audit = (await clients.patient.search({ resourceType: 'AuditEvent', searchParams: { patient: patientAddress, _count: 1 } })) as Bundle;
  const next = (await clients.patient.nextPage({ bundle: audit as Bundle & { type: 'searchset' } })) as Bundle;
  expect(next.entry![0]!.resource.id).not.toBe(audit.entry![0]!.resource.id);
});

test('_lastUpdated filters by the last on-chain change, from the records own times', async () => {
  const all = (await get('patient', `Observation?patient=${patientAddress}`)).body as Bundle;
  const times = all.entry!.map((e) => Date.parse(e.resource.meta!.lastUpdated!));
  const latest = new Date(Math.max(...times)).toISOString();
  const earliest = new Date(Math.min(...times)).toISOString();
  const count = async (filter: string) => (((await get('patient', `Observation?patient=${patientAddress}&${filter}`)).body as Bundle).entry ?? []).length;
  expect(await count(`_lastUpdated=gt${latest}`)).toBe(0);
  expect(await count(`_lastUpdated=le${latest}`)).toBe(3);
  expect(await count(`_lastUpdated=ge${latest}`)).toBe(times.filter((t) => t === Date.parse(latest)).length);
  expect(await count(`_lastUpdated=lt${earliest}`)).toBe(0);
  expect(await count(`_lastUpdated=ge${earliest}&_lastUpdated=le${latest}`)).toBe(3);
});

test('an erased record is 410 Gone and left out of searches', async () => {
  const read = await get('patient', `MedicationStatement/${fhirId(erasedId)}`);
  expect(read.status).toBe(410);
  expect((read.body as Outcome).issue[0]).toMatchObject({ severity: 'error', code: 'deleted' });
  const search = (await get('patient', `MedicationStatement?patient=${patientAddress}`)).body as Bundle;
  expect(search.entry ?? []).toEqual([]);
});

test('Consent: every on-chain consent, with status at the request block, grantee, purpose, class and period', async () => {
  const bundle = (await clients.guardian.search({ resourceType: 'Consent', searchParams: { patient: patientAddress } })) as Bundle;
  expectValid(bundle);
  const consents = bundle.entry!.map((e) => e.resource as Resource & { status: string; performer: unknown[]; sourceReference: unknown; provision: { actor: { reference: { identifier: { value: string } } }[]; purpose: { code: string }[]; class?: { code: string }[]; period?: { end: string } } });
  expect(consents).toHaveLength(2);
  const did = (signer: { address: string }) => `did:pkh:eip155:31337:${signer.address.toLowerCase()}`;
  const toProvider = consents.find((c) => c.provision.actor[0]!.reference.identifier.value === did(stack.system.provider))!;
  expect(toProvider).toMatchObject({ status: 'active', patient: { reference: `Patient/${patientAddress}` }, performer: [{ reference: `Patient/${patientAddress}` }] });
  expect(toProvider.provision).toMatchObject({ purpose: [{ code: 'TREAT' }], class: [{ code: 'Observation' }] });
  expect(Date.parse(toProvider.provision.period!.end)).toBeGreaterThan((await time.latest()) * 1000);
  const byGuardian = consents.find((c) => c.provision.actor[0]!.reference.identifier.value === did(stack.system.researcher))!;
  expect(byGuardian).toMatchObject({ status: 'active', performer: [{ identifier: { value: did(stack.system.guardian) } }] });
  expect(byGuardian.provision).toMatchObject({ purpose: [{ code: 'HRESCH' }], class: [{ code: 'Condition' }] });
  // The transaction of each consent's last change is its source, as GraphQL tells it.
  const patientApi = await new ApiClient(stack.url).signIn(stack.system.patient);
  const indexed = await patientApi.data<{ patient: { consentsGiven: { nodes: { id: string; transactionHash: string }[] } } }>(
    `query ($p: Address!) { patient(address: $p) { consentsGiven { nodes { id transactionHash } } } }`,
    { p: patientAddress },
  );
  for (const consent of consents) {
    const { transactionHash } = indexed.patient.consentsGiven.nodes.find((node) => fhirId(node.id) === consent.id)!;
    expect(consent.sourceReference).toMatchObject({ identifier: { value: `urn:ethereum:eip155:31337:tx:${transactionHash}` } });
  }

  // A grantee reads the consents it received; for anyone else's account it is refused.
  const received = (await clients.provider.search({ resourceType: 'Consent', searchParams: { actor: stack.system.provider.address } })) as Bundle;
  expect(received.entry!.map((e) => e.resource.id)).toEqual([toProvider.id]);
  expect((await get('provider', `Consent?actor=${stack.system.researcher.address}`)).status).toBe(403);
});

test('AuditEvent: the access log as IHE BALP reads, the emergency ones marked break-the-glass', async () => {
  const read = await get('emergencyProvider', `Condition/${fhirId(seeded.condition)}?purpose=ETREAT`);
  expect(read.status).toBe(200);
  const bundle = (await clients.patient.search({ resourceType: 'AuditEvent', searchParams: { patient: patientAddress, _count: 1 } })) as Bundle;
  const event = bundle.entry![0]!.resource as Resource & Record<string, unknown>;
  expect(event).toMatchObject({
    type: { code: 'rest' },
    subtype: [{ code: 'read' }],
    action: 'R',
    outcome: '0',
    purposeOfEvent: [{ coding: [{ code: 'ETREAT' }] }],
    agent: [{ who: { identifier: { value: `did:pkh:eip155:31337:${stack.system.provider2.address.toLowerCase()}` } }, requestor: true, purposeOfUse: [{ coding: [{ code: 'ETREAT' }] }] }],
    entity: [{ what: { reference: `Patient/${patientAddress}` } }, { what: { reference: `Condition/${fhirId(seeded.condition)}/_history/1` } }],
    meta: { security: [{ code: 'BTG' }] },
  });
});

test('Provenance: who anchored and amended each version, with transaction hash, block and commitment', async () => {
  const bundle = (await clients.provider.search({ resourceType: 'Provenance', searchParams: { target: `Observation/${fhirId(seeded.observations[0]!)}` } })) as Bundle;
  const versions = await new ApiClient(stack.url).signIn(stack.system.patient).then((c) =>
    c.data<{ record: { versions: { version: number; transactionHash: string; blockNumber: number; commitment: string }[] } }>(
      `query ($id: Bytes32!) { record(id: $id) { versions { version transactionHash blockNumber commitment } } }`,
      { id: seeded.observations[0] },
    ),
  );
  expect(bundle.entry).toHaveLength(2);
  const ext = (resource: Resource, name: string) => (resource.extension as { url: string; [value: string]: unknown }[]).find((e) => e.url.endsWith(`/${name}`));
  for (const [index, entry] of bundle.entry!.entries()) {
    const version = versions.record.versions[index]!;
    const provenance = entry.resource;
    expect(provenance).toMatchObject({
      target: [{ reference: `Observation/${fhirId(seeded.observations[0]!)}/_history/${version.version}` }],
      activity: { coding: [{ code: version.version === 1 ? 'CREATE' : 'UPDATE' }] },
      agent: [{ who: { identifier: { value: `did:pkh:eip155:31337:${stack.system.provider.address.toLowerCase()}` } } }],
    });
    expect(ext(provenance, 'transaction-hash')).toMatchObject({ valueString: version.transactionHash });
    expect(ext(provenance, 'block-number')).toMatchObject({ valueUnsignedInt: version.blockNumber });
    expect(ext(provenance, 'commitment')).toMatchObject({ valueString: version.commitment });
  }
  const onlyV2 = (await get('provider', `Provenance?target=Observation/${fhirId(seeded.observations[0]!)}/_history/2`)).body as Bundle;
  expect(onlyV2.entry).toHaveLength(1);
  // By patient: every version of every record (3 Observations, one amended, a Condition, the erased record).
  const all = (await get('patient', `Provenance?patient=${patientAddress}&_count=100`)).body as Bundle;
  expect(all.entry).toHaveLength(4 + 1 + 1);
});

test('Patient/$everything: the patient, records, consents and provenance in one Bundle', async () => {
  const mark = await auditMark();
  const bundle = (await clients.patient.operation({ name: '$everything', resourceType: 'Patient', id: patientAddress, method: 'GET' })) as Bundle;
  expectValid(bundle);
  const types = bundle.entry!.map((e) => e.resource.resourceType);
  expect(types.filter((t) => t === 'Patient')).toHaveLength(1);
  expect(types.filter((t) => t === 'Observation')).toHaveLength(3);
  expect(types.filter((t) => t === 'Condition')).toHaveLength(1);
  expect(types.filter((t) => t === 'MedicationStatement')).toHaveLength(0);
  expect(types.filter((t) => t === 'Consent')).toHaveLength(2);
  expect(types.filter((t) => t === 'Provenance')).toHaveLength(6);
  expect(bundle.entry!.find((e) => e.resource.resourceType === 'Patient')!.resource).toMatchObject({ id: patientAddress, name: [{ text: 'Ada Lovelace' }], telecom: [{ system: 'email', value: 'ada@example.org' }] });
  // Five records' contents were read (the erased one too, which returns nothing), each logged.
  expect(await readsSince(mark)).toHaveLength(5);
  // Paged by records.
  const paged = (await get('patient', `Patient/${patientAddress}/$everything?_count=2`)).body as Bundle;
  expect(paged.link.map((l) => l.relation)).toEqual(['self', 'next']);
});

test('bad requests are OperationOutcomes naming the parameter; other formats and writes are refused', async () => {
  const cases: [string, number, string][] = [
    [`Observation?patient=${patientAddress}&_count=0`, 400, '_count'],
    [`Observation?patient=${patientAddress}&_count=101`, 400, '_count'],
    [`Observation?patient=${patientAddress}&code=2339-0`, 400, 'code'],
    [`Observation?patient=${patientAddress}&_lastUpdated=yesterday`, 400, '_lastUpdated'],
    [`Observation?patient=${patientAddress}&_page=bm90LWEtdG9rZW4`, 400, '_page'],
    [`Observation?patient=someone`, 400, 'patient'],
    [`Observation`, 400, 'patient'],
    [`Observation?patient=${patientAddress}&purpose=treatment`, 400, 'purpose'],
    [`Provenance?target=Basic/${'a'.repeat(64)}`, 400, 'target'],
  ];
  for (const [request, status, parameter] of cases) {
    const answer = await get('patient', request);
    expect({ request, status: answer.status, expression: (answer.body as Outcome).issue?.[0]?.expression }).toEqual({ request, status, expression: [parameter] });
    expect((answer.body as Outcome).issue[0]!.diagnostics).toContain(parameter);
  }
  // A cursor GraphQL refuses is named as the facade's parameter too.
  const forged = Buffer.from(JSON.stringify(['bm90LWEtY3Vyc29y'])).toString('base64url');
  const refused = await get('patient', `Observation?patient=${patientAddress}&_page=${forged}`);
  expect(refused.status).toBe(400);
  expect((refused.body as Outcome).issue[0]!.expression).toEqual(['_page']);

  expect((await get('patient', 'metadata?_format=xml')).status).toBe(406);
  expect((await get('patient', 'Basic?patient=x')).status).toBe(404);
  const write = await fetch(`${base()}/Observation`, { method: 'POST', headers: { 'content-type': 'application/fhir+json', cookie: cookies.patient! }, body: JSON.stringify(fhir.observationGlucose()) });
  expect(write.status).toBe(405);
  expect(((await write.json()) as Outcome).issue[0]!.code).toBe('not-supported');
  const anonymous = await get('anonymous', `Observation?patient=${patientAddress}`);
  expect(anonymous.status).toBe(401);
  expect((anonymous.body as Outcome).issue[0]).toMatchObject({ code: 'login', diagnostics: expect.stringContaining('/auth/verify') });
});

describe('bearer tokens with SMART scopes', () => {
  /** POST /fhir/token with a role's session cookie. */
  async function token(role: Role, scope: string): Promise<{ status: number; body: { access_token?: string; token_type?: string; expires_in?: number; scope?: string } & Partial<Outcome> }> {
    const response = await fetch(`${base()}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(cookies[role] ? { cookie: cookies[role]! } : {}) },
      body: JSON.stringify({ scope }),
    });
    return { status: response.status, body: (await response.json()) as never };
  }
  const bearer = (accessToken: string) => new Client({ baseUrl: base(), bearerToken: accessToken });

  it('are issued to a signed-in account for read scopes only, for at most an hour of its session', async () => {
    const issued = await token('patient', 'patient/Observation.read user/Consent.read');
    expect(issued.status).toBe(200);
    expect(issued.body).toMatchObject({ token_type: 'Bearer', scope: 'patient/Observation.read user/Consent.read' });
    expect(issued.body.expires_in).toBeGreaterThan(0);
    expect(issued.body.expires_in).toBeLessThanOrEqual(3600);
    expect((await token('anonymous', 'patient/*.read')).status).toBe(401);
    const write = await token('patient', 'patient/Observation.write');
    expect(write.status).toBe(400);
    expect(write.body.issue![0]!.expression).toEqual(['scope']);
  });

  it('narrow what the account may read, and never widen it', async () => {
    const observations = (await token('patient', 'patient/Observation.read')).body.access_token!;
    const patientClient = bearer(observations);
    expect(await outcomeOf(patientClient.search({ resourceType: 'Observation', searchParams: { patient: patientAddress } }))).toBe(200);
    expect(await outcomeOf(patientClient.read({ resourceType: 'Observation', id: fhirId(seeded.observations[1]!) }))).toBe(200);
    expect(await outcomeOf(patientClient.search({ resourceType: 'Condition', searchParams: { patient: patientAddress } }))).toBe(403);
    expect(await outcomeOf(patientClient.search({ resourceType: 'Consent', searchParams: { patient: patientAddress } }))).toBe(403);
    expect(await outcomeOf(patientClient.operation({ name: '$everything', resourceType: 'Patient', id: patientAddress, method: 'GET' }))).toBe(403);
    expect(await outcomeOf(patientClient.capabilityStatement())).toBe(200);

    // patient/ scopes cover the account's own data: a guardian reads a ward's records with user/ scopes.
    const guardianPatientScope = bearer((await token('guardian', 'patient/*.read')).body.access_token!);
    expect(await outcomeOf(guardianPatientScope.search({ resourceType: 'Observation', searchParams: { patient: patientAddress } }))).toBe(403);
    const guardianUserScope = bearer((await token('guardian', 'user/*.read')).body.access_token!);
    expect(await outcomeOf(guardianUserScope.search({ resourceType: 'Observation', searchParams: { patient: patientAddress } }))).toBe(200);
    expect(await outcomeOf(guardianUserScope.operation({ name: '$everything', resourceType: 'Patient', id: patientAddress, method: 'GET' }))).toBe(200);

    // Every scope there is still leaves the provider where its consents leave it.
    const provider = bearer((await token('provider', 'user/*.read')).body.access_token!);
    expect(await outcomeOf(provider.search({ resourceType: 'Observation', searchParams: { patient: patientAddress } }))).toBe(200);
    expect(await outcomeOf(provider.search({ resourceType: 'Condition', searchParams: { patient: patientAddress } }))).toBe(403);
  });

  it('end with their session, and an altered token is refused', async () => {
    const session = await new ApiClient(stack.url).signIn(stack.system.patient);
    const issued = await fetch(`${base()}/token`, { method: 'POST', headers: { 'content-type': 'application/json', cookie: session.cookie! }, body: JSON.stringify({ scope: 'user/*.read' }) });
    const { access_token: accessToken } = (await issued.json()) as { access_token: string };
    const read = () => fetch(`${base()}/Patient/${patientAddress}`, { headers: { authorization: `Bearer ${accessToken}` } });
    expect((await read()).status).toBe(200);
    const [payload, signature] = accessToken.split('.');
    const altered = await fetch(`${base()}/Patient/${patientAddress}`, { headers: { authorization: `Bearer ${payload}x.${signature}` } });
    expect(altered.status).toBe(401);
    expect(altered.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
    expect(await session.logout()).toBe(204);
    // Sessions looked up are reused for SESSION_CACHE_MS on other instances; this instance forgets at once.
    const after = await read();
    expect(after.status).toBe(401);
    expect(((await after.json()) as Outcome).issue[0]!.diagnostics).toContain('session has ended');
  });
});

describe('through the web origin', () => {
  let web: WebServer;
  beforeAll(async () => {
    web = await startWebServer({
      distDir: path.join(__dirname, '../../../web/dist'),
      host: '127.0.0.1',
      port: 0,
      apiOrigin: stack.url,
      subgraphUrl: stack.node.queryUrl,
      runtimeConfig: { chainId: 31337, rpcUrl: stack.chainUrl, graphqlUrl: '/graphql', authUrl: '/auth', subgraphUrl: '/subgraph', contracts: { ConsentManager: '', RecordRegistry: '', ProviderDirectory: '', AuditAnchor: '' } },
    });
  });
  afterAll(async () => {
    await web?.close();
  });

  it('serves the facade with the session cookie, as the API does', async () => {
    expect((await get('anonymous', 'metadata', web.url)).status).toBe(200);
    const search = await get('patient', `Condition?patient=${patientAddress}`, web.url);
    expect(search.status).toBe(200);
    expect((search.body as Bundle).entry!.map((e) => e.resource.id)).toEqual([fhirId(seeded.condition)]);
    expect((await get('stranger', `Condition?patient=${patientAddress}`, web.url)).status).toBe(403);
  });
});

test('a dependency down is 503 with Retry-After, naming it (graph-node stopped last)', async () => {
  await stack.node.stop();
  const answer = await get('patient', `Observation?patient=${patientAddress}`);
  expect(answer.status).toBe(503);
  expect(answer.headers.get('retry-after')).toBe('5');
  expect((answer.body as Outcome).issue[0]).toMatchObject({ code: 'transient', diagnostics: expect.stringContaining('graph-node') });
});
