import { allow, rule } from 'graphql-shield';
import type { IRules } from 'graphql-shield';
import type { Context } from '../graphql/context';
import type { LiveEvent } from '../live/live-event';
import { forbidden, toGraphQLError, unauthenticated } from '../graphql/errors';
import { loadRecord } from '../schema/records/record.read';
import { ConsentsDocument } from '../graphql/subgraph/documents';
import { perParentRule, type Decision } from './shield';

/**
 * Who may read and do what: the one place authorization is decided. Deny by default: a type or field
 * without a rule here is refused (`fallbackRule`). Decisions about a patient's data come from the
 * contracts' views at the latest block (ctx.access), cached within the request, never from the index.
 *
 * Rules return true, or the error to show: UNAUTHENTICATED when nobody is signed in, FORBIDDEN otherwise.
 * Identifier arguments reach them checked and lowercase (the Address and Bytes32 scalars); an unknown
 * record or request is let through for the resolver to answer NOT_FOUND. The DataLoaders that decrypt
 * contents ask the decision functions exported here (mayReadRecordFor, mayReadTreatmentPlan,
 * mayReadAmendmentRequest), never a rule of their own. How the rules are applied to the schema (the
 * shield, per-parent decisions, deciding ahead) is shield.ts.
 */

type Check<P, A> = (parent: P, args: A, ctx: Context) => Promise<boolean> | boolean;

/** A rule that needs a signed-in viewer, then `check`; `refusal` says what was missing. */
function signedIn<P = unknown, A = Record<string, unknown>>(name: string, refusal: string, check?: Check<P, A>) {
  return rule(name, { cache: 'no_cache' })(async (parent: P, args: A, ctx: Context): Promise<Decision> => {
    if (!ctx.viewer) return unauthenticated();
    if (!check) return true;
    try {
      return (await check(parent, args, ctx)) ? true : forbidden(refusal);
    } catch (error) {
      // graphql-shield turns a throwing rule into a plain denial; return the error (e.g. BAD_USER_INPUT
      // naming the argument) so the client learns what to fix.
      return toGraphQLError(error);
    }
  });
}

/**
 * As `signedIn`, decided once per parent object (shield.ts's `perParentRule`): every field of one record
 * shares one decision. `sameDecision` names what the check depends on (e.g. a record's patient and
 * category): parents decided together that share it share one decision.
 */
function signedInPerParent<P extends object>(
  name: string,
  refusal: string,
  check: (parent: P, ctx: Context) => Promise<boolean>,
  sameDecision?: (parent: P) => string,
) {
  return perParentRule<P>(
    name,
    async (parent, ctx): Promise<Decision> => {
      if (!ctx.viewer) return unauthenticated();
      return (await check(parent, ctx)) ? true : forbidden(refusal);
    },
    sameDecision,
  );
}

/** Who asks: the signed-in viewer and the request's chain decisions (a Context, or what a DataLoader holds of it). */
export type Asker = Pick<Context, 'viewer' | 'access'>;

interface HasPatient {
  patient: string;
}
interface PatientParent {
  address: string;
}

const isSignedIn = signedIn('isSignedIn', '');

const isSelf = signedIn<PatientParent>('isSelf', 'Only the account itself may read this.', (parent, _args, ctx) => parent.address === ctx.viewer);

const isPatientOrGuardian = signedIn<PatientParent>(
  'isPatientOrGuardian',
  "Only the patient and the patient's guardians may read this.",
  (parent, _args, ctx) => ctx.access.canActFor(parent.address),
);

const isVerifiedProvider = signedIn('isVerifiedProvider', 'Only verified providers may do this.', (_parent, _args, ctx) =>
  ctx.access.isVerifiedProvider(),
);

const isVerifiedResearcher = signedIn('isVerifiedResearcher', 'Only verified researchers may do this.', (_parent, _args, ctx) =>
  ctx.access.isVerifiedResearcher(),
);

/** Analysts are the registrar and admins; researchers see pseudonymous, k-anonymous answers. */
const isResearcherOrAnalyst = signedIn('isResearcherOrAnalyst', 'Only verified researchers, registrars and admins may read analytics.', async (_p, _a, ctx) => {
  const [researcher, registrar, admin] = await Promise.all([ctx.access.isVerifiedResearcher(), ctx.access.isRegistrar(), ctx.access.isAdmin()]);
  return researcher || registrar || admin;
});

/** Demographics are the FHIR `Patient` category: readable by the patient, guardians and holders of a read consent for it. */
const PROFILE_CATEGORY = 'Patient';
const mayReadProfileFields = signedInPerParent<{ address: string }>(
  'mayReadProfileFields',
  "Reading this patient's profile needs a read consent for the Patient category.",
  async (profile, ctx) => (await ctx.access.canActFor(profile.address)) || ctx.access.mayRead(profile.address, PROFILE_CATEGORY),
);

