import { BlockEventsDocument, ConsentsDocument, ExpiredConsentsDocument, GuardianLinksDocument } from '../graphql/subgraph/documents';
import type { SubgraphClient } from '../graphql/subgraph/subgraph-client';
import type { LiveEvent, LiveEventKind } from './live-event';

/**
 * graph-node's largest page. One block holds far fewer events of one kind (the cheapest, a consent
 * change, costs over 50,000 gas: a 30M-gas block fits about 600); expiries are not bounded by gas, so
 * they are read page by page.
 */
const PAGE = 1000;

const RECORD_VERSION_KIND = (version: number): LiveEventKind => (version === 1 ? 'RECORD_ANCHORED' : 'RECORD_AMENDED');
const CONSENT_KIND = { GRANTED: 'CONSENT_GRANTED', RENEWED: 'CONSENT_RENEWED', REVOKED: 'CONSENT_REVOKED' } as const;
const GUARDIAN_KIND = { APPOINTED: 'GUARDIAN_APPOINTED', REMOVED: 'GUARDIAN_REMOVED' } as const;
const TREATMENT_KIND = { PROPOSED: 'TREATMENT_PROPOSED', APPROVED: 'TREATMENT_APPROVED', REJECTED: 'TREATMENT_REJECTED' } as const;
const AMENDMENT_KIND = { OPEN: 'AMENDMENT_REQUESTED', ACCEPTED: 'AMENDMENT_ACCEPTED', DECLINED: 'AMENDMENT_DECLINED' } as const;
/** The consent scope that covers every category (ConsentManager.ALL_SCOPES). */
const ALL_SCOPES = '*';

/** A time the index holds in seconds. */
const time = (seconds: string | null): Date | null => (seconds === null ? null : new Date(Number(seconds) * 1000));

const none = { transactionHash: null, counterparty: null, actor: null, category: null, purpose: null, expiresAt: null };

/** A block's time (seconds), from the chain's block header. */
export type BlockTime = (block: number) => Promise<number>;

/**
 * Every event the subgraph made visible at `block`, read at that block (so what a subscriber is told
 * is what a query pinned to the block answers), in a fixed order. Two queries: the block's event
 * entities and changed objects, then the consents whose expiry fell between the previous block's time
 * and this one's. `block` must be indexed.
 */
export async function eventsAtBlock(subgraph: SubgraphClient, block: number, blockTimeOf: BlockTime): Promise<LiveEvent[]> {
  const at = { number: block };
  const data = await subgraph.request(BlockEventsDocument, {
    block: at,
    number: String(block),
    changed: { number_gte: block },
  });
  const events: LiveEvent[] = [];
  const add = (event: Omit<LiveEvent, 'block' | 'guardians' | 'answerers'>) => events.push({ ...none, ...event, block, guardians: [], answerers: [] });
  for (const version of data.recordVersions) {
    add({
      kind: RECORD_VERSION_KIND(version.version),
      subject: 'RECORD',
      subjectId: version.record.id,
      transactionHash: version.transactionHash,
      patient: version.record.patient.id,
      counterparty: version.author.id,
      actor: null,
      category: version.record.categoryName,
      purpose: null,
      expiresAt: null,
    });
  }
  for (const record of data.erasedRecords) {
    add({ kind: 'RECORD_ERASED', subject: 'RECORD', subjectId: record.id, patient: record.patient.id, transactionHash: null, counterparty: record.author.id, actor: record.erasedBy?.id ?? null, category: record.categoryName, purpose: null, expiresAt: null });
  }
  for (const change of data.consentChanges) {
    add({
      kind: CONSENT_KIND[change.kind],
      subject: 'CONSENT',
      subjectId: change.consent.id,
      transactionHash: change.transactionHash,
      patient: change.patient.id,
      counterparty: change.grantee.id,
      actor: change.actor.id,
      category: change.scopeName,
      purpose: change.purpose,
      expiresAt: time(change.expiresAt),
    });
  }
  for (const change of data.guardianChanges) {
    add({
      kind: GUARDIAN_KIND[change.kind],
      subject: 'GUARDIANSHIP',
      subjectId: change.link.id,
      transactionHash: change.transactionHash,
      patient: change.patient.id,
      counterparty: change.guardian.id,
      actor: change.actor.id,
      category: null,
      purpose: null,
      expiresAt: time(change.expiresAt),
    });
  }
  for (const treatment of data.treatments) {
    add({ kind: TREATMENT_KIND[treatment.status], subject: 'TREATMENT', subjectId: treatment.id, transactionHash: null, patient: treatment.patient.id, counterparty: treatment.provider.id, actor: treatment.decidedBy?.id ?? null, category: null, purpose: null, expiresAt: null });
  }
  for (const access of data.emergencyAccesses) {
    add({ kind: 'EMERGENCY_ACCESS_OPENED', subject: 'EMERGENCY_ACCESS', subjectId: access.id, transactionHash: access.transactionHash, patient: access.patient.id, counterparty: access.provider.id, actor: null, category: null, purpose: access.reason, expiresAt: time(access.expiresAt) });
  }
  for (const closure of data.emergencyAccessClosures) {
    add({ kind: 'EMERGENCY_ACCESS_CLOSED', subject: 'EMERGENCY_ACCESS', subjectId: closure.access.id, transactionHash: closure.transactionHash, patient: closure.patient.id, counterparty: closure.provider.id, actor: closure.closedBy.id, category: null, purpose: null, expiresAt: null });
  }
  for (const request of data.amendmentRequests) {
    const answered = request.status !== 'OPEN';
    add({
      kind: AMENDMENT_KIND[request.status],
      subject: 'AMENDMENT_REQUEST',
      subjectId: request.id,
      transactionHash: answered ? request.answerTransactionHash ?? null : request.transactionHash,
      patient: request.patient.id,
      counterparty: answered ? request.requestedBy.id : null,
      actor: answered ? request.answeredBy?.id ?? null : request.requestedBy.id,
      category: request.record.categoryName,
      purpose: null,
      expiresAt: null,
    });
  }
  const [previousTime, blockTime] = await Promise.all([blockTimeOf(block - 1), blockTimeOf(block)]);
  if (blockTime > previousTime) {
    for (let idAfter = '0x'; ; ) {
      const { consents } = await subgraph.request(ExpiredConsentsDocument, { block: at, after: String(previousTime), until: String(blockTime), idAfter });
      for (const consent of consents) {
        add({ kind: 'CONSENT_EXPIRED', subject: 'CONSENT', subjectId: consent.id, transactionHash: null, patient: consent.patient.id, counterparty: consent.grantee.id, actor: null, category: consent.scopeName, purpose: consent.purpose, expiresAt: time(consent.expiresAt) });
      }
      if (consents.length < PAGE) break;
      idAfter = consents[consents.length - 1]!.id;
    }
  }
  await addGuardians(subgraph, block, events);
  await addAnswerers(subgraph, block, blockTime, events);
  return events;
}

