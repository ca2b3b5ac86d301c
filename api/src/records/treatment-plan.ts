import type { FhirResource } from './fhir-validator';

/**
 * A treatment plan is stored like a record: a FHIR R4 CarePlan (a proposal for the patient), validated,
 * encrypted with its own data key, and committed to with a salt. The record id is the treatment id and
 * the commitment is the planHash the provider proposes on-chain, so the patient can check the text
 * they approve is the one the chain committed to.
 */
export const PLAN_CATEGORY = 'CarePlan';

export function planDocument(patient: string, text: string): FhirResource {
  return { resourceType: PLAN_CATEGORY, status: 'draft', intent: 'proposal', subject: { reference: `Patient/${patient}` }, description: text };
}

/** The plan's text, or null when the content is not a plan document (or was erased). */
export function planText(content: FhirResource | null): string | null {
  return content?.resourceType === PLAN_CATEGORY && typeof content.description === 'string' ? content.description : null;
}
