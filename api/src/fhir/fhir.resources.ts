import { createHash } from 'node:crypto';
import type { AuditNode, ConsentNode, PatientNode, RecordNode, RecordVersionsNode, VersionNode } from './fhir.operations';

/*
 * The project's data as FHIR R4 resources. Ids: a patient is its account address (0x + 40 hex digits);
 * records, consents and audit entries are 32-byte ids, written as their 64 hex digits (a FHIR id holds
 * at most 64 characters). Accounts that are not a Patient here are named by a did:pkh identifier
 * (CAIP-10: chain and address).
 */

export type Resource = { resourceType: string; id?: string; [element: string]: unknown };

/** HL7 code systems the resources use. */
const SYSTEM = {
  actReason: 'http://terminology.hl7.org/CodeSystem/v3-ActReason',
  actCode: 'http://terminology.hl7.org/CodeSystem/v3-ActCode',
  participationType: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType',
  dataOperation: 'http://terminology.hl7.org/CodeSystem/v3-DataOperation',
  consentScope: 'http://terminology.hl7.org/CodeSystem/consentscope',
  consentAction: 'http://terminology.hl7.org/CodeSystem/consentaction',
  loinc: 'http://loinc.org',
  resourceTypes: 'http://hl7.org/fhir/resource-types',
  auditEventType: 'http://terminology.hl7.org/CodeSystem/audit-event-type',
  restfulInteraction: 'http://hl7.org/fhir/restful-interaction',
  auditEntityType: 'http://terminology.hl7.org/CodeSystem/audit-entity-type',
  objectRole: 'http://terminology.hl7.org/CodeSystem/object-role',
  securitySourceType: 'http://terminology.hl7.org/CodeSystem/security-source-type',
  provenanceParticipant: 'http://terminology.hl7.org/CodeSystem/provenance-participant-type',
  uri: 'urn:ietf:rfc:3986',
  language: 'urn:ietf:bcp:47',
} as const;

/** What every mapping needs: where the facade is (for its own extension URLs) and the chain (for account ids). */
export interface FhirSite {
  /** The facade's base URL, e.g. https://records.example.org/fhir. */
  baseUrl: string;
  chainId: number;
}

/** The URL of one of the facade's own extensions. */
export function extensionUrl(site: FhirSite, name: string): string {
  return `${site.baseUrl}/StructureDefinition/${name}`;
}

/** A 32-byte id (0x + 64 hex) as a FHIR id (its 64 hex digits), and back. */
export const fhirIdOf = (bytes32: string): string => bytes32.replace(/^0x/, '').toLowerCase();
export const bytes32Of = (fhirId: string): string => `0x${fhirId.toLowerCase()}`;

/** An account as an identifier: did:pkh on the deployment's chain. */
export function accountIdentifier(site: FhirSite, address: string) {
  return { system: SYSTEM.uri, value: `did:pkh:eip155:${site.chainId}:${address.toLowerCase()}` };
}

/** A reference to an account: the Patient when it is the patient, else its identifier. */
function accountReference(site: FhirSite, address: string, patient: string) {
  return address.toLowerCase() === patient.toLowerCase() ? { reference: `Patient/${patient.toLowerCase()}` } : { identifier: accountIdentifier(site, address) };
}

const purposeCoding = (purpose: string) => ({ system: SYSTEM.actReason, code: purpose });
const instant = (value: string | Date): string => new Date(value).toISOString();
/** The record a resource version is, as a versioned reference. */
const versionedReference = (category: string, recordId: string, version: number) => `${category}/${fhirIdOf(recordId)}/_history/${version}`;

export function patientResource(site: FhirSite, patient: PatientNode): Resource {
  const profile = patient.profile;
  const resource: Resource = {
    resourceType: 'Patient',
    id: patient.address,
    identifier: [accountIdentifier(site, patient.address)],
  };
  if (profile) {
    resource.name = [{ text: profile.displayName }];
    if (profile.email) resource.telecom = [{ system: 'email', value: profile.email }];
    if (profile.birthDate) resource.birthDate = profile.birthDate.slice(0, 10);
    if (profile.preferredLanguage) resource.communication = [{ language: { coding: [{ system: SYSTEM.language, code: profile.preferredLanguage }] }, preferred: true }];
  }
  return resource;
}

