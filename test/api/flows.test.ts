/**
 * The flows the API carries besides reading: relaying a patient's EIP-712 consent with the server's
 * relayer key, erasing a record, anchoring the audit log and proving an entry against the chain, and
 * the chain facts (treatments, emergency accesses) the patient sees.
 */
import { time } from '@nomicfoundation/hardhat-network-helpers';
import { TypedDataEncoder } from 'ethers';
import { verifyAuditProof, type AuditLeaf } from '../../api/src/audit/audit-merkle';
import { code32, random32 } from '../fixtures/deploy';
import { ApiClient } from '../../stack/demo/api-client';
import { startApiStack, type ApiStack } from './support/api-stack';
import { seed, type Seeded } from './support/seed';

jest.setTimeout(300_000);

describe('API flows', () => {
  let stack: ApiStack;
  let seeded: Seeded;

  beforeAll(async () => {
    stack = await startApiStack();
    seeded = await seed(stack, { observations: 2 });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const TYPED_DATA = `query ($terms: ConsentTermsInput!) { consentTypedData(terms: $terms) { typedData deadline nonce } }`;
  const RELAY = `mutation ($input: RelayConsentInput!) { relayConsent(input: $input) { consentId transactionHash blockNumber } }`;

  it('relays a consent the patient signed as EIP-712 typed data', async () => {
    const { patient, researcher, consents } = stack.system;
    const client = await new ApiClient(stack.url).signIn(patient);
    const terms = { patient: patient.address, grantee: researcher.address, scope: 'Condition', read: true, write: false, purpose: 'HRESCH', expiresAt: new Date(Date.now() + 7 * 86_400_000).toISOString() };
    const prepared = await client.graphql<{ consentTypedData: { typedData: { domain: Record<string, unknown>; types: Record<string, { name: string; type: string }[]>; message: Record<string, unknown> }; deadline: string } }>(TYPED_DATA, { terms });
    expect(prepared.errors).toBeUndefined();
    const { typedData, deadline } = prepared.data!.consentTypedData;
    expect(typedData.domain).toMatchObject({ name: 'HealthRecordsConsent', version: '1', chainId: 31337, verifyingContract: stack.system.deployment.contracts.ConsentManager.address });
    const { EIP712Domain: _domain, ...types } = typedData.types;
    // The domain separator the API describes is the contract's own.
    expect(TypedDataEncoder.hashDomain(typedData.domain)).toBe(await consents.domainSeparator());
    const signature = await patient.signTypedData(typedData.domain, types, typedData.message);

    const relayed = await client.graphql<{ relayConsent: { consentId: string; transactionHash: string } }>(RELAY, { input: { terms, deadline, signature } });
    expect(relayed.errors).toBeUndefined();
    const onChain = await consents.consentOf(patient.address, researcher.address, code32('Condition'));
    expect(onChain.access).toBe(1n);
    expect(relayed.data!.relayConsent.consentId).toBe(await consents.consentId(patient.address, researcher.address, code32('Condition')));
    const receipt = await stack.system.patient.provider!.getTransactionReceipt(relayed.data!.relayConsent.transactionHash);
    expect(receipt!.from.toLowerCase()).toBe(stack.server.services.chain.relayer.address.toLowerCase());
  });

  it('refuses to relay a signature that is not the patient\'s, naming the field', async () => {
    const { patient, stranger, researcher } = stack.system;
    const client = await new ApiClient(stack.url).signIn(stranger);
    const terms = { patient: patient.address, grantee: researcher.address, scope: 'Observation', purpose: 'HRESCH', expiresAt: new Date(Date.now() + 86_400_000).toISOString() };
    const prepared = await client.graphql<{ consentTypedData: { typedData: { domain: Record<string, unknown>; types: Record<string, { name: string; type: string }[]>; message: Record<string, unknown> }; deadline: string } }>(TYPED_DATA, { terms });
    const { typedData, deadline } = prepared.data!.consentTypedData;
    const { EIP712Domain: _domain, ...types } = typedData.types;
    const forged = await stranger.signTypedData(typedData.domain, types, typedData.message);
    const answer = await client.graphql(RELAY, { input: { terms, deadline, signature: forged } });
    expect(answer.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.signature' });
  });

  it('anchors the audit log and proves an entry against the chain', async () => {
    const { patient, provider } = stack.system;
    const reader = await new ApiClient(stack.url).signIn(provider);
    const read = await reader.graphql(`query ($id: Bytes32!) { record(id: $id) { content } }`, { id: seeded.observations[1] });
    expect(read.errors).toBeUndefined();
    expect(await stack.server.anchorAuditLog()).toBeGreaterThan(0);
    await stack.indexed();

    const client = await new ApiClient(stack.url).signIn(patient);
    const trail = await client.graphql<{ patient: { auditTrail: { nodes: { recordId: string; anchor: { root: string; leaf: string[]; proof: string[]; transactionHash: string; chainBatchId: number; chainRoot: string; verified: boolean } | null }[] } } }>(
      `query ($p: Address!) { patient(address: $p) { auditTrail(first: 20) { nodes { recordId anchor { root leaf proof transactionHash chainBatchId chainRoot verified } } } } }`,
      { p: patient.address },
    );
    expect(trail.errors).toBeUndefined();
    const entry = trail.data!.patient.auditTrail.nodes.find((node) => node.recordId === seeded.observations[1])!;
    expect(entry.anchor).not.toBeNull();
    const anchor = entry.anchor!;
    const onChain = await stack.system.audit.batchOf(anchor.chainBatchId);
    expect(onChain.root).toBe(anchor.root);
    expect(anchor.chainRoot).toBe(anchor.root);
    expect(anchor.verified).toBe(true);
    const [entryId, actor, patientAddress, recordId, version, purpose, decision, at] = anchor.leaf;
    const leaf: AuditLeaf = [entryId!, actor!, patientAddress!, recordId!, Number(version), purpose!, decision!, at!];
    expect(verifyAuditProof(anchor.root, leaf, anchor.proof)).toBe(true);
  });

  it('shows the patient treatments and emergency accesses from the chain', async () => {
    const { patient, provider, guardian, records, consents } = stack.system;
    const treatmentId = random32();
    await (await records.connect(provider).proposeTreatment(treatmentId, patient.address, random32())).wait();
    await (await records.connect(guardian).decideTreatment(treatmentId, true)).wait();
    await (await consents.connect(provider).openEmergencyAccess(patient.address, code32('UNCONSCIOUS'))).wait();
    await stack.indexed();
    const client = await new ApiClient(stack.url).signIn(guardian);
    const answer = await client.graphql<{ patient: { treatments: { nodes: { id: string; status: string; decidedBy: string }[] }; emergencyAccesses: { nodes: { provider: string; reason: string }[] } } }>(
      `query ($p: Address!) { patient(address: $p) { treatments { nodes { id status decidedBy } } emergencyAccesses { nodes { provider reason } } } }`,
      { p: patient.address },
    );
    expect(answer.errors).toBeUndefined();
    expect(answer.data!.patient.treatments.nodes).toEqual([{ id: treatmentId, status: 'APPROVED', decidedBy: guardian.address.toLowerCase() }]);
    expect(answer.data!.patient.emergencyAccesses.nodes).toEqual([{ provider: provider.address.toLowerCase(), reason: 'UNCONSCIOUS' }]);
  });

  it('erases a record: its content is destroyed and the erase transaction is prepared for the patient', async () => {
    const { patient } = stack.system;
    const client = await new ApiClient(stack.url).signIn(patient);
    const recordId = seeded.observations[0]!;
    const erased = await client.graphql<{ eraseRecord: { transaction: { to: string; data: string } } }>(`mutation ($id: Bytes32!) { eraseRecord(id: $id) { recordId transaction { to data } } }`, { id: recordId });
    expect(erased.errors).toBeUndefined();
    await (await patient.sendTransaction(erased.data!.eraseRecord.transaction)).wait();
    await stack.indexed();
    const answer = await client.graphql<{ record: { erased: boolean; integrity: string; content: unknown } }>(`query ($id: Bytes32!) { record(id: $id) { erased integrity content } }`, { id: recordId });
    expect(answer.errors).toBeUndefined();
    expect(answer.data!.record).toEqual({ erased: true, integrity: 'ERASED', content: null });
  });

  it('turns a consent the contract would refuse into BAD_USER_INPUT instead of a failed transaction', async () => {
    const { patient, researcher } = stack.system;
    // The chain's clock runs ahead of the server's: the signature's deadline has passed on-chain.
    await time.increase(10 * 86_400);
    const client = await new ApiClient(stack.url).signIn(patient);
    const terms = { patient: patient.address, grantee: researcher.address, scope: 'Observation', purpose: 'HRESCH', expiresAt: new Date(Date.now() + 86_400_000).toISOString() };
    const prepared = await client.graphql<{ consentTypedData: { typedData: { domain: Record<string, unknown>; types: Record<string, { name: string; type: string }[]>; message: Record<string, unknown> }; deadline: string } }>(TYPED_DATA, { terms });
    const { typedData, deadline } = prepared.data!.consentTypedData;
    const { EIP712Domain: _domain, ...types } = typedData.types;
    const signature = await patient.signTypedData(typedData.domain, types, typedData.message);
    const answer = await client.graphql(RELAY, { input: { terms, deadline, signature } });
    expect(answer.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.terms' });
    expect(answer.errors?.[0]?.message).toMatch(/ConsentManagerSignatureExpired/);
  });
});

