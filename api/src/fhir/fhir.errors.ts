import type { GraphQLError } from 'graphql';
import { toGraphQLError, type ErrorLogger } from '../graphql/errors';
import { operationOutcome, type OutcomeIssue, type Resource } from './fhir.resources';

/** A refusal or failure of the facade: the HTTP status and the OperationOutcome issue that says why. */
export class FhirError extends Error {
  constructor(
    readonly status: number,
    readonly issue: OutcomeIssue,
    /** For 503: which part is down. */
    readonly service?: string,
  ) {
    super(issue.diagnostics);
    this.name = 'FhirError';
  }

  static badParameter(name: string, message: string): FhirError {
    return new FhirError(400, { severity: 'error', code: 'invalid', diagnostics: `${name}: ${message}`, expression: [name] });
  }

  static notFound(message: string): FhirError {
    return new FhirError(404, { severity: 'error', code: 'not-found', diagnostics: message });
  }

  static notSupported(status: number, message: string): FhirError {
    return new FhirError(status, { severity: 'error', code: 'not-supported', diagnostics: message });
  }

  get outcome(): Resource {
    return operationOutcome([this.issue]);
  }
}

/** GraphQL error codes as HTTP statuses and OperationOutcome issue codes, most telling first. */
const BY_CODE: { [code: string]: { status: number; issue: string } } = {
  SERVICE_UNAVAILABLE: { status: 503, issue: 'transient' },
  INTERNAL_SERVER_ERROR: { status: 500, issue: 'exception' },
  UNAUTHENTICATED: { status: 401, issue: 'login' },
  FORBIDDEN: { status: 403, issue: 'forbidden' },
  NOT_FOUND: { status: 404, issue: 'not-found' },
  BAD_USER_INPUT: { status: 400, issue: 'invalid' },
  CONFLICT: { status: 409, issue: 'conflict' },
  RATE_LIMITED: { status: 429, issue: 'throttled' },
};
const PRIORITY = Object.keys(BY_CODE);

/** GraphQL argument names as the facade's parameters, so a 400 names what the client sent. */
const PARAMETER_OF: { [argument: string]: string } = {
  first: '_count',
  after: '_page',
  patient: 'patient',
  address: 'patient',
  grantee: 'actor',
  purpose: 'purpose',
  updatedFrom: '_lastUpdated',
  updatedBefore: '_lastUpdated',
  id: 'id',
};

/**
 * The answer's errors as one FhirError: the most telling code wins (a dependency down over a refusal).
 * Unexpected errors are logged here, once, and masked.
 */
export function fhirErrorOf(errors: readonly GraphQLError[], logger: ErrorLogger): FhirError {
  const translated = errors.map((error) => toGraphQLError(error));
  const codeOf = (error: GraphQLError) => (typeof error.extensions.code === 'string' && BY_CODE[error.extensions.code] ? error.extensions.code : 'INTERNAL_SERVER_ERROR');
  const worst = translated.reduce((a, b) => (PRIORITY.indexOf(codeOf(b)) < PRIORITY.indexOf(codeOf(a)) ? b : a));
  const code = codeOf(worst);
  const { status, issue } = BY_CODE[code]!;
  if (code === 'INTERNAL_SERVER_ERROR') {
    logger.error('Unexpected error in a FHIR request', worst.originalError ?? worst);
    return new FhirError(500, { severity: 'fatal', code: issue, diagnostics: 'Internal server error; it was logged. Retry later or report it.' });
  }
  if (code === 'UNAUTHENTICATED') {
    return new FhirError(401, { severity: 'error', code: issue, diagnostics: 'Sign in first: GET /auth/nonce, sign the SIWE message, POST /auth/verify, then send the hr_session cookie.' });
  }
  const field = typeof worst.extensions.field === 'string' ? worst.extensions.field : undefined;
  const parameter = field ? (PARAMETER_OF[field] ?? field) : undefined;
  const service = typeof worst.extensions.service === 'string' ? worst.extensions.service : undefined;
  return new FhirError(
    status,
    { severity: 'error', code: issue, diagnostics: parameter && field ? worst.message.replace(field, parameter) : worst.message, ...(parameter ? { expression: [parameter] } : {}) },
    service,
  );
}
