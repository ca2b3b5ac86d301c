import mongoose, { type Connection } from 'mongoose';
import { causeChain, ServiceUnavailableError, withDeadline } from '../errors';

/**
 * The MongoDB driver's and mongoose's errors that mean "the database is not answering" (no server to
 * select, a connection that broke or timed out, a pool cleared after a network error, a command that
 * waited for a connection), as opposed to the database refusing a command.
 */
const UNREACHABLE_ERRORS = new Set([
  'MongoServerSelectionError',
  'MongoNetworkError',
  'MongoNetworkTimeoutError',
  'MongoNotConnectedError',
  'MongoPoolClearedError',
  'MongoWaitQueueTimeoutError',
]);
/** mongoose's own message when a command waited for a connection longer than bufferTimeoutMS. */
const BUFFERING_TIMED_OUT = /buffering timed out after \d+ms/;

/** What clients are told: which part, and to retry (the details, addresses included, stay in `cause` and in /readyz). */
const PUBLIC_MESSAGE = 'The database is not answering; retry in a few seconds (the API reconnects by itself when it is back).';

/** The database as unavailable, when `error` (or what caused it) says the database is not answering. */
export function databaseUnavailable(error: unknown): ServiceUnavailableError | undefined {
  for (const link of causeChain(error)) {
    if (!(link instanceof Error)) continue;
    if (UNREACHABLE_ERRORS.has(link.name) || BUFFERING_TIMED_OUT.test(link.message)) {
      return new ServiceUnavailableError('database', PUBLIC_MESSAGE, { cause: link });
    }
  }
  return undefined;
}

export interface DatabasePing {
  /** mongoose's view of the connection: connected, connecting, disconnected or disconnecting. */
  state: string;
  latencyMs: number;
}

/**
 * One `ping` command, failing after `timeoutMs` (the command itself may still be waiting on a hung
 * server; the driver's own timeouts end it).
 */
export async function pingDatabase(connection: Connection, timeoutMs: number): Promise<DatabasePing> {
  const started = performance.now();
  const state = String(mongoose.STATES[connection.readyState]);
  const db = connection.db;
  if (!db) throw new ServiceUnavailableError('database', PUBLIC_MESSAGE, { cause: new Error(`the connection is ${state} and has no database yet`) });
  try {
    await withDeadline(db.admin().ping(), timeoutMs, () => new ServiceUnavailableError('database', PUBLIC_MESSAGE, { cause: new Error(`no answer to a ping within ${timeoutMs} ms (connection ${state})`) }));
  } catch (error) {
    throw error instanceof ServiceUnavailableError ? error : (databaseUnavailable(error) ?? error);
  }
  return { state, latencyMs: Math.round(performance.now() - started) };
}
