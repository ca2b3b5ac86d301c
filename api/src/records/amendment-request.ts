import type { FhirResource } from './fhir-validator';

/**
 * An amendment request (the HIPAA right to amend, 45 CFR 164.526) is stored like a record: a FHIR R4
 * Task asking the record's clinicians to correct it, with the proposed new content and the reason,
 * validated, encrypted with its own data key and committed to with a salt. The document's id is the
 * request id and its commitment the requestHash the patient files on-chain. A decline is its second
 * version (the same Task, rejected, with the clinician's reason), whose commitment is the reasonHash
 * on-chain, so both sides can check the texts they read are the ones the chain committed to.
 */
export const REQUEST_CATEGORY = 'Task';

/** Longest reason accepted, for a request or a decline. */
export const MAX_REASON_LENGTH = 2000;

const RECORD_SYSTEM = 'urn:health-records:record';

export function requestDocument(input: { patient: string; recordId: string; version: number; proposedChange: FhirResource; reason: string }): FhirResource {
  return {
    resourceType: REQUEST_CATEGORY,
    status: 'requested',
    intent: 'proposal',
    code: { text: 'Amend record' },
    focus: { identifier: { system: RECORD_SYSTEM, value: `${input.recordId}#${input.version}` } },
    for: { reference: `Patient/${input.patient}` },
    description: input.reason,
    input: [{ type: { text: 'Proposed change' }, valueString: JSON.stringify(input.proposedChange) }],
  };
}

export function declinedDocument(request: FhirResource, reason: string): FhirResource {
  return { ...request, status: 'rejected', statusReason: { text: reason } };
}

/** What a stored request says, or null when the content is not a request (or was erased). */
export function requestDetails(content: FhirResource | null): { reason: string; proposedChange: unknown; declineReason: string | null } | null {
  if (content?.resourceType !== REQUEST_CATEGORY || typeof content.description !== 'string') return null;
  const change = (content.input as Array<{ valueString?: unknown }> | undefined)?.[0]?.valueString;
  if (typeof change !== 'string') return null;
  const declined = (content.statusReason as { text?: unknown } | undefined)?.text;
  return { reason: content.description, proposedChange: JSON.parse(change) as unknown, declineReason: typeof declined === 'string' ? declined : null };
}
