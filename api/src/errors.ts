/**
 * Typed errors of the data layer. The GraphQL layer maps them to `GraphQLError`s by `code`
 * (`BAD_USER_INPUT`, `NOT_FOUND`, `FORBIDDEN`), so services never depend on GraphQL.
 */

/** One problem with a piece of input: where it is and what is wrong. */
export interface InputIssue {
  /** Path of the offending value, e.g. `content.Observation.code` or `email`. */
  field: string;
  message: string;
}

/** The caller sent something invalid; nothing was written. */
export class BadInputError extends Error {
  readonly code = 'BAD_USER_INPUT' as const;
  /** The first offending field, for clients that show one message per field. */
  readonly field: string;

  constructor(
    readonly issues: InputIssue[],
    summary?: string,
  ) {
    if (issues.length === 0) throw new Error('BadInputError needs at least one issue.');
    super(summary ?? issues.map((issue) => `${issue.field}: ${issue.message}`).join('; '));
    this.name = 'BadInputError';
    this.field = issues[0]!.field;
  }
}

/** A record's content is not a valid FHIR R4 resource; `issues` carry the validator's messages. */
export class FhirValidationError extends BadInputError {
  constructor(issues: InputIssue[]) {
    super(issues, `The content is not a valid FHIR R4 resource: ${issues.map((i) => `${i.field}: ${i.message}`).join('; ')}`);
    this.name = 'FhirValidationError';
  }
}

/** The thing asked for does not exist. */
export class NotFoundError extends Error {
  readonly code = 'NOT_FOUND' as const;
  constructor(message: string) {
    super(message);
    this.name = 'NotFoundError';
  }
}

/** The caller may not do this; the decision was logged where the operation is audited. */
export class ForbiddenError extends Error {
  readonly code = 'FORBIDDEN' as const;
  constructor(message: string) {
    super(message);
    this.name = 'ForbiddenError';
  }
}

/** The operation conflicts with the current state (e.g. amending an erased record); `field` names the input at odds with it. */
export class ConflictError extends Error {
  readonly code = 'CONFLICT' as const;
  constructor(
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'ConflictError';
  }
}

/** The parts the API depends on, as readiness and SERVICE_UNAVAILABLE errors name them. */
export type Dependency = 'database' | 'chain' | 'graph-node';

/**
 * A part the API depends on is not answering (the database, the chain's JSON-RPC, graph-node): nothing
 * is wrong with the request, and the same request succeeds once the part is back. The message is for
 * clients (which part, retry); what failed, with addresses, is the `cause` (and /readyz's `problem`).
 */
export class ServiceUnavailableError extends Error {
  readonly code = 'SERVICE_UNAVAILABLE' as const;
  constructor(
    readonly service: Dependency,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ServiceUnavailableError';
  }
}

/** The error and the errors it was caused by, outermost first (bounded, in case of a cycle). */
export function causeChain(error: unknown): unknown[] {
  const chain: unknown[] = [];
  for (let current = error; current !== undefined && current !== null && chain.length < 8; current = (current as { cause?: unknown }).cause) {
    chain.push(current);
    if (typeof current !== 'object') break;
  }
  return chain;
}

/**
 * `work`, or a rejection with `timedOut()` once `timeoutMs` has passed (the work itself is not
 * cancelled: its own timeouts end it). For bounded health checks.
 */
export async function withDeadline<T>(work: Promise<T>, timeoutMs: number, timedOut: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      work,
      new Promise<never>((_resolve, reject) => {
        timer = setTimeout(() => reject(timedOut()), timeoutMs);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
