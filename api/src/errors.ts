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
