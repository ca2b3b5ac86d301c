/**
 * What a subscriber of `myEvents` is told: one change the subgraph made visible at one block, with the
 * accounts it concerns and what a client needs to refetch. Nothing here is personal or medical: the
 * same addresses, ids and codes the index holds.
 */

/** What happened. */
export const LIVE_EVENT_KINDS = [
  'RECORD_ANCHORED',
  'RECORD_AMENDED',
  'RECORD_ERASED',
  'CONSENT_GRANTED',
  'CONSENT_RENEWED',
  'CONSENT_REVOKED',
  'CONSENT_EXPIRED',
  'GUARDIAN_APPOINTED',
  'GUARDIAN_REMOVED',
  'TREATMENT_PROPOSED',
  'TREATMENT_APPROVED',
  'TREATMENT_REJECTED',
  'EMERGENCY_ACCESS_OPENED',
  'EMERGENCY_ACCESS_CLOSED',
  'AMENDMENT_REQUESTED',
  'AMENDMENT_ACCEPTED',
  'AMENDMENT_DECLINED',
] as const;
export type LiveEventKind = (typeof LIVE_EVENT_KINDS)[number];

/** Which object the event is about: what to refetch, and whose permission rule decides who is told. */
export const LIVE_SUBJECTS = ['RECORD', 'CONSENT', 'GUARDIANSHIP', 'TREATMENT', 'EMERGENCY_ACCESS', 'AMENDMENT_REQUEST'] as const;
export type LiveSubject = (typeof LIVE_SUBJECTS)[number];

export interface LiveEvent {
  kind: LiveEventKind;
  subject: LiveSubject;
  /** The id of the object to refetch: record, consent, guardian link, treatment, emergency access or amendment request. */
  subjectId: string;
  /** The block at which the index made the change visible: a query pinned to it sees it. */
  block: number;
  /** The transaction, when the index names it (null for an erasure, a treatment and an expiry). */
  transactionHash: string | null;
  /** The patient whose data or decision it is (lowercase address). */
  patient: string;
  /** The other party: grantee, guardian, provider, record author, or an answered amendment request's requester (lowercase address). */
  counterparty: string | null;
  /** Who acted, when it is neither of the above or the index names them (lowercase address). */
  actor: string | null;
  /** The record's category (also of an amendment request's record) or the consent's scope. */
  category: string | null;
  /** The consent's purpose of use, or the emergency access's reason code. */
  purpose: string | null;
  /** When the consent, guardianship or emergency access ends, where it has an end. */
  expiresAt: Date | null;
  /** The patient's guardians at that block, who act for the patient and are told too. */
  guardians: string[];
  /**
   * For an amendment request: the accounts holding a write consent for its record's category at that
   * block, who may answer it and are told too (the permission rule decides afresh at delivery).
   */
  answerers: string[];
}

/** The accounts an event concerns: the patient, the patient's guardians, the other party, whoever acted, and who may answer. */
export function partiesOf(event: LiveEvent): string[] {
  return [...new Set([event.patient, ...event.guardians, event.counterparty, event.actor, ...event.answerers].filter((address): address is string => address !== null))];
}
