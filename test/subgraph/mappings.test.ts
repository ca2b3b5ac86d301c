/**
 * The project's subgraph, built by `npm run build:subgraph`, indexed by graph-node (`gnd dev` from
 * npm) from real transactions of every kind on Hardhat's network, and read back through graph-node's
 * GraphQL query API.
 */
import path from 'node:path';
import { readFileSync } from 'node:fs';
import { introspectQuerySchema } from '../../stack/graph-node/query-schema';
import { deploySystem, type System } from '../fixtures/deploy';
import { startChainServer } from '../fixtures/chain-server';
import { runScenario, type ScenarioResult } from '../fixtures/scenario';
import { startTestGraphNode } from '../fixtures/graph-node';
import type { LocalGraphNode } from '../../stack/graph-node';

jest.setTimeout(300_000);

const BUILD = path.resolve(__dirname, '../../subgraph/build');
const lower = (value: string) => value.toLowerCase();

let chain: Awaited<ReturnType<typeof startChainServer>>;
let node: LocalGraphNode;
let s: System;
let scenario: ScenarioResult;

async function query<T = Record<string, unknown>>(text: string, variables: Record<string, unknown> = {}): Promise<T> {
  const response = await fetch(node.queryUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: text, variables }),
  });
  const body = (await response.json()) as { data?: T; errors?: { message: string }[] };
  if (body.errors) throw new Error(body.errors.map((e) => e.message).join('; '));
  return body.data!;
}

beforeAll(async () => {
  chain = await startChainServer();
  s = await deploySystem();
  // The build indexes the addresses in subgraph/networks.json: a fresh chain's first deployment.
  const networks = JSON.parse(readFileSync(path.resolve(__dirname, '../../subgraph/networks.json'), 'utf8'));
  expect(networks.localhost.RecordRegistry.address).toBe(s.deployment.contracts.RecordRegistry.address);
  scenario = await runScenario(s);
  node = await startTestGraphNode({ manifest: path.join(BUILD, 'subgraph.yaml'), rpcUrl: chain.url });
  await node.waitForBlock(scenario.lastBlock, 180_000);
});

afterAll(async () => {
  await node?.stop();
  await chain?.close();
});

