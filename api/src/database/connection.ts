import mongoose, { type Connection } from 'mongoose';
import { DEFAULT_DATABASE_TIMEOUTS, loadDataConfig, type DataConfig } from '../config';

/** Database used when the connection string names none. */
export const DEFAULT_DATABASE = 'health-records';
/**
 * How often the driver checks the server. Commands wait for the database at most DataConfig's
 * `databaseTimeoutMs` for a server to select (none answers: FerretDB died, MongoDB is unreachable) or
 * a new connection, and `databaseSocketTimeoutMs` for an answer on an open connection (a server that
 * accepts but never answers). They are never buffered while the connection is down: they go to the
 * driver, which fails them after the selection timeout and reconnects by itself, within a heartbeat,
 * when the server is back on the same address.
 */
const HEARTBEAT_MS = 2_000;

export interface DatabaseHandle {
  connection: Connection;
  /** The connection string used (MONGODB_URI). */
  uri: string;
  /** Closes the connection (the server stays up: whoever started it stops it). */
  close(): Promise<void>;
}

/** The database named in a connection string's path, if any. */
export function databaseNameOf(uri: string): string | undefined {
  const match = /^mongodb(?:\+srv)?:\/\/[^/]+\/([^?]*)/.exec(uri);
  return match?.[1] ? decodeURIComponent(match[1]) : undefined;
}

/** A connection string as it may be shown: without its user and password. */
export const redacted = (uri: string): string => uri.replace(/\/\/[^@/]*@/, '//***@');

/** Thrown when MONGODB_URI is not set: the API does not start a database of its own. */
export class MissingDatabaseError extends Error {
  constructor() {
    super(
      'MONGODB_URI is not set: the API needs a MongoDB server (or one that speaks its protocol). Set MONGODB_URI, ' +
        'e.g. mongodb://127.0.0.1:27017/health-records, or run the whole system with `npm start`, which starts an ' +
        'embedded FerretDB in DATA_DIR and hands its address to the API.',
    );
    this.name = 'MissingDatabaseError';
  }
}

/**
 * Connects to MONGODB_URI, in the database its path names (`health-records` when it names none). Each
 * call gets its own mongoose connection. With `monitorCommands` the driver emits an event per command
 * (the server counts its round trips from them, for tests); it is off by default because the driver
 * then decodes every reply twice, once for the event (about a tenth of the API's CPU on a records page).
 */
export async function connectDatabase(
  config: Partial<DataConfig> = loadDataConfig(),
  options: { monitorCommands?: boolean } = {},
): Promise<DatabaseHandle> {
  const uri = config.mongodbUri;
  if (!uri) throw new MissingDatabaseError();
  const connection = mongoose.createConnection(uri, {
    dbName: databaseNameOf(uri) ?? DEFAULT_DATABASE,
    serverSelectionTimeoutMS: config.databaseTimeoutMs ?? DEFAULT_DATABASE_TIMEOUTS.timeoutMs,
    connectTimeoutMS: config.databaseTimeoutMs ?? DEFAULT_DATABASE_TIMEOUTS.timeoutMs,
    socketTimeoutMS: config.databaseSocketTimeoutMs ?? DEFAULT_DATABASE_TIMEOUTS.socketTimeoutMs,
    heartbeatFrequencyMS: HEARTBEAT_MS,
    bufferCommands: false,
    monitorCommands: options.monitorCommands ?? false,
    // Indexes are created explicitly (see createDataLayer), so a unique index exists before the first write.
    autoIndex: false,
  });
  try {
    await connection.asPromise();
  } catch (error) {
    await connection.close().catch(() => undefined);
    throw new Error(`Could not connect to MONGODB_URI (${redacted(uri)}): ${(error as Error).message}`, { cause: error });
  }
  return {
    connection,
    uri,
    close: () => connection.close(),
  };
}
