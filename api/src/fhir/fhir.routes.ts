import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import type { DocumentNode, ExecutionResult } from 'graphql';
import { sessionOf } from '../auth/siwe.routes';
import type { Session } from '../auth/siwe.service';
import { unavailableDependency, type ErrorLogger } from '../graphql/errors';
import { CLINICAL_TYPES, capabilityStatement } from './fhir.capability';
import { FhirError, fhirErrorOf } from './fhir.errors';
import {
  AUDIT_TRAIL,
  CONSENTS_GIVEN,
  CONSENTS_RECEIVED,
  PATIENT,
  PATIENT_CONTACT,
  RECORD,
  RECORD_CATEGORY,
  RECORD_VERSIONS,
  RECORDS,
  RECORDS_VERSIONS,
  type AuditNode,
  type ConsentNode,
  type PageNode,
  type PatientNode,
  type RecordNode,
  type RecordVersionsNode,
} from './fhir.operations';
import {
  auditEventResource,
  bytes32Of,
  consentResource,
  patientResource,
  provenanceResource,
  recordResource,
  searchsetBundle,
  type BundleEntry,
  type FhirSite,
  type Resource,
} from './fhir.resources';
import { BearerTokens, parseScopes, ScopeGrant } from './fhir.token';
import { addressParameter, countOf, lastUpdatedOf, onlyParameters, pageLinks, pagesOf, purposeOf, single, withPage, type Query } from './fhir.search';

/**
 * A Patient read as the caller may see it, completed with the contact fields only where the caller may
 * read the Patient category (as GraphQL decides: a provider with any consent sees the identity alone).
 */
async function withContact(reader: { optional<T>(document: DocumentNode, variables: Record<string, unknown>): Promise<T | null> }, patient: PatientNode): Promise<PatientNode> {
  const contact = await reader.optional<{ patient: { profile: { email: string | null; preferredLanguage: string | null } | null } }>(PATIENT_CONTACT, { address: patient.address });
  return { ...patient, profile: patient.profile && { ...patient.profile, ...(contact?.patient.profile ?? {}) } };
}

/**
 * Runs one GraphQL operation of the facade for the HTTP request it was opened for: the app binds it to
 * the API's schema behind its permission rules and to one request context (session, pinned block,
 * loaders, chain decisions), shared by every operation of the request.
 */
export type FhirGraph = (document: DocumentNode, variables: Record<string, unknown>) => Promise<ExecutionResult>;

export interface FhirRouteOptions {
  site: FhirSite;
  software: { name: string };
  /** Opens the GraphQL runner of one HTTP request, for its session (from the cookie or a bearer token). */
  open(session: Session | null): FhirGraph;
  /** Looks up an open session by id (a bearer token names its session). */
  session(id: string): Promise<Session | null>;
  /** Signs bearer tokens (the server's session secret). */
  tokenSecret: string;
  logger: ErrorLogger;
  retryAfterSeconds: number;
}

const FHIR_JSON = 'application/fhir+json; charset=utf-8';
const JSON_FORMATS = new Set(['json', 'application/json', 'application/fhir+json']);
const CLINICAL = new Set<string>(CLINICAL_TYPES);
const FHIR_ID = /^[0-9a-f]{64}$/;

/** One request's runner: data on success, the answer's errors as a FhirError otherwise. */
class Reader {
  constructor(
    private readonly graph: FhirGraph,
    private readonly logger: ErrorLogger,
    /** What the request's credentials let it read through the facade (a bearer token's scopes narrow it). */
    readonly grant: ScopeGrant,
  ) {}

  async data<T>(document: DocumentNode, variables: Record<string, unknown>): Promise<T> {
    const result = await this.graph(document, variables);
    if (result.errors?.length) throw fhirErrorOf(result.errors, this.logger);
    return result.data as T;
  }

  /** As `data`, but null when the answer is one of `statuses` (e.g. 404: nothing found). */
  async unless<T>(statuses: number[], document: DocumentNode, variables: Record<string, unknown>): Promise<T | null> {
    try {
      return await this.data<T>(document, variables);
    } catch (error) {
      if (error instanceof FhirError && statuses.includes(error.status)) return null;
      throw error;
    }
  }