const INTEGRITY_CODES: { [status in RecordNode['integrity']]: string } = {
  VERIFIED: 'verified',
  TAMPERED: 'tampered',
  NOT_ANCHORED: 'not-anchored',
  ERASED: 'erased',
};

/**
 * A record's content as the resource it is, with the record's id, and `meta` saying its version, when
 * it last changed on-chain, and (extension `record-integrity`) whether the content matches the
 * on-chain commitment.
 */
export function recordResource(site: FhirSite, record: RecordNode): Resource {
  const content = (record.content ?? { resourceType: record.category }) as Resource;
  const ownMeta = (content.meta ?? {}) as Record<string, unknown>;
  const ownExtensions = Array.isArray(ownMeta.extension) ? (ownMeta.extension as unknown[]) : [];
  const meta: Record<string, unknown> = {
    ...ownMeta,
    versionId: String(record.version),
    extension: [...ownExtensions, { url: extensionUrl(site, 'record-integrity'), valueCode: INTEGRITY_CODES[record.integrity] }],
  };
  if (record.updatedAt) meta.lastUpdated = instant(record.updatedAt);
  return { ...content, id: fhirIdOf(record.id), meta };
}

/** An on-chain consent as an R4 Consent: status at the request's block, grantee, purpose, scope and period. */
export function consentResource(site: FhirSite, consent: ConsentNode): Resource {
  const actions = [
    ...(consent.canRead ? [{ coding: [{ system: SYSTEM.consentAction, code: 'access' }] }] : []),
    ...(consent.canWrite ? [{ coding: [{ system: SYSTEM.consentAction, code: 'correct' }] }] : []),
  ];
  const provision: Record<string, unknown> = {
    type: 'permit',
    actor: [{ role: { coding: [{ system: SYSTEM.participationType, code: 'IRCP', display: 'information recipient' }] }, reference: { identifier: accountIdentifier(site, consent.grantee) } }],
    purpose: [purposeCoding(consent.purpose)],
  };
  if (consent.expiresAt) provision.period = { end: instant(consent.expiresAt) };
  if (actions.length > 0) provision.action = actions;
  if (consent.scope !== '*') provision.class = [{ system: SYSTEM.resourceTypes, code: consent.scope }];
  return {
    resourceType: 'Consent',
    id: fhirIdOf(consent.id),
    meta: { lastUpdated: instant(consent.updatedAt) },
    extension: [{ url: extensionUrl(site, 'consent-via-signature'), valueBoolean: consent.viaSignature }],
    identifier: [{ system: SYSTEM.uri, value: `urn:ethereum:consent:${consent.id}` }],
    status: consent.active ? 'active' : 'inactive',
    scope: { coding: [{ system: SYSTEM.consentScope, code: 'patient-privacy' }] },
    category: [{ coding: [{ system: SYSTEM.loinc, code: '59284-0', display: 'Patient Consent' }] }],
    patient: { reference: `Patient/${consent.patient}` },
    dateTime: instant(consent.updatedAt),
    sourceReference: {
      identifier: { system: SYSTEM.uri, value: `urn:ethereum:eip155:${site.chainId}:tx:${consent.transactionHash}` },
      display: `The transaction of its last grant, renewal or revocation (block ${consent.blockNumber})`,
    },
    performer: [accountReference(site, consent.grantedBy, consent.patient)],
    policyRule: { coding: [{ system: SYSTEM.actCode, code: 'OPTIN' }] },
    provision,
  };
}

/**
 * An access-log entry as an IHE Basic Audit Log Patterns AuditEvent: a RESTful read of one record
 * version, by the actor, for a purpose of use, about the patient; a denied read is a failure; an
 * emergency (ETREAT) read is labelled break-the-glass.
 */