/**
 * Identity (name and birth date): the minimum a clinician needs to be sure of the patient. Besides
 * whoever may read the whole profile, a verified provider or researcher who holds any active consent
 * from the patient (or open emergency access) sees it. The index only names the consents to ask about;
 * the contract's view at the latest block decides each, so a revoked or expired consent counts for nothing.
 */
async function mayIdentify(patient: string, ctx: Context): Promise<boolean> {
  if ((await ctx.access.canActFor(patient)) || (await ctx.access.mayRead(patient, PROFILE_CATEGORY))) return true;
  const [provider, researcher] = await Promise.all([ctx.access.isVerifiedProvider(), ctx.access.isVerifiedResearcher()]);
  if (!provider && !researcher) return false;
  // Emergency access and consents for every category answer for `*` at once.
  if (await ctx.access.mayRead(patient, '*')) return true;
  const { consents } = await ctx.subgraph.query(ConsentsDocument, {
    where: { patient, grantee: ctx.viewer, revoked: false },
    first: 100,
  });
  const answers = await Promise.all(
    consents.map((consent) => (consent.canRead ? ctx.access.mayRead(patient, consent.scopeName) : ctx.access.mayWrite(patient, consent.scopeName))),
  );
  return answers.includes(true);
}
const IDENTITY_REFUSAL = "Seeing this patient's name and birth date needs an active consent from the patient (or their guardian).";
const mayIdentifyPatient = signedIn<PatientParent>('mayIdentifyPatient', IDENTITY_REFUSAL, (parent, _args, ctx) => mayIdentify(parent.address, ctx));
const mayIdentifyProfile = signedInPerParent<{ address: string }>('mayIdentifyProfile', IDENTITY_REFUSAL, (profile, ctx) => mayIdentify(profile.address, ctx));

/** `records(patient, category)`: hasAccess for that category, or for every category (`*`) when none is given. */
const mayListRecords = signedIn<unknown, { patient: string; category?: string | null }>(
  'mayListRecords',
  "You hold no active read consent for this patient's records in this category.",
  (_parent, args, ctx) => ctx.access.mayRead(args.patient, args.category ?? '*'),
);
const mayListPatientRecords = signedIn<PatientParent, { category?: string | null }>(
  'mayListPatientRecords',
  "You hold no active read consent for this patient's records in this category.",
  (parent, args, ctx) => ctx.access.mayRead(parent.address, args.category ?? '*'),
);

const mayReadRecordById = signedIn<unknown, { id: string }>(
  'mayReadRecordById',
  "You hold no active read consent for this record's patient and category.",
  async (_parent, args, ctx) => {
    const record = await loadRecord(ctx, args.id);
    return !record || ctx.access.mayRead(record.patient, record.category);
  },
);

/** Who may read a record's fields, and be told of changes to it (mayReceiveEvent). */
const readsRecord = (record: { patient: string; category: string }, ctx: Context) => ctx.access.mayRead(record.patient, record.category);

const mayReadRecord = signedInPerParent<{ patient: string; category: string }>(
  'mayReadRecord',
  "You hold no active read consent for this record's patient and category.",
  readsRecord,
  (record) => `${record.patient}\n${record.category}`,
);

/**
 * Reading a record's content (and what is made of it, its title) for a purpose of use: a read consent
 * for the record's patient and category given for that purpose (ConsentManager.hasAccessForPurpose), or
 * the patient's own record. The rule of `Record.content` and `Record.title`, and what the record-read
 * DataLoader asks before anything is decrypted.
 */
export function mayReadRecordFor(asker: Asker, record: { patient: string; category: string }, purpose: string): Promise<boolean> {
  return asker.access.mayReadForPurpose(record.patient, record.category, purpose);
}

const mayReadRecordContent = signedIn<{ patient: string; category: string }, { purpose: string }>(
  'mayReadRecordContent',
  "You hold no active read consent for this record's patient and category for this purpose of use.",
  (record, args, ctx) => mayReadRecordFor(ctx, record, args.purpose),
);

const mayWriteRecord = signedIn<unknown, { input: { patient: string; category: string } }>(
  'mayWriteRecord',
  "You hold no active write consent for this patient's category (writing under a consent needs a verified provider).",
  (_parent, args, ctx) => ctx.access.mayWrite(args.input.patient, args.input.category),
);

/** Why the patient or a guardian may not amend a clinician's version, and what to do instead. */
const CLINICIAN_VERSION_REFUSAL =
  "A clinician wrote the record's current version: the patient and guardians cannot change it. File an amendment request with the change and your reason; a clinician accepts it by amending, or declines it with a reason.";