  unlessNotFound<T>(document: DocumentNode, variables: Record<string, unknown>): Promise<T | null> {
    return this.unless<T>([404], document, variables);
  }

  /** For $everything's optional parts: null when refused (403) or not found (404). */
  optional<T>(document: DocumentNode, variables: Record<string, unknown>): Promise<T | null> {
    return this.unless<T>([403, 404], document, variables);
  }
}

function send(res: Response, status: number, resource: Resource): void {
  res.status(status).set('content-type', FHIR_JSON).set('cache-control', 'no-store').send(JSON.stringify(resource));
}

/** `_format` and `Accept`: JSON only (FHIR's XML and RDF are not served). */
function checkFormat(req: Request): void {
  const format = req.query._format;
  if (format !== undefined && (typeof format !== 'string' || !JSON_FORMATS.has(format))) {
    throw FhirError.notSupported(406, `_format: only json (application/fhir+json) is served (got ${String(format)})`);
  }
  const accept = req.headers.accept;
  if (accept && !/(\*\/\*|application\/\*|application\/(fhir\+)?json|json)/.test(accept)) {
    throw FhirError.notSupported(406, `Accept: only application/fhir+json is served (got ${accept})`);
  }
}

/**
 * The FHIR R4 REST facade at `/fhir` (read and search only). Everything it returns comes from GraphQL
 * operations run in process through `open` (the same rules, pinning and audit as GraphQL); it maps
 * answers to FHIR resources and errors to OperationOutcomes with their HTTP status.
 */