export function auditEventResource(site: FhirSite, entry: AuditNode): Resource {
  const emergency = entry.purpose === 'ETREAT';
  const resource: Resource = {
    resourceType: 'AuditEvent',
    id: fhirIdOf(entry.id),
    type: { system: SYSTEM.auditEventType, code: 'rest', display: 'Restful Operation' },
    subtype: [{ system: SYSTEM.restfulInteraction, code: 'read', display: 'read' }],
    action: 'R',
    recorded: instant(entry.at),
    outcome: entry.decision === 'ALLOWED' ? '0' : '4',
    purposeOfEvent: [{ coding: [purposeCoding(entry.purpose)] }],
    agent: [
      {
        type: { coding: [{ system: SYSTEM.participationType, code: 'IRCP', display: 'information recipient' }] },
        who: accountReference(site, entry.actor, entry.patient),
        requestor: true,
        purposeOfUse: [{ coding: [purposeCoding(entry.purpose)] }],
      },
    ],
    source: { observer: { display: 'Health records API' }, type: [{ system: SYSTEM.securitySourceType, code: '4', display: 'Application Server' }] },
    entity: [
      {
        what: { reference: `Patient/${entry.patient}` },
        type: { system: SYSTEM.auditEntityType, code: '1', display: 'Person' },
        role: { system: SYSTEM.objectRole, code: '1', display: 'Patient' },
      },
      {
        what: { reference: versionedReference(entry.category, entry.recordId, entry.recordVersion) },
        type: { system: SYSTEM.auditEntityType, code: '2', display: 'System Object' },
        role: { system: SYSTEM.objectRole, code: '4', display: 'Domain Resource' },
      },
    ],
  };
  if (entry.decision !== 'ALLOWED') resource.outcomeDesc = 'Refused: no consent for this patient, category and purpose of use.';
  if (emergency) resource.meta = { security: [{ system: SYSTEM.actCode, code: 'BTG', display: 'break the glass' }] };
  return resource;
}

/** A version's Provenance id: sha256 of record id and version (a FHIR id holds at most 64 characters). */
export function provenanceId(recordId: string, version: number): string {
  return createHash('sha256').update(`${recordId.toLowerCase()}/${version}`).digest('hex');
}

/** Who anchored (version 1) or amended a record version, when, with its transaction, block and commitment. */
export function provenanceResource(site: FhirSite, record: RecordVersionsNode, version: VersionNode): Resource {
  const resource: Resource = {
    resourceType: 'Provenance',
    id: provenanceId(record.id, version.version),
    extension: [
      { url: extensionUrl(site, 'transaction-hash'), valueString: version.transactionHash },
      { url: extensionUrl(site, 'block-number'), valueUnsignedInt: version.blockNumber },
      { url: extensionUrl(site, 'commitment'), valueString: version.commitment },
      { url: extensionUrl(site, 'record-integrity'), valueCode: version.integrity.toLowerCase() },
    ],
    target: [{ reference: versionedReference(record.category, record.id, version.version) }],
    recorded: instant(version.at),
    activity: { coding: [{ system: SYSTEM.dataOperation, code: version.version === 1 ? 'CREATE' : 'UPDATE' }] },
    agent: [
      {
        type: { coding: [{ system: SYSTEM.provenanceParticipant, code: 'author' }] },
        who: accountReference(site, version.author, record.patient),
      },
    ],
  };
  if (version.version > 1) {
    resource.entity = [{ role: 'revision', what: { reference: versionedReference(record.category, record.id, version.version - 1) } }];
  }
  return resource;
}

/** One issue of an OperationOutcome. */
export interface OutcomeIssue {
  severity: 'fatal' | 'error' | 'warning' | 'information';
  code: string;
  diagnostics: string;
  /** FHIRPath-like location, e.g. the search parameter (`_count`). */
  expression?: string[];
}

export function operationOutcome(issues: OutcomeIssue[]): Resource {
  return { resourceType: 'OperationOutcome', issue: issues };
}

export interface BundleEntry {
  resource: Resource;
  mode: 'match' | 'include' | 'outcome';
}

/** A searchset Bundle: each entry with its full URL, and the self, next and previous links. */
export function searchsetBundle(site: FhirSite, entries: BundleEntry[], links: { self: string; next?: string; previous?: string }): Resource {
  return {
    resourceType: 'Bundle',
    type: 'searchset',
    timestamp: new Date().toISOString(),
    link: [
      { relation: 'self', url: links.self },
      ...(links.next ? [{ relation: 'next', url: links.next }] : []),
      ...(links.previous ? [{ relation: 'previous', url: links.previous }] : []),
    ],
    entry: entries.map(({ resource, mode }) => ({
      ...(resource.id ? { fullUrl: `${site.baseUrl}/${resource.resourceType}/${resource.id}` } : {}),
      resource,
      search: { mode },
    })),
  };
}
