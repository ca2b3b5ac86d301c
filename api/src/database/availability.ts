import mongoose, { type Connection } from 'mongoose';
import { causeChain, ServiceUnavailableError, withDeadline } from '../errors';

/**
 * The MongoDB driver's and mongoose's errors that mean "the database is not answering" (no server to
 * select, a connection that broke, timed out or was closed, a pool cleared after a network error or a
 * monitor timeout, a command that waited for a connection), as opposed to the database refusing a command.
 */
const UNREACHABLE_ERRORS = new Set([
  'MongoServerSelectionError',
  'MongooseServerSelectionError',
  'MongoNetworkError',
  'MongoNetworkTimeoutError',
  'MongoNotConnectedError',
  'MongoPoolClearedError',
  'PoolClearedOnNetworkError',
  'MongoPoolClosedError',
  'MongoServerClosedError',
  'MongoTopologyClosedError',
  'MongoWaitQueueTimeoutError',
  'MongoOperationTimeoutError',
]);
/**
 * FerretDB (the embedded store) answers a command it cannot run because its PostgreSQL is down or
 * restarting with a server error carrying PostgreSQL's or its driver's words: the store is not
 * answering then, as surely as when FerretDB itself is down.
 */
const STORAGE_DOWN = /failed to connect to `user=|SQLSTATE (57P0[1-3]|08\w{3})|connection refused|unexpected postmaster exit|the database system is (starting up|shutting down|in recovery mode)|conn closed|unexpected EOF/;
/** mongoose's own message when a command waited for a connection longer than bufferTimeoutMS. */
const BUFFERING_TIMED_OUT = /buffering timed out after \d+ms/;

/** What clients are told: which part, and to retry (the details, addresses included, stay in `cause` and in the log). */
const PUBLIC_MESSAGE = 'The database is not answering; retry in a few seconds (the API reconnects by itself when it is back).';

/**
 * Whether `error` (or what it wraps) came from the MongoDB driver or mongoose: then it is the
 * database's, even when it wraps a socket error like the chain's (ECONNREFUSED, ECONNRESET).
 */
export function fromDatabase(error: unknown): boolean {
  return causeChain(error).some((link) => link instanceof mongoose.mongo.MongoError || link instanceof mongoose.Error || (link instanceof Error && BUFFERING_TIMED_OUT.test(link.message)));
}

/** The database as unavailable, when `error` (or what caused it) says the database is not answering. */
export function databaseUnavailable(error: unknown): ServiceUnavailableError | undefined {
  for (const link of causeChain(error)) {
    if (!(link instanceof Error)) continue;
    if (UNREACHABLE_ERRORS.has(link.name) || BUFFERING_TIMED_OUT.test(link.message) || (link.name === 'MongoServerError' && STORAGE_DOWN.test(link.message))) {
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
