import { parse } from 'graphql';

/*
 * The GraphQL operations the FHIR facade runs, in process, against the API's own schema behind its
 * permission rules, with one request context per HTTP request: the same session, authorization, block
 * pinning and audit-before-return as any GraphQL client gets. The facade adds no rule of its own.
 */

const RECORD_FIELDS = `
fragment FhirRecord on Record {
  id
  patient
  category
  version
  erased
  commitment
  createdAt
  updatedAt
  integrity
  content(purpose: $purpose)
}`;

const VERSION_FIELDS = `
fragment FhirRecordVersions on Record {
  id
  patient
  category
  integrity
  versions { version commitment previousCommitment author blockNumber at transactionHash integrity }
}`;

const CONSENT_FIELDS = `
fragment FhirConsent on Consent { id patient grantee scope purpose canRead canWrite active revoked expiresAt grantedBy viaSignature updatedAt transactionHash blockNumber }`;

/** The patient's identity: name and birth date, which any consent holder may see (the identity rule). */
export const PATIENT = parse(`
query FhirPatient($address: Address!) {
  patient(address: $address) { address profile { displayName birthDate } }
}`);

/** The rest of the profile, which needs a read consent for the Patient category. */
export const PATIENT_CONTACT = parse(`
query FhirPatientContact($address: Address!) {
  patient(address: $address) { profile { email preferredLanguage } }
}`);

export const RECORD = parse(`
query FhirRecordRead($id: Bytes32!, $purpose: String!) {
  record(id: $id) { ...FhirRecord }
}
${RECORD_FIELDS}`);

export const RECORDS = parse(`
query FhirRecordSearch($patient: Address!, $category: String, $first: Int!, $after: String, $purpose: String!, $updatedFrom: DateTimeISO, $updatedBefore: DateTimeISO) {
  records(patient: $patient, category: $category, first: $first, after: $after, updatedFrom: $updatedFrom, updatedBefore: $updatedBefore) {
    nodes { ...FhirRecord }
    pageInfo { endCursor hasNextPage }
  }
}
${RECORD_FIELDS}`);

/** The record's category first (no content read), so a read of the wrong resource type audits nothing. */
export const RECORD_CATEGORY = parse(`
query FhirRecordCategory($id: Bytes32!) {
  record(id: $id) { id patient category erased }
}`);

export const RECORD_VERSIONS = parse(`
query FhirRecordVersions($id: Bytes32!) {
  record(id: $id) { ...FhirRecordVersions }
}
${VERSION_FIELDS}`);

export const RECORDS_VERSIONS = parse(`
query FhirRecordsVersions($patient: Address!, $category: String, $first: Int!, $after: String) {
  records(patient: $patient, category: $category, first: $first, after: $after) {
    nodes { ...FhirRecordVersions }
    pageInfo { endCursor hasNextPage }
  }
}
${VERSION_FIELDS}`);

export const CONSENTS_GIVEN = parse(`
query FhirConsentsGiven($patient: Address!, $first: Int!, $after: String) {
  patient(address: $patient) {
    consentsGiven(first: $first, after: $after, includeInactive: true) { nodes { ...FhirConsent } pageInfo { endCursor hasNextPage } }
  }
}
${CONSENT_FIELDS}`);

export const CONSENTS_RECEIVED = parse(`
query FhirConsentsReceived($grantee: Address!, $first: Int!, $after: String) {
  patient(address: $grantee) {
    consentsReceived(first: $first, after: $after, includeInactive: true) { nodes { ...FhirConsent } pageInfo { endCursor hasNextPage } }
  }
}
${CONSENT_FIELDS}`);

export const AUDIT_TRAIL = parse(`
query FhirAuditTrail($patient: Address!, $first: Int!, $after: String) {
  patient(address: $patient) {
    auditTrail(first: $first, after: $after) {
      nodes { id actor patient recordId category recordVersion purpose decision at }
      pageInfo { endCursor hasNextPage }
    }
  }
}`);

/** Every operation, for the app to validate against its schema once at start-up. */
export const FHIR_OPERATIONS = [PATIENT, PATIENT_CONTACT, RECORD, RECORDS, RECORD_CATEGORY, RECORD_VERSIONS, RECORDS_VERSIONS, CONSENTS_GIVEN, CONSENTS_RECEIVED, AUDIT_TRAIL];

/** Shapes of what the operations answer. */
export interface RecordNode {
  id: string;
  patient: string;
  category: string;
  version: number;
  erased: boolean;
  commitment: string | null;
  createdAt: string | null;
  updatedAt: string | null;
  integrity: 'VERIFIED' | 'TAMPERED' | 'NOT_ANCHORED' | 'ERASED';
  content: Record<string, unknown> | null;
}

export interface VersionNode {
  version: number;
  commitment: string;
  previousCommitment: string | null;
  author: string;
  blockNumber: number;
  at: string;
  transactionHash: string;
  integrity: 'VERIFIED' | 'TAMPERED' | 'ERASED';
}

export interface RecordVersionsNode {
  id: string;
  patient: string;
  category: string;
  integrity: RecordNode['integrity'];
  versions: VersionNode[];
}

export interface ConsentNode {
  id: string;
  patient: string;
  grantee: string;
  scope: string;
  purpose: string;
  canRead: boolean;
  canWrite: boolean;
  active: boolean;
  revoked: boolean;
  expiresAt: string | null;
  grantedBy: string;
  viaSignature: boolean;
  updatedAt: string;
  transactionHash: string;
  blockNumber: number;
}

export interface AuditNode {
  id: string;
  actor: string;
  patient: string;
  recordId: string;
  category: string;
  recordVersion: number;
  purpose: string;
  decision: 'ALLOWED' | 'DENIED';
  at: string;
}

export interface PatientNode {
  address: string;
  profile: { displayName: string; birthDate: string | null; email?: string | null; preferredLanguage?: string | null } | null;
}

export interface PageNode<T> {
  nodes: T[];
  pageInfo: { endCursor: string | null; hasNextPage: boolean };
}