export function fhirRoutes(options: FhirRouteOptions): Router {
  const { site, logger } = options;
  const router = express.Router();

  const recordsPage = async (reader: Reader, query: Query, base: string, patient: string, category: string | null, mode: 'search' | 'everything') => {
    const first = countOf(query);
    const pages = pagesOf(query);
    const purpose = purposeOf(query);
    const updated = mode === 'search' ? lastUpdatedOf(query) : {};
    const data = await reader.data<{ records: PageNode<RecordNode> }>(RECORDS, {
      patient,
      category,
      first,
      after: pages.at(-1) ?? null,
      purpose,
      updatedFrom: updated.from ?? null,
      updatedBefore: updated.before ?? null,
    });
    const { nodes, pageInfo } = data.records;
    // Erased records are gone (410 when read); a search does not list them.
    return { records: nodes.filter((record) => !record.erased), pages, first, links: pageLinks(base, query, pages, pageInfo) };
  };

  const handlers = {
    metadata(_reader: Reader, query: Query): Resource {
      onlyParameters(query, []);
      return capabilityStatement(site, options.software);
    },

    async patientRead(reader: Reader, query: Query, id: string): Promise<Resource> {
      onlyParameters(query, []);
      if (!/^0x[0-9a-f]{40}$/.test(id)) throw FhirError.notFound(`No Patient/${id}: a patient's id is its account address in lowercase (0x and 40 hex digits).`);
      reader.grant.require('Patient', id);
      const { patient } = await reader.data<{ patient: PatientNode }>(PATIENT, { address: id });
      return patientResource(site, await withContact(reader, patient));
    },

    async everything(reader: Reader, query: Query, id: string, self: string, base: string): Promise<Resource> {
      onlyParameters(query, ['_count', '_page', 'purpose']);
      if (!/^0x[0-9a-f]{40}$/.test(id)) throw FhirError.notFound(`No Patient/${id}: a patient's id is its account address in lowercase (0x and 40 hex digits).`);
      reader.grant.require('*', id);
      // The records decide who gets an answer (as GraphQL's records of every category: the patient,
      // guardians, holders of an all-categories consent); the rest is added where the caller may see it.
      const page = await recordsPage(reader, query, base, id, null, 'everything');
      const firstPage = page.pages.length === 0;
      const [patient, consents, versions] = await Promise.all([
        firstPage ? reader.optional<{ patient: PatientNode }>(PATIENT, { address: id }).then(async (found) => found && { patient: await withContact(reader, found.patient) }) : null,
        firstPage ? reader.optional<{ patient: { consentsGiven: PageNode<ConsentNode> } }>(CONSENTS_GIVEN, { patient: id, first: 100, after: null }) : null,
        reader.data<{ records: PageNode<RecordVersionsNode> }>(RECORDS_VERSIONS, { patient: id, category: null, first: page.first, after: page.pages.at(-1) ?? null }),
      ]);
      const entries: BundleEntry[] = [];
      if (patient) entries.push({ resource: patientResource(site, patient.patient), mode: 'match' });
      for (const record of page.records) entries.push({ resource: recordResource(site, record), mode: 'match' });
      for (const consent of consents?.patient.consentsGiven.nodes ?? []) entries.push({ resource: consentResource(site, consent), mode: 'match' });
      for (const record of versions.records.nodes) {
        for (const version of record.versions) entries.push({ resource: provenanceResource(site, record, version), mode: 'match' });
      }
      return searchsetBundle(site, entries, { self, ...page.links });
    },

    async recordRead(reader: Reader, query: Query, type: string, id: string): Promise<Resource> {
      onlyParameters(query, ['purpose']);
      const purpose = purposeOf(query);
      if (!FHIR_ID.test(id)) throw FhirError.notFound(`No ${type}/${id}: record ids are 64 lowercase hex digits.`);
      // The category first, without content: a read of the wrong type or of an erased record audits nothing.
      const found = await reader.data<{ record: { patient: string; category: string; erased: boolean } }>(RECORD_CATEGORY, { id: bytes32Of(id) });
      if (found.record.category !== type) throw FhirError.notFound(`No ${type}/${id}: that record is a ${found.record.category}.`);
      reader.grant.require(type, found.record.patient);
      if (found.record.erased) throw new FhirError(410, { severity: 'error', code: 'deleted', diagnostics: `${type}/${id} was erased by the patient: its content is destroyed.` });
      const data = await reader.data<{ record: RecordNode }>(RECORD, { id: bytes32Of(id), purpose });
      return recordResource(site, data.record);
    },

    async recordSearch(reader: Reader, query: Query, type: string, self: string, base: string): Promise<Resource> {
      onlyParameters(query, ['patient', '_count', '_page', '_lastUpdated', 'purpose']);
      const patient = addressParameter(query, 'patient', { required: true })!;
      reader.grant.require(type, patient);
      const page = await recordsPage(reader, query, base, patient, type, 'search');
      return searchsetBundle(
        site,
        page.records.map((record) => ({ resource: recordResource(site, record), mode: 'match' })),
        { self, ...page.links },
      );
    },

    async consentSearch(reader: Reader, query: Query, self: string, base: string): Promise<Resource> {
      onlyParameters(query, ['patient', 'actor', '_count', '_page']);
      const patient = addressParameter(query, 'patient', { required: false });
      const actor = addressParameter(query, 'actor', { required: false });
      if ((patient === undefined) === (actor === undefined)) throw FhirError.badParameter('patient', 'give exactly one of patient (consents given) or actor (consents received)');
      reader.grant.require('Consent', patient ?? null);
      const first = countOf(query);
      const pages = pagesOf(query);
      const after = pages.at(-1) ?? null;
      const connection = patient
        ? (await reader.data<{ patient: { consentsGiven: PageNode<ConsentNode> } }>(CONSENTS_GIVEN, { patient, first, after })).patient.consentsGiven
        : (await reader.data<{ patient: { consentsReceived: PageNode<ConsentNode> } }>(CONSENTS_RECEIVED, { grantee: actor, first, after })).patient.consentsReceived;
      return pagedBundle(connection, (consent) => consentResource(site, consent), query, pages, self, base);
    },

    async auditSearch(reader: Reader, query: Query, self: string, base: string): Promise<Resource> {
      onlyParameters(query, ['patient', '_count', '_page']);
      const patient = addressParameter(query, 'patient', { required: true })!;
      reader.grant.require('AuditEvent', patient);
      const first = countOf(query);
      const pages = pagesOf(query);
      const data = await reader.data<{ patient: { auditTrail: PageNode<AuditNode> } }>(AUDIT_TRAIL, { patient, first, after: pages.at(-1) ?? null });
      return pagedBundle(data.patient.auditTrail, (entry) => auditEventResource(site, entry), query, pages, self, base);
    },

    async provenanceSearch(reader: Reader, query: Query, self: string, base: string): Promise<Resource> {
      onlyParameters(query, ['target', 'patient', '_count', '_page']);
      const target = single(query, 'target');
      const patient = addressParameter(query, 'patient', { required: false });
      if ((target === undefined) === (patient === undefined)) throw FhirError.badParameter('target', 'give exactly one of target (<Type>/<id>) or patient');
      if (target !== undefined) {
        if (query._count !== undefined || query._page !== undefined) throw FhirError.badParameter(query._count !== undefined ? '_count' : '_page', 'applies to Provenance?patient= only (a target has few versions)');
        const match = /^([A-Za-z]+)\/([0-9a-f]{64})(?:\/_history\/(\d+))?$/.exec(target);
        if (!match || !CLINICAL.has(match[1]!)) throw FhirError.badParameter('target', `must be <Type>/<id> or <Type>/<id>/_history/<version> of a record, with Type one of ${CLINICAL_TYPES.join(', ')} (got ${target})`);
        const [, type, id, version] = match;
        const found = await reader.unlessNotFound<{ record: RecordVersionsNode }>(RECORD_VERSIONS, { id: bytes32Of(id!) });
        const record = found?.record.category === type ? found.record : null;
        if (record) reader.grant.require('Provenance', record.patient);
        const versions = (record?.versions ?? []).filter((v) => version === undefined || v.version === Number(version));
        return searchsetBundle(site, versions.map((v) => ({ resource: provenanceResource(site, record!, v), mode: 'match' })), { self });
      }
      reader.grant.require('Provenance', patient!);
      const first = countOf(query);
      const pages = pagesOf(query);
      const data = await reader.data<{ records: PageNode<RecordVersionsNode> }>(RECORDS_VERSIONS, { patient, category: null, first, after: pages.at(-1) ?? null });
      const { nodes, pageInfo } = data.records;
      return searchsetBundle(
        site,
        nodes.flatMap((record) => record.versions.map((version) => ({ resource: provenanceResource(site, record, version), mode: 'match' as const }))),
        { self, ...pageLinks(base, query, pages, pageInfo) },
      );
    },
  };

  function pagedBundle<T>(connection: PageNode<T>, toResource: (node: T) => Resource, query: Query, pages: string[], self: string, base: string): Resource {
    return searchsetBundle(
      site,
      connection.nodes.map((node) => ({ resource: toResource(node), mode: 'match' })),
      { self, ...pageLinks(base, query, pages, connection.pageInfo) },
    );
  }

  /** Routes a request by its path segments: [type], [type, id] or [Patient, id, $everything]. */
  async function route(req: Request, res: Response): Promise<Resource> {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.set('allow', 'GET, HEAD');
      throw FhirError.notSupported(405, `${req.method} is not supported: this FHIR server is read-only (read and search with GET).`);
    }
    checkFormat(req);
    const query = req.query as Query;
    let segments: string[];
    try {
      segments = req.path.split('/').filter((segment) => segment.length > 0).map(decodeURIComponent);
    } catch {
      throw FhirError.notFound(`Nothing at /fhir${req.path}: the path is not valid percent-encoding.`);
    }
    const base = `${site.baseUrl}/${segments.join('/')}`;
    const self = withPage(base, query, single(query, '_page'));
    const [type, id, operation, ...rest] = segments;
    const { session, grant } = await credentials(req, res);
    const reader = new Reader(options.open(session), logger, grant);
    if (type === 'metadata' && segments.length === 1) return handlers.metadata(reader, query);
    if (rest.length > 0 || type === undefined) throw FhirError.notFound(`Nothing at /fhir${req.path}: see /fhir/metadata for what is served.`);
    if (operation !== undefined) {
      if (type === 'Patient' && operation === '$everything') return handlers.everything(reader, query, id!, self, base);
      throw FhirError.notSupported(404, `${type}/${id}/${operation} is not supported: only Patient/<id>/$everything is.`);
    }
    if (type === 'Patient') {
      if (id === undefined) throw FhirError.notSupported(400, 'Patient search is not supported: read Patient/<account address>.');
      return handlers.patientRead(reader, query, id);
    }
    if (CLINICAL.has(type)) return id === undefined ? handlers.recordSearch(reader, query, type, self, base) : handlers.recordRead(reader, query, type, id);
    const searches: { [type: string]: () => Promise<Resource> } = {
      Consent: () => handlers.consentSearch(reader, query, self, base),
      AuditEvent: () => handlers.auditSearch(reader, query, self, base),
      Provenance: () => handlers.provenanceSearch(reader, query, self, base),
    };
    const search = searches[type];
    if (!search) throw FhirError.notSupported(404, `${type} is not served here; see /fhir/metadata for the supported resource types.`);
    if (id !== undefined) throw FhirError.notSupported(400, `Reading ${type} by id is not supported: search ${type}?patient=Patient/<address>.`);
    return search();
  }

  const tokens = new BearerTokens(options.tokenSecret);

  /** The session and scopes of a request: a bearer token's, else the session cookie's (all its account may read). */
  async function credentials(req: Request, res: Response): Promise<{ session: Session | null; grant: ScopeGrant }> {
    const authorization = req.headers.authorization;
    if (authorization === undefined) return { session: sessionOf(res), grant: ScopeGrant.session };
    const refuse = (message: string): never => {
      res.set('www-authenticate', 'Bearer error="invalid_token"');
      throw new FhirError(401, { severity: 'error', code: 'login', diagnostics: `${message} Get a new token: sign in with SIWE, then POST /fhir/token.` });
    };
    const token = /^Bearer\s+(\S+)$/i.exec(authorization)?.[1];
    if (!token) return refuse('The Authorization header must be "Bearer <token>".');
    const claims = tokens.verify(token);
    if (!claims) return refuse('The bearer token is not valid or has expired.');
    const session = await options.session(claims.sessionId);
    if (!session) return refuse("The bearer token's session has ended (signed out or expired).");
    return { session, grant: new ScopeGrant(claims.scopes, session.address.toLowerCase()) };
  }

  // A bearer token for the signed-in account (session cookie), with the read scopes asked for. JSON only,
  // like sign-in: a cross-site form cannot send it without a CORS preflight.
  router.post('/token', express.json({ limit: '4kb' }), (req: Request, res: Response, next: NextFunction) => {
    try {
      if (!req.is('application/json')) throw FhirError.notSupported(415, 'POST /fhir/token takes JSON: {"scope": "patient/*.read"}.');
      const session = sessionOf(res);
      if (!session) throw new FhirError(401, { severity: 'error', code: 'login', diagnostics: 'Sign in first (GET /auth/nonce, sign the SIWE message, POST /auth/verify), then POST /fhir/token with the session cookie.' });
      const scopes = parseScopes((req.body as { scope?: unknown } | undefined)?.scope);
      res.status(200).set('cache-control', 'no-store').json(tokens.issue(session, scopes));
    } catch (error) {
      next(error);
    }
  });

  router.use(async (req: Request, res: Response, next: NextFunction) => {
    try {
      const resource = await route(req, res);
      send(res, 200, resource);
    } catch (error) {
      next(error);
    }
  });
  return router;
}