/**
 * Who may answer the block's amendment requests is told of them too: the grantees of a write consent
 * for the record's category (or every category) active at the block. Whether one still may answer
 * (a verified provider, the consent still active) is the permission rule's to decide, at the latest block.
 */
async function addAnswerers(subgraph: SubgraphClient, block: number, blockTime: number, events: LiveEvent[]): Promise<void> {
  const requests = events.filter((event) => event.subject === 'AMENDMENT_REQUEST');
  if (requests.length === 0) return;
  const writers = new Map<string, Set<string>>();
  const key = (patient: string, scope: string) => `${patient}\n${scope}`;
  const patients = [...new Set(requests.map((event) => event.patient))];
  const scopes = [...new Set([ALL_SCOPES, ...requests.map((event) => event.category ?? '')])];
  for (let idAfter = '0x'; ; ) {
    const where = { patient_in: patients, scopeName_in: scopes, canWrite: true, revoked: false, expiresAt_gt: String(blockTime), id_gt: idAfter };
    const { consents } = await subgraph.request(ConsentsDocument, { block: { number: block }, where, first: PAGE });
    for (const consent of consents) {
      const scope = key(consent.patient.id, consent.scopeName);
      writers.set(scope, (writers.get(scope) ?? new Set()).add(consent.grantee.id));
    }
    if (consents.length < PAGE) break;
    idAfter = consents[consents.length - 1]!.id;
  }
  for (const event of requests) {
    event.answerers = [...new Set([...(writers.get(key(event.patient, event.category ?? '')) ?? []), ...(writers.get(key(event.patient, ALL_SCOPES)) ?? [])])];
  }
}

/**
 * The patients' guardians appointed at `block` are told too (they act for the patient: a parent sees
 * emergency access to a child's records); whether a guardianship still counts (its expiry) is the
 * permission rule's to decide, at the latest block.
 */
async function addGuardians(subgraph: SubgraphClient, block: number, events: LiveEvent[]): Promise<void> {
  const patients = [...new Set(events.map((event) => event.patient))];
  if (patients.length === 0) return;
  const guardians = new Map<string, string[]>();
  for (let idAfter = '0x'; ; ) {
    const { guardianLinks } = await subgraph.request(GuardianLinksDocument, { block: { number: block }, where: { patient_in: patients, appointed: true, id_gt: idAfter }, first: PAGE });
    for (const link of guardianLinks) guardians.set(link.patient.id, [...(guardians.get(link.patient.id) ?? []), link.guardian.id]);
    if (guardianLinks.length < PAGE) break;
    idAfter = guardianLinks[guardianLinks.length - 1]!.id;
  }
  for (const event of events) event.guardians = guardians.get(event.patient) ?? [];
}