const mayAmendRecord = signedIn<unknown, { input: { recordId: string } }>(
  'mayAmendRecord',
  "You hold no active write consent for this record's patient and category (writing under a consent needs a verified provider).",
  async (_parent, args, ctx) => {
    const record = await loadRecord(ctx, args.input.recordId);
    if (!record) return true;
    if (!(await ctx.access.mayWrite(record.patient, record.category))) return false;
    // Nobody silently rewrites what a clinician wrote (the contract refuses it too).
    if ((await ctx.access.canActFor(record.patient)) && (await ctx.access.isClinicianVersion(record.id))) {
      throw forbidden(CLINICIAN_VERSION_REFUSAL);
    }
    return true;
  },
);

/** Filing an amendment request: the record's patient or a guardian. */
const mayRequestAmendment = signedIn<unknown, { input: { recordId: string } }>(
  'mayRequestAmendment',
  "Only the record's patient or a guardian may request an amendment.",
  async (_parent, args, ctx) => {
    const record = await loadRecord(ctx, args.input.recordId);
    return !record || ctx.access.canActFor(record.patient);
  },
);

/** Answering an amendment request: a provider with a write consent for the record's category, never the requester's side. */
const mayAnswerAmendment = signedIn<unknown, { input: { requestId: string } }>(
  'mayAnswerAmendment',
  "Only a provider holding a write consent for the record's category may answer its amendment requests.",
  async (_parent, args, ctx) => {
    const request = await ctx.access.amendmentRequest(args.input.requestId);
    if (!request) return true; // the resolver answers NOT_FOUND
    const record = await loadRecord(ctx, request.recordId);
    if (!record) return true;
    return !(await ctx.access.canActFor(record.patient)) && ctx.access.mayWrite(record.patient, record.category);
  },
);

/**
 * Who may read an amendment request's text and be told of it and its answer (mayReceiveEvent): the
 * patient and guardians (the requester is one of them), and the providers who may answer it. Also what
 * the amendment-request DataLoader asks before the stored text is decrypted.
 */
export async function mayReadAmendmentRequest(asker: Asker, request: { patient: string; category: string }): Promise<boolean> {
  return (await asker.access.canActFor(request.patient)) || asker.access.mayWrite(request.patient, request.category);
}

const mayReadAmendmentText = signedInPerParent<{ patient: string; category: string }>(
  'mayReadAmendmentText',
  "Only the patient, their guardians and providers with a write consent for the record's category may read amendment requests.",
  (request, ctx) => mayReadAmendmentRequest(ctx, request),
);

const mayEraseRecord = signedIn<unknown, { id: string }>(
  'mayEraseRecord',
  'Only the patient or a guardian may erase a record.',
  async (_parent, args, ctx) => {
    const record = await loadRecord(ctx, args.id);
    return !record || ctx.access.canActFor(record.patient);
  },
);

/** A party of a patient-to-someone fact (consent, treatment, emergency access): either side, or the patient's guardian. */
async function isParty(patient: string, other: string | null, asker: Asker): Promise<boolean> {
  return patient === asker.viewer || other === asker.viewer || asker.access.canActFor(patient);
}

/**
 * Reading a treatment's plan (a CarePlan record): a party of the treatment, as for the treatment itself
 * (isTreatmentParty) — the patient, a guardian, or the provider who proposed it. What the treatment-plan
 * DataLoader asks before the plan is decrypted.
 */
export function mayReadTreatmentPlan(asker: Asker, treatment: { patient: string; provider: string }): Promise<boolean> {
  return isParty(treatment.patient, treatment.provider, asker);
}
const PARTY_REFUSAL = 'Only the patient, their guardians and the other party may read this.';
function partyOf<P extends HasPatient>(name: string, other: (parent: P) => string) {
  return signedInPerParent<P>(name, PARTY_REFUSAL, (parent, ctx) => isParty(parent.patient, other(parent), ctx));
}

const isConsentParty = partyOf<HasPatient & { grantee: string }>('isConsentParty', (consent) => consent.grantee);
const isGuardianLinkParty = partyOf<HasPatient & { guardian: string }>('isGuardianLinkParty', (link) => link.guardian);
const isTreatmentParty = signedInPerParent<HasPatient & { provider: string }>(
  'isTreatmentParty',
  PARTY_REFUSAL,
  (treatment, ctx) => mayReadTreatmentPlan(ctx, treatment),
);
const isEmergencyParty = partyOf<HasPatient & { provider: string }>('isEmergencyParty', (access) => access.provider);
const isAuditEntryParty = partyOf<HasPatient & { actor: string }>('isAuditEntryParty', (entry) => entry.actor);

/**
 * `myEvents`: an event is told to an account only when the rule of the object it is about lets that
 * account read the object (a record: a read consent for its category; an amendment request: the patient,
 * a guardian or a provider who may answer it; the rest: a party or the patient's guardian), decided at
 * the latest block when the event is delivered.
 */
