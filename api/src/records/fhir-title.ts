import type { FhirResource } from './fhir-validator';

/** The elements that say what a clinical resource is, in the order they are looked for. */
const TITLE_ELEMENTS = ['code', 'vaccineCode', 'medicationCodeableConcept', 'type'];

/**
 * What a FHIR resource is, as a clinician names it: the text of its code (e.g. "Asthma", "Heart rate"),
 * else the first coding's display, else its description; null when it names nothing.
 */
export function resourceTitle(content: FhirResource | null): string | null {
  if (!content) return null;
  for (const element of TITLE_ELEMENTS) {
    const concept = content[element] as { text?: unknown; coding?: Array<{ display?: unknown }> } | undefined;
    if (typeof concept?.text === 'string') return concept.text;
    const display = concept?.coding?.find((coding) => typeof coding.display === 'string')?.display;
    if (typeof display === 'string') return display;
  }
  return typeof content.description === 'string' ? content.description : null;
}
