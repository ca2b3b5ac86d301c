import path from 'node:path';
import mongoose, { type Connection } from 'mongoose';
import { loadDataConfig, type DataConfig } from '../config';
import { startEmbeddedMongo, type EmbeddedMongo } from '../../../stack/database/embedded-mongo';

/** Database used when the connection string names none. */
export const DEFAULT_DATABASE = 'health-records';

export interface DatabaseHandle {
  connection: Connection;
  /** The connection string used (for the embedded server, its loopback address). */
  uri: string;
  /** The embedded server this process started, or null when MONGODB_URI was used. */
  embedded: EmbeddedMongo | null;
  /** Closes the connection and stops the embedded server if one was started. */
  close(): Promise<void>;
}

/** The database named in a connection string's path, if any. */
export function databaseNameOf(uri: string): string | undefined {
  const match = /^mongodb(?:\+srv)?:\/\/[^/]+\/([^?]*)/.exec(uri);
  return match?.[1] ? decodeURIComponent(match[1]) : undefined;
}

/**
 * Connects to MongoDB: to MONGODB_URI when set (and nothing else is started), otherwise to an embedded
 * FerretDB this process starts in `<DATA_DIR>/ferretdb`. Each call gets its own mongoose connection.
 */
export async function connectDatabase(config: Pick<DataConfig, 'mongodbUri' | 'dataDir'> = loadDataConfig()): Promise<DatabaseHandle> {
  let embedded: EmbeddedMongo | null = null;
  let uri = config.mongodbUri;
  if (!uri) {
    embedded = await startEmbeddedMongo({ dataDir: path.join(config.dataDir, 'ferretdb') });
    uri = embedded.uri;
  }
  const connection = mongoose.createConnection(uri, {
    dbName: databaseNameOf(uri) ?? DEFAULT_DATABASE,
    serverSelectionTimeoutMS: 10_000,
    // Indexes are created explicitly (see createDataLayer), so a unique index exists before the first write.
    autoIndex: false,
  });
  try {
    await connection.asPromise();
  } catch (error) {
    await embedded?.stop();
    const where = config.mongodbUri ? 'MONGODB_URI' : 'the embedded FerretDB';
    throw new Error(`Could not connect to ${where} (${uri.replace(/\/\/[^@/]*@/, '//***@')}): ${(error as Error).message}`, { cause: error });
  }
  return {
    connection,
    uri,
    embedded,
    async close() {
      await connection.close();
      await embedded?.stop();
    },
  };
}