const mayReceiveEvent = signedInPerParent<LiveEvent>('mayReceiveEvent', 'This event is about data you may not read.', (event, ctx) => {
  const object = { patient: event.patient, category: event.category ?? '' };
  if (event.subject === 'RECORD') return readsRecord(object, ctx);
  if (event.subject === 'AMENDMENT_REQUEST') return mayReadAmendmentRequest(ctx, object);
  return isParty(event.patient, event.counterparty, ctx);
});

/** Whether `ctx.viewer` may be told of `event` (mayReceiveEvent, the rule that also guards its fields). */
export async function mayReceive(event: LiveEvent, ctx: Context): Promise<boolean> {
  return (await mayReceiveEvent.perParent.decide(event, ctx)) === true;
}

/** The rule tree. Types reached only through a guarded field still name their rule, so nothing is open by accident. */
export const ruleTree: IRules = {
  Query: {
    health: allow,
    me: allow,
    myRoles: isSignedIn,
    providers: allow,
    researchers: allow,
    account: allow,
    patient: isSignedIn,
    record: mayReadRecordById,
    records: mayListRecords,
    consentTypedData: isSignedIn,
    findPatients: isVerifiedProvider,
    activity: isResearcherOrAnalyst,
    consentGraph: isResearcherOrAnalyst,
  },
  Subscription: {
    myEvents: isSignedIn,
    indexed: isSignedIn,
  },
  Mutation: {
    updatePatientProfile: isSignedIn,
    updateProviderProfile: isVerifiedProvider,
    updateResearcherProfile: isVerifiedResearcher,
    prepareRecord: mayWriteRecord,
    prepareTreatment: isVerifiedProvider,
    amendRecord: mayAmendRecord,
    requestAmendment: mayRequestAmendment,
    declineAmendment: mayAnswerAmendment,
    eraseRecord: mayEraseRecord,
    relayConsent: isSignedIn,
  },
  Health: allow,
  Viewer: allow,
  Roles: allow,
  // The public directory.
  Account: allow,
  ProviderProfile: allow,
  ResearcherProfile: allow,
  AccountConnection: allow,
  PageInfo: allow,
  Patient: {
    address: isSignedIn,
    profile: mayIdentifyPatient,
    records: mayListPatientRecords,
    consentsGiven: isPatientOrGuardian,
    consentsReceived: isSelf,
    guardians: isPatientOrGuardian,
    wards: isSelf,
    treatments: isPatientOrGuardian,
    treatmentsProposed: isSelf,
    emergencyAccesses: isPatientOrGuardian,
    emergencyAccessesOpened: isSelf,
    auditTrail: isPatientOrGuardian,
  },
  // Name and birth date under the identity rule; every other field is the Patient category.
  PatientProfile: { displayName: mayIdentifyProfile, birthDate: mayIdentifyProfile, '*': mayReadProfileFields },
  Record: { '*': mayReadRecord, content: mayReadRecordContent, title: mayReadRecordContent },
  RecordConnection: allow,
  // Reached only through a Record (mayReadRecord): its authors' names go with the versions they wrote.
  RecordVersion: allow,
  PreparedRecord: allow,
  PreparedAmendment: allow,
  // Chain facts about a request, reached only through a guarded Record; its text has its own rule.
  AmendmentRequest: { '*': allow, details: mayReadAmendmentText },
  AmendmentRequestDetails: allow,
  PreparedAmendmentRequest: allow,
  PreparedDecline: allow,
  PreparedTransaction: allow,
  ErasedRecord: allow,
  Consent: isConsentParty,
  ConsentConnection: allow,
  GuardianLink: isGuardianLinkParty,
  GuardianLinkConnection: allow,
  ConsentTypedData: allow,
  RelayedConsent: allow,
  Treatment: isTreatmentParty,
  TreatmentPlan: allow,
  PreparedTreatment: allow,
  TreatmentConnection: allow,
  EmergencyAccess: isEmergencyParty,
  EmergencyAccessConnection: allow,
  // Returned only to verified providers (findPatients), each match audited.
  PatientMatch: allow,
  AuditEntry: isAuditEntryParty,
  AccountEvent: mayReceiveEvent,
  IndexedTransaction: allow,
  AuditEntryConnection: allow,
  AuditAnchorProof: allow,
  // Aggregates: the query fields above decide who gets them; k-anonymity is applied by the resolver.
  ActivitySeries: allow,
  ActivityPoint: allow,
  ConsentGraph: allow,
  ConsentGraphNode: allow,
  ConsentGraphEdge: allow,
  ConsentGroup: allow,
};

/** What a type or field without a rule gets: nothing in the API is open unless a rule says so. */
export const denyByDefault = rule('denyByDefault', { cache: 'no_cache' })(() => forbidden('Nothing in the API is open unless a rule says so.'));
