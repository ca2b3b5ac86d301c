import { encodeBytes32String, hexlify, keccak256, randomBytes, toUtf8Bytes, zeroPadBytes } from 'ethers';

/** Data categories the client offers: FHIR R4 resource types, and `*` for every category. */
export const CATEGORIES = ['Observation', 'Condition', 'MedicationRequest', 'AllergyIntolerance', 'Immunization', 'DiagnosticReport', 'Patient'] as const;
/** HL7 v3 PurposeOfUse codes the client offers. */
export const PURPOSES = [
  ['TREAT', 'treatment'],
  ['ETREAT', 'emergency treatment'],
  ['HPAYMT', 'payment'],
  ['HRESCH', 'research'],
  ['PUBHLTH', 'public health'],
] as const;
/** Reasons a provider can give for emergency access. */
export const EMERGENCY_REASONS = ['UNCONSCIOUS', 'TRAUMA', 'CARDIAC_ARREST', 'OVERDOSE'] as const;

/** What people read instead of the codes the chain and the API use. */
const CATEGORY_LABELS: Record<string, string> = {
  Observation: 'Observations (vital signs, lab results)',
  Condition: 'Conditions (diagnoses)',
  MedicationRequest: 'Prescriptions',
  AllergyIntolerance: 'Allergies',
  Immunization: 'Immunizations',
  DiagnosticReport: 'Diagnostic reports',
  Patient: 'Demographics (name, birth date)',
  CarePlan: 'Treatment plans',
  '*': 'Every category',
};
const PURPOSE_LABELS: Record<string, string> = Object.fromEntries(PURPOSES.map(([code, label]) => [code, label[0]!.toUpperCase() + label.slice(1)]));
const REASON_LABELS: Record<string, string> = {
  UNCONSCIOUS: 'Patient unconscious',
  TRAUMA: 'Trauma',
  CARDIAC_ARREST: 'Cardiac arrest',
  OVERDOSE: 'Overdose',
};
const DECISION_LABELS: Record<string, string> = { ALLOWED: 'Allowed', DENIED: 'Denied', allowed: 'Allowed', denied: 'Denied' };

export const categoryLabel = (code: string): string => CATEGORY_LABELS[code] ?? code;
export const purposeLabel = (code: string): string => PURPOSE_LABELS[code] ?? code;
export const reasonLabel = (code: string): string => REASON_LABELS[code] ?? code;
export const decisionLabel = (code: string): string => DECISION_LABELS[code] ?? code;
export const accessLabel = (read: boolean, write: boolean): string => (read && write ? 'Read and write' : write ? 'Write' : read ? 'Read' : '—');
/** Options for a select of categories: the code as value, the label as text. */
export const categoryOptions = (codes: readonly string[]): Array<[string, string]> => codes.map((code) => [code, categoryLabel(code)]);

export const READ = 1;
export const WRITE = 2;

export const scope32 = (name: string): string => encodeBytes32String(name);
export const purpose16 = (code: string): string => zeroPadBytes(toUtf8Bytes(code), 16);
export const random32 = (): string => hexlify(randomBytes(32));
export const hashText = (text: string): string => keccak256(toUtf8Bytes(text));

/** A FHIR R4 example of each category, for the "add a record" form to start from. */
export function fhirTemplate(category: string, patientRef: string): Record<string, unknown> {
  const subject = { reference: `Patient/${patientRef}` };
  const today = new Date().toISOString().slice(0, 10);
  switch (category) {
    case 'Condition':
      return {
        resourceType: 'Condition',
        clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }] },
        code: { coding: [{ system: 'http://snomed.info/sct', code: '195967001', display: 'Asthma' }] },
        subject,
        recordedDate: today,
      };
    case 'AllergyIntolerance':
      return {
        resourceType: 'AllergyIntolerance',
        code: { coding: [{ system: 'http://snomed.info/sct', code: '91936005', display: 'Allergy to penicillin' }] },
        patient: subject,
      };
    case 'Immunization':
      return {
        resourceType: 'Immunization',
        status: 'completed',
        vaccineCode: { coding: [{ system: 'http://hl7.org/fhir/sid/cvx', code: '140', display: 'Influenza, seasonal' }] },
        patient: subject,
        occurrenceDateTime: today,
      };
    case 'MedicationRequest':
      return {
        resourceType: 'MedicationRequest',
        status: 'active',
        intent: 'order',
        medicationCodeableConcept: { coding: [{ system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code: '745679', display: 'Albuterol inhaler' }] },
        subject,
      };
    default:
      return {
        resourceType: 'Observation',
        status: 'final',
        code: { coding: [{ system: 'http://loinc.org', code: '8867-4', display: 'Heart rate' }] },
        subject,
        effectiveDateTime: new Date().toISOString(),
        valueQuantity: { value: 72, unit: 'beats/minute', system: 'http://unitsofmeasure.org', code: '/min' },
      };
  }
}
