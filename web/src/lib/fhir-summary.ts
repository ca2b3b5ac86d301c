/**
 * What a person reads first about a FHIR R4 resource: what it is, its value and unit, when, and its
 * status. Only the common elements of the categories the client offers; the raw JSON stays available.
 */
type Json = Record<string, unknown>;

interface Coding {
  display?: string;
  code?: string;
}
interface CodeableConcept {
  text?: string;
  coding?: Coding[];
}

const concept = (value: unknown): string | null => {
  const item = value as CodeableConcept | undefined;
  if (!item || typeof item !== 'object') return null;
  return item.text ?? item.coding?.find((coding) => coding.display)?.display ?? item.coding?.[0]?.code ?? null;
};

function valueOf(resource: Json): string | null {
  const quantity = resource.valueQuantity as { value?: number; unit?: string; code?: string } | undefined;
  if (quantity && quantity.value !== undefined) return `${quantity.value} ${quantity.unit ?? quantity.code ?? ''}`.trim();
  if (typeof resource.valueString === 'string') return resource.valueString;
  if (typeof resource.valueBoolean === 'boolean') return resource.valueBoolean ? 'yes' : 'no';
  if (typeof resource.valueInteger === 'number') return String(resource.valueInteger);
  const coded = concept(resource.valueCodeableConcept);
  if (coded) return coded;
  const dosage = (resource.dosageInstruction as Array<{ text?: string }> | undefined)?.[0]?.text;
  if (dosage) return dosage;
  const reaction = (resource.reaction as Array<{ manifestation?: unknown[] }> | undefined)?.[0]?.manifestation?.[0];
  return concept(reaction);
}

const DATE_ELEMENTS = ['effectiveDateTime', 'occurrenceDateTime', 'recordedDate', 'onsetDateTime', 'authoredOn', 'issued', 'birthDate', 'date'];

function dateOf(resource: Json): string | null {
  for (const element of DATE_ELEMENTS) {
    const value = resource[element];
    if (typeof value === 'string') {
      const date = new Date(value);
      return Number.isNaN(date.getTime()) ? value : value.length <= 10 ? date.toLocaleDateString() : date.toLocaleString();
    }
  }
  const period = resource.effectivePeriod as { start?: string } | undefined;
  return period?.start ? new Date(period.start).toLocaleString() : null;
}

function statusOf(resource: Json): string | null {
  if (typeof resource.status === 'string') return resource.status;
  return concept(resource.clinicalStatus) ?? concept(resource.verificationStatus);
}

function whatOf(resource: Json): string | null {
  for (const element of ['code', 'vaccineCode', 'medicationCodeableConcept', 'type']) {
    const text = concept(resource[element]);
    if (text) return text;
  }
  const names = resource.name as Array<{ text?: string; given?: string[]; family?: string }> | undefined;
  if (names?.[0]) return names[0].text ?? [...(names[0].given ?? []), names[0].family].filter(Boolean).join(' ');
  return typeof resource.description === 'string' ? resource.description : null;
}

/** The summary rows of a resource, in reading order; rows with nothing to say are left out. */
export function summarize(resource: unknown): Array<[string, string]> {
  if (!resource || typeof resource !== 'object') return [];
  const json = resource as Json;
  const rows: Array<[string, string | null]> = [
    ['What', whatOf(json)],
    ['Value', valueOf(json)],
    ['Date', dateOf(json)],
    ['Status', statusOf(json)],
  ];
  return rows.filter((row): row is [string, string] => row[1] !== null && row[1] !== '');
}