describe('subgraph mappings', () => {
  it('indexes the directory: member kinds, statuses and changes', async () => {
    const data = await query<{ provider: any; suspended: any; researcher: any }>(
      `query($p: ID!, $s: ID!, $r: ID!) {
        provider: account(id: $p) { memberKind memberStatus credentialHash memberChanges { kind status registrar { id } } }
        suspended: account(id: $s) { memberKind memberStatus memberChanges(orderBy: blockNumber) { status reasonCode credentialHash registrar { id } timestamp transactionHash } }
        researcher: account(id: $r) { memberKind memberStatus }
      }`,
      { p: lower(s.provider.address), s: lower(s.provider2.address), r: lower(s.researcher.address) },
    );
    expect(data.provider).toMatchObject({ memberKind: 'PROVIDER', memberStatus: 'VERIFIED' });
    expect(data.provider.credentialHash).toMatch(/^0x[0-9a-f]{64}$/);
    expect(data.provider.memberChanges).toEqual([{ kind: 'PROVIDER', status: 'VERIFIED', registrar: { id: lower(s.registrar.address) } }]);
    expect(data.researcher).toEqual({ memberKind: 'RESEARCHER', memberStatus: 'VERIFIED' });
    expect(data.suspended.memberStatus).toBe('SUSPENDED');
    expect(data.suspended.memberChanges).toHaveLength(2);
    expect(data.suspended.memberChanges[1]).toEqual({
      status: 'SUSPENDED',
      reasonCode: 'LICENCE_EXPIRED',
      credentialHash: null,
      registrar: { id: lower(s.registrar.address) },
      timestamp: String(scenario.suspension.timestamp),
      transactionHash: scenario.suspension.hash,
    });
  });

  it('indexes guardian appointments, expiry and removal', async () => {
    const data = await query<{ account: any }>(
      `query($id: ID!) { account(id: $id) { guardians(orderBy: appointedAt) { guardian { id } expiresAt appointed removedAt removedBy { id } changes(orderBy: blockNumber) { kind actor { id } expiresAt } } } }`,
      { id: lower(s.patient.address) },
    );
    const byGuardian = Object.fromEntries(data.account.guardians.map((g: any) => [g.guardian.id, g]));
    expect(byGuardian[lower(s.guardian.address)]).toMatchObject({ expiresAt: null, appointed: true, removedAt: null });
    expect(byGuardian[lower(s.stranger.address)]).toMatchObject({ expiresAt: String(scenario.guardians.tempExpiry), appointed: true });
    expect(byGuardian[lower(s.relayer.address)]).toMatchObject({
      appointed: false,
      removedAt: String(scenario.guardians.removed.timestamp),
      removedBy: { id: lower(s.patient.address) },
    });
    expect(byGuardian[lower(s.relayer.address)].changes).toEqual([
      { kind: 'APPOINTED', actor: { id: lower(s.patient.address) }, expiresAt: null },
      { kind: 'REMOVED', actor: { id: lower(s.patient.address) }, expiresAt: null },
    ]);
    // Expiry is time: the temporary guardian's appointment ended before the last indexed block.
    const meta = await query<{ _meta: { block: { timestamp: number } } }>('{ _meta { block { timestamp } } }');
    expect(BigInt(meta._meta.block.timestamp)).toBeGreaterThan(scenario.guardians.tempExpiry);
  });

  it('indexes consents as current state with every change', async () => {
    const c = scenario.consents;
    const data = await query<{ provider: any; researcher: any; signed: any }>(
      `query($p: ID!, $r: ID!, $s: ID!) {
        provider: consent(id: $p) { patient { id } grantee { id } scope scopeName access canRead canWrite purpose expiresAt revoked grantedBy { id } viaSignature createdAt updatedAt
          changes(orderBy: blockNumber) { kind access purpose expiresAt actor { id } relayer { id } } }
        researcher: consent(id: $r) { scopeName access canRead canWrite purpose revoked changes(orderBy: blockNumber) { kind access expiresAt actor { id } } }
        signed: consent(id: $s) { scopeName purpose access grantedBy { id } viaSignature changes { kind actor { id } relayer { id } } }
      }`,
      { p: lower(c.providerConsentId), r: lower(c.researcherConsentId), s: lower(c.signedConsentId) },
    );
    expect(data.provider).toMatchObject({
      patient: { id: lower(s.patient.address) },
      grantee: { id: lower(s.provider.address) },
      scopeName: 'Observation',
      access: 3,
      canRead: true,
      canWrite: true,
      purpose: 'TREAT',
      expiresAt: String(c.renewedExpiry),
      revoked: false,
      grantedBy: { id: lower(s.patient.address) },
      viaSignature: false,
      createdAt: String(c.granted.timestamp),
      updatedAt: String(c.renewed.timestamp),
    });
    expect(data.provider.scope).toBe(`0x${Buffer.from('Observation').toString('hex').padEnd(64, '0')}`);
    expect(data.provider.changes).toEqual([
      { kind: 'GRANTED', access: 3, purpose: 'TREAT', expiresAt: String(c.firstExpiry), actor: { id: lower(s.patient.address) }, relayer: null },
      { kind: 'RENEWED', access: 3, purpose: 'TREAT', expiresAt: String(c.renewedExpiry), actor: { id: lower(s.guardian.address) }, relayer: null },
    ]);
    expect(data.researcher).toEqual({
      scopeName: '*',
      access: 1,
      canRead: true,
      canWrite: false,
      purpose: 'HRESCH',
      revoked: true,
      changes: [
        { kind: 'GRANTED', access: 1, expiresAt: String(c.researcherExpiry), actor: { id: lower(s.guardian.address) } },
        { kind: 'REVOKED', access: 0, expiresAt: null, actor: { id: lower(s.patient.address) } },
      ],
    });
    expect(data.signed).toEqual({
      scopeName: 'Condition',
      purpose: 'PUBHLTH',
      access: 1,
      grantedBy: { id: lower(s.patient.address) },
      viaSignature: true,
      changes: [{ kind: 'GRANTED', actor: { id: lower(s.patient.address) }, relayer: { id: lower(s.relayer.address) } }],
    });
    const patient = await query<{ account: any }>(`query($id: ID!) { account(id: $id) { openConsentCount consentsGiven(where: { revoked: false }) { id } } }`, {
      id: lower(s.patient.address),
    });
    expect(patient.account.openConsentCount).toBe(2);
    expect(patient.account.consentsGiven.map((x: any) => x.id).sort()).toEqual([lower(c.providerConsentId), lower(c.signedConsentId)].sort());
  });

  it('indexes records with every version, erasure and treatment link', async () => {
    const { r1, r2, r3, r1Anchor, erased } = scenario.records;
    const data = await query<{ r1: any; r2: any; r3: any; account: any }>(
      `query($r1: ID!, $r2: ID!, $r3: ID!, $p: ID!) {
        r1: record(id: $r1) { patient { id } category categoryName author { id } commitment version erased treatment { id } createdAt createdAtBlock
          versions(orderBy: version) { version author { id } commitment previousCommitment } }
        r2: record(id: $r2) { version erased erasedAt erasedBy { id } commitment }
        r3: record(id: $r3) { author { id } treatment { id status records { id } } }
        account(id: $p) { recordCount records(orderBy: createdAtBlock) { id } }
      }`,
      { r1: r1.id, r2: r2.id, r3: r3.id, p: lower(s.patient.address) },
    );
    expect(data.r1).toMatchObject({
      patient: { id: lower(s.patient.address) },
      categoryName: 'Observation',
      author: { id: lower(s.patient.address) },
      commitment: r1.commitments[2],
      version: 3,
      erased: false,
      treatment: null,
      createdAt: String(r1Anchor.timestamp),
      createdAtBlock: String(r1Anchor.block),
    });
    expect(data.r1.versions).toEqual(
      r1.commitments.map((commitment, i) => ({
        version: i + 1,
        author: { id: lower(r1.authors[i]!) },
        commitment,
        previousCommitment: i === 0 ? null : r1.commitments[i - 1],
      })),
    );
    expect(data.r2).toEqual({ version: 1, erased: true, erasedAt: String(erased.timestamp), erasedBy: { id: lower(s.guardian.address) }, commitment: r2.commitments[0] });
    expect(data.r3).toEqual({ author: { id: lower(s.provider.address) }, treatment: { id: r3.treatment, status: 'APPROVED', records: [{ id: r3.id }] } });
    expect(data.account.recordCount).toBe(3);
    expect(data.account.records.map((x: any) => x.id)).toEqual([r1.id, r2.id, r3.id]);
  });

  it('indexes amendment requests and their answers', async () => {
    const { accepted, acceptedFiled, acceptedAnswer, declined, declinedFiled, declinedAnswer } = scenario.amendments;
    const { r3 } = scenario.records;
    const fields = 'record { id } patient { id } requestedBy { id } version requestHash status requestedAt transactionHash answeredBy { id } answeredAt answerVersion reasonHash answerTransactionHash';
    const data = await query<{ accepted: any; declined: any; record: any; account: any }>(
      `query($a: ID!, $d: ID!, $r: ID!, $p: ID!) {
        accepted: amendmentRequest(id: $a) { ${fields} }
        declined: amendmentRequest(id: $d) { ${fields} }
        record(id: $r) { version commitment amendmentRequests { id } versions(orderBy: version) { version author { id } } }
        account(id: $p) { amendmentRequests { id } }
      }`,
      { a: accepted.id, d: declined.id, r: r3.id, p: lower(s.patient.address) },
    );
    const patient = { id: lower(s.patient.address) };
    const provider = { id: lower(s.provider.address) };
    expect(data.accepted).toEqual({
      record: { id: r3.id },
      patient,
      requestedBy: patient,
      version: 1,
      requestHash: accepted.requestHash,
      status: 'ACCEPTED',
      requestedAt: String(acceptedFiled.timestamp),
      transactionHash: acceptedFiled.hash,
      answeredBy: provider,
      answeredAt: String(acceptedAnswer.timestamp),
      answerVersion: 2,
      reasonHash: null,
      answerTransactionHash: acceptedAnswer.hash,
    });
    expect(data.declined).toEqual({
      record: { id: r3.id },
      patient,
      requestedBy: { id: lower(s.guardian.address) },
      version: 2,
      requestHash: declined.requestHash,
      status: 'DECLINED',
      requestedAt: String(declinedFiled.timestamp),
      transactionHash: declinedFiled.hash,
      answeredBy: provider,
      answeredAt: String(declinedAnswer.timestamp),
      answerVersion: 2,
      reasonHash: declined.reasonHash,
      answerTransactionHash: declinedAnswer.hash,
    });
    // Accepting amended the record: its new version is the provider's.
    expect(data.record).toMatchObject({ version: 2, commitment: r3.commitments[1], versions: [{ version: 1, author: provider }, { version: 2, author: provider }] });
    expect(data.record.amendmentRequests.map((x: any) => x.id).sort()).toEqual([accepted.id, declined.id].sort());
    expect(data.account.amendmentRequests.map((x: any) => x.id).sort()).toEqual([accepted.id, declined.id].sort());
  });

  it('indexes treatments, emergency accesses and audit batches', async () => {
    const t = scenario.treatments;
    const e = scenario.emergency;
    const a = scenario.audit;
    const data = await query<{ approved: any; rejected: any; emergencyAccesses: any[]; auditBatches: any[] }>(
      `query($a: ID!, $r: ID!) {
        approved: treatment(id: $a) { patient { id } provider { id } planHash status proposedAt decidedAt decidedBy { id } }
        rejected: treatment(id: $r) { status decidedBy { id } }
        emergencyAccesses(orderBy: blockNumber) { patient { id } provider { id } reason expiresAt timestamp closures { closedBy { id } timestamp } }
        auditBatches { batchId root entryCount fromTime toTime auditor { id } transactionHash }
      }`,
      { a: t.approvedTreatment, r: t.rejectedTreatment },
    );
    expect(data.approved).toEqual({
      patient: { id: lower(s.patient.address) },
      provider: { id: lower(s.provider.address) },
      planHash: t.approvedPlan,
      status: 'APPROVED',
      proposedAt: String(t.proposed.timestamp),
      decidedAt: String(t.approved.timestamp),
      decidedBy: { id: lower(s.guardian.address) },
    });
    expect(data.rejected).toEqual({ status: 'REJECTED', decidedBy: { id: lower(s.patient.address) } });
    const window = await s.consents.emergencyWindow();
    expect(data.emergencyAccesses).toEqual([
      {
        patient: { id: lower(s.patient.address) },
        provider: { id: lower(s.provider.address) },
        reason: 'UNCONSCIOUS',
        expiresAt: String(e.opened.timestamp + window),
        timestamp: String(e.opened.timestamp),
        closures: [{ closedBy: { id: lower(s.patient.address) }, timestamp: String(e.closed.timestamp) }],
      },
      {
        patient: { id: lower(s.patient.address) },
        provider: { id: lower(s.provider.address) },
        reason: 'TRAUMA',
        expiresAt: String(e.reopened.timestamp + window),
        timestamp: String(e.reopened.timestamp),
        closures: [],
      },
    ]);
    expect(data.auditBatches).toEqual([
      { batchId: '0', root: a.auditRoot, entryCount: 7, fromTime: String(a.from), toTime: String(a.to), auditor: { id: lower(s.auditor.address) }, transactionHash: a.batch.hash },
    ]);
  });

  it('writes one activity data point per counted event, which graph-node aggregates by hour and day', async () => {
    const data = await query<{ activityEvents: { metric: string; category: string; purpose: string; timestamp: string }[] }>(
      `{ activityEvents(first: 1000) { metric category purpose timestamp } }`,
    );
    const count = (metric: string, category: string, purpose: string) =>
      data.activityEvents.filter((d) => d.metric === metric && d.category === category && d.purpose === purpose).length;
    expect(count('RECORDS_ANCHORED', 'Observation', '')).toBe(3);
    // Two amendments of r1 and one of r3 (the accepted amendment request).
    expect(count('RECORDS_AMENDED', 'Observation', '')).toBe(3);
    expect(count('RECORDS_ERASED', 'Observation', '')).toBe(1);
    expect(count('CONSENTS_GRANTED', 'Observation', 'TREAT')).toBe(1);
    expect(count('CONSENTS_GRANTED', '*', 'HRESCH')).toBe(1);
    expect(count('CONSENTS_GRANTED', 'Condition', 'PUBHLTH')).toBe(1);
    expect(count('CONSENTS_RENEWED', 'Observation', 'TREAT')).toBe(1);
    expect(count('CONSENTS_REVOKED', '*', 'HRESCH')).toBe(1);
    expect(count('EMERGENCY_ACCESSES_OPENED', '', 'ETREAT')).toBe(2);
    expect(data.activityEvents).toHaveLength(14);

    // graph-node's aggregations, the current buckets included, count the same points.
    for (const interval of ['hour', 'day']) {
      const totals = await query<{ activityTotals: { metric: string; count: string }[] }>(`{ activityTotals(interval: ${interval}, current: include, first: 1000) { metric count } }`);
      const byMetric = (metric: string) => totals.activityTotals.filter((t) => t.metric === metric).reduce((sum, t) => sum + Number(t.count), 0);
      expect(byMetric('RECORDS_ANCHORED')).toBe(3);
      expect(byMetric('CONSENTS_GRANTED')).toBe(3);
      expect(byMetric('EMERGENCY_ACCESSES_OPENED')).toBe(2);
    }
  });

  it('answers as of an earlier block (time-travel)', async () => {
    const { r1, r1Anchor } = scenario.records;
    const data = await query<{ record: any }>(`query($id: ID!, $b: Int!) { record(id: $id, block: { number: $b }) { version commitment } }`, {
      id: r1.id,
      b: r1Anchor.block,
    });
    expect(data.record).toEqual({ version: 1, commitment: r1.commitments[0] });
  });
});

describe("graph-node's query schema", () => {
  it('is the committed subgraph/query-schema.graphql the API is typed against (npm run codegen:subgraph-schema rewrites it)', async () => {
    const committed = readFileSync(path.resolve(__dirname, '../../subgraph/query-schema.graphql'), 'utf8');
    expect(await introspectQuerySchema(node.queryUrl)).toBe(committed);
  });
});
