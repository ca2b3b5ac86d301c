import type { FhirSite, Resource } from './fhir.resources';
import { MAX_COUNT } from './fhir.search';

/** The resource types records hold that the facade serves (a record's category is its FHIR resource type). */
export const CLINICAL_TYPES = [
  'AllergyIntolerance',
  'CarePlan',
  'Condition',
  'DiagnosticReport',
  'DocumentReference',
  'Encounter',
  'Immunization',
  'MedicationRequest',
  'MedicationStatement',
  'Observation',
  'Procedure',
] as const;

const param = (name: string, type: string, documentation: string) => ({ name, type, documentation });
const COUNT = param('_count', 'number', `Page size, 1 to ${MAX_COUNT} (default 20).`);
const PAGE = param('_page', 'string', "Opaque page token: follow the Bundle's next and previous links.");
const PURPOSE = param('purpose', 'token', 'HL7 v3 PurposeOfUse of the read (default TREAT; ETREAT for emergency access). A consent counts only for its own purpose.');
const PATIENT = param('patient', 'reference', 'Required: Patient/<account address>.');

/**
 * What the facade supports, exactly: every interaction, search parameter and operation it answers;
 * anything else is refused with an OperationOutcome.
 */
export function capabilityStatement(site: FhirSite, software: { name: string }): Resource {
  const clinical = CLINICAL_TYPES.map((type) => ({
    type,
    interaction: [{ code: 'read' }, { code: 'search-type' }],
    versioning: 'versioned',
    readHistory: false,
    searchParam: [PATIENT, param('_lastUpdated', 'date', 'When the record last changed on-chain (eq, ge, gt, le, lt; repeatable).'), COUNT, PAGE, PURPOSE],
  }));
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: new Date().toISOString(),
    kind: 'instance',
    software,
    implementation: { description: 'Patient-controlled health records on Ethereum: FHIR R4 facade', url: site.baseUrl },
    fhirVersion: '4.0.1',
    format: ['json', 'application/fhir+json'],
    rest: [
      {
        mode: 'server',
        documentation:
          'Reads only. Every read of record content is written to the access log before it is returned. Search parameters not listed are refused (400).',
        security: {
          cors: true,
          description:
            'Sign-In With Ethereum (EIP-4361): GET /auth/nonce, POST /auth/verify, then send the hr_session cookie; or POST /fhir/token with that cookie and {"scope": "patient/*.read user/Consent.read"} and send Authorization: Bearer <access_token>. Scopes (patient/<Type|*>.read: the account\'s own data; user/<Type|*>.read: whatever the account may read) narrow what the account may read, never widen it.',
        },
        resource: [
          {
            type: 'Patient',
            interaction: [{ code: 'read' }],
            operation: [{ name: 'everything', definition: 'http://hl7.org/fhir/OperationDefinition/Patient-everything', documentation: `_count (records per page), _page, purpose.` }],
          },
          ...clinical,
          {
            type: 'Consent',
            interaction: [{ code: 'search-type' }],
            searchParam: [
              param('patient', 'reference', 'Consents the patient gave (the patient and guardians).'),
              param('actor', 'reference', 'Consents the signed-in account received (itself only).'),
              COUNT,
              PAGE,
            ],
          },
          {
            type: 'AuditEvent',
            interaction: [{ code: 'search-type' }],
            searchParam: [param('patient', 'reference', "Required: reads of this patient's records, newest first (the patient and guardians)."), COUNT, PAGE],
          },
          {
            type: 'Provenance',
            interaction: [{ code: 'search-type' }],
            searchParam: [
              param('target', 'reference', '<Type>/<id> or <Type>/<id>/_history/<version>: the versions of one record.'),
              param('patient', 'reference', "Every version of the patient's records (needs access to every category)."),
              COUNT,
              PAGE,
            ],
          },
        ],
      },
    ],
  };
}
