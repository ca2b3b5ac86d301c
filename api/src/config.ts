import path from 'node:path';

/** The repository root (one definition, beside the deployment files it locates). */
import { REPO_ROOT } from '../../contracts/deployment/deployment';

export { REPO_ROOT };

/** The database timeouts when DATABASE_TIMEOUT_MS and DATABASE_SOCKET_TIMEOUT_MS are unset. */
export const DEFAULT_DATABASE_TIMEOUTS = { timeoutMs: 3_000, socketTimeoutMs: 10_000 };

/** Settings of the off-chain data layer, read from the environment. */
export interface DataConfig {
  /**
   * The MongoDB connection string (`MONGODB_URI`). The API needs it and starts no database of its own:
   * `npm start` and the tests start an embedded FerretDB and pass its address here.
   */
  mongodbUri?: string;
  /** Folder for the generated master key (`DATA_DIR`, default `.data/`). */
  dataDir: string;
  /** The master key that wraps record data keys: 32 bytes as hex or base64 (`MASTER_KEY`). */
  masterKey?: string;
  /** How often expired SIWE nonces and sessions are deleted, in milliseconds (`EXPIRY_SWEEP_MS`). */
  expirySweepMs: number;
  /** Most entries in one audit batch (`AUDIT_BATCH_SIZE`, default 1024). */
  auditBatchSize: number;
  /** How long a database command waits for a server or a connection before it fails (`DATABASE_TIMEOUT_MS`, default 3000). */
  databaseTimeoutMs?: number;
  /** How long a database command waits for an answer on an open connection (`DATABASE_SOCKET_TIMEOUT_MS`, default 10000). */
  databaseSocketTimeoutMs?: number;
}

function positiveInteger(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new Error(`${name}=${JSON.stringify(raw)} is not a positive whole number; unset it to use ${fallback}.`);
  }
  return value;
}

/** Reads the data layer's settings; throws a message naming the variable when one is malformed. */
export function loadDataConfig(env: NodeJS.ProcessEnv = process.env): DataConfig {
  const mongodbUri = env.MONGODB_URI?.trim() || undefined;
  if (mongodbUri && !/^mongodb(\+srv)?:\/\//.test(mongodbUri)) {
    throw new Error(`MONGODB_URI must start with mongodb:// or mongodb+srv:// (got ${JSON.stringify(mongodbUri.slice(0, 20))}…).`);
  }
  return {
    mongodbUri,
    dataDir: path.resolve(REPO_ROOT, env.DATA_DIR?.trim() || '.data'),
    masterKey: env.MASTER_KEY?.trim() || undefined,
    expirySweepMs: positiveInteger(env, 'EXPIRY_SWEEP_MS', 60_000),
    auditBatchSize: positiveInteger(env, 'AUDIT_BATCH_SIZE', 1024),
    databaseTimeoutMs: positiveInteger(env, 'DATABASE_TIMEOUT_MS', DEFAULT_DATABASE_TIMEOUTS.timeoutMs),
    databaseSocketTimeoutMs: positiveInteger(env, 'DATABASE_SOCKET_TIMEOUT_MS', DEFAULT_DATABASE_TIMEOUTS.socketTimeoutMs),
  };
}
