import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { unwrapResolverError } from '@apollo/server/errors';
import { chainUnavailable } from '../chain/availability';
import { databaseUnavailable, fromDatabase } from '../database/availability';
import { BadInputError, ConflictError, ForbiddenError, NotFoundError, ServiceUnavailableError } from '../errors';
import { SubgraphError } from './subgraph/subgraph-client';

/**
 * The error codes clients can rely on (`extensions.code`). Anything else that goes wrong is masked as
 * INTERNAL_SERVER_ERROR and logged once, by `formatError`.
 */
export const ERROR_CODES = ['UNAUTHENTICATED', 'FORBIDDEN', 'BAD_USER_INPUT', 'NOT_FOUND', 'CONFLICT', 'RATE_LIMITED', 'SERVICE_UNAVAILABLE'] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/** Apollo Server's own codes for requests that never reached execution: safe to show as they are. */
const APOLLO_REQUEST_CODES = new Set([
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_REQUEST',
  'OPERATION_RESOLUTION_FAILURE',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
]);

export function unauthenticated(): GraphQLError {
  return new GraphQLError('Sign in first: GET /auth/nonce, sign the SIWE message, POST /auth/verify.', {
    extensions: { code: 'UNAUTHENTICATED', http: { status: 200 } },
  });
}

export function forbidden(message = 'You may not read or do this.'): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'FORBIDDEN' } });
}

export function notFound(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'NOT_FOUND' } });
}

/**
 * What every BAD_USER_INPUT error carries, the one shape clients read: `extensions.field` is the first
 * offending field (the argument path, e.g. `input.category` or `input.content.valueQuantity.value`) and
 * `extensions.fields` lists every problem as `{ field, message }`, so a form can show each message
 * under its own field.
 */
export interface FieldProblem {
  field: string;
  message: string;
}

function badInputError(message: string, problems: FieldProblem[]): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT', field: problems[0]!.field, fields: problems } });
}

/** BAD_USER_INPUT naming the offending `field` (the argument path, e.g. `input.category`). */
export function badInput(field: string, message: string): GraphQLError {
  return badInputError(`${field}: ${message}`, [{ field, message }]);
}

/**
 * When `error` means a part the API depends on cannot serve now, that part and what to do; otherwise
 * undefined. The one classification of the API: the part an error came from decides, in this order —
 * graph-node (the subgraph client's errors, classified by graph-node's own answers), the database
 * (anything from the MongoDB driver or mongoose, even when it wraps a socket error), then the chain
 * (ethers' and socket errors of its JSON-RPC).
 */
export function unavailableDependency(error: unknown): ServiceUnavailableError | undefined {
  if (error instanceof ServiceUnavailableError) return error;
  if (error instanceof SubgraphError) {
    return error.outage ? new ServiceUnavailableError('graph-node', `graph-node (the index of the chain) ${error.outage}`, { cause: error }) : undefined;
  }
  if (fromDatabase(error)) return databaseUnavailable(error);
  return chainUnavailable(error);
}

/**
 * SERVICE_UNAVAILABLE naming the part that is down (`extensions.service`: database, graph-node or
 * chain). The request can be sent again as it is, once the part is back.
 */
export function serviceUnavailable(error: ServiceUnavailableError): GraphQLError {
  return new GraphQLError(error.message, { extensions: { code: 'SERVICE_UNAVAILABLE', service: error.service } });
}

/** Marks an error nobody planned for; `formatError` logs its original once and masks it. */
const INTERNAL = 'INTERNAL_SERVER_ERROR';

/**
 * Turns a data-layer error (BadInputError, NotFoundError, …) into the GraphQL error clients see, and
 * anything unexpected into an INTERNAL_SERVER_ERROR that still carries the original for the log.
 */
export function toGraphQLError(error: unknown): GraphQLError {
  if (error instanceof GraphQLError) {
    const code = error.extensions?.code;
    if (typeof code === 'string' && (ERROR_CODES as readonly string[]).includes(code)) return error;
    if (error.originalError) return toGraphQLError(error.originalError);
    return new GraphQLError('Internal server error', { extensions: { code: INTERNAL }, originalError: error });
  }
  if (error instanceof BadInputError) {
    return badInputError(error.message, error.issues.map(({ field, message }) => ({ field, message })));
  }
  if (error instanceof NotFoundError) return notFound(error.message);
  const unavailable = unavailableDependency(error);
  if (unavailable) return serviceUnavailable(unavailable);
  if (error instanceof ForbiddenError) return forbidden(error.message);
  if (error instanceof ConflictError) {
    return new GraphQLError(error.message, { extensions: error.field ? { code: 'CONFLICT', field: error.field } : { code: 'CONFLICT' } });
  }
  return new GraphQLError('Internal server error', {
    extensions: { code: INTERNAL },
    originalError: error instanceof Error ? error : new Error(String(error)),
  });
}

export interface ErrorLogger {
  error(message: string, error: unknown): void;
}

/**
 * The one `formatError` of the server: known errors pass with their code (never a stack trace);
 * everything else is logged here, once, and replaced by a generic message.
 */
export function createFormatError(logger: ErrorLogger) {
  // One failure can surface in many fields (a DataLoader batch rejects every key with the same error):
  // each distinct error is logged once.
  const logged = new WeakSet<object>();
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const code = formatted.extensions?.code;
    if (typeof code === 'string' && APOLLO_REQUEST_CODES.has(code)) {
      return { message: formatted.message, locations: formatted.locations, extensions: { code } };
    }
    const translated = toGraphQLError(unwrapResolverError(error));
    const translatedCode = translated.extensions.code as string;
    if (translatedCode === INTERNAL) {
      const original = translated.originalError ?? error;
      if (typeof original !== 'object' || original === null || !logged.has(original)) {
        if (typeof original === 'object' && original !== null) logged.add(original);
        logger.error(`Unexpected error in ${formatted.path?.join('.') ?? 'the request'}`, original);
      }
      return { message: 'Internal server error', path: formatted.path, locations: formatted.locations, extensions: { code: INTERNAL } };
    }
    const { http: _http, ...extensions } = translated.extensions as Record<string, unknown>;
    return { message: translated.message, path: formatted.path, locations: formatted.locations, extensions };
  };
}