/**
 * Errors of `/fhir` requests, from the facade or from the middleware before it (the session lookup), as
 * OperationOutcome with their status; a dependency down is 503 with Retry-After.
 */
export function fhirErrors(options: Pick<FhirRouteOptions, 'logger' | 'retryAfterSeconds'>) {
  return (error: unknown, _req: Request, res: Response, next: NextFunction): void => {
    if (res.headersSent) {
      next(error);
      return;
    }
    let fhirError: FhirError;
    const unavailable = unavailableDependency(error);
    const status = (error as { status?: unknown } | null)?.status;
    if (error instanceof FhirError) fhirError = error;
    else if (typeof status === 'number' && status >= 400 && status < 500) {
      // The JSON body of POST /fhir/token: too large or not JSON.
      fhirError = new FhirError(status, { severity: 'error', code: 'invalid', diagnostics: 'The request body is not valid JSON of at most 4 kB.' });
    } else if (unavailable) fhirError = new FhirError(503, { severity: 'error', code: 'transient', diagnostics: unavailable.message }, unavailable.service);
    else {
      options.logger.error('Unexpected error in a FHIR request', error);
      fhirError = new FhirError(500, { severity: 'fatal', code: 'exception', diagnostics: 'Internal server error; it was logged. Retry later or report it.' });
    }
    if (fhirError.status === 503) res.set('retry-after', String(options.retryAfterSeconds));
    send(res, fhirError.status, fhirError.outcome);
  };
}
