import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createDataLayer, type DataLayer } from '../../../../api/src/app/data-layer';
import { startEmbeddedMongo, type EmbeddedMongo } from '../../../../stack/documents/embedded-mongo';
import { dropDatabase } from '../../../../stack/postgres/postgres';

/** The first run builds the Go launcher (module download and compile): allow for it in beforeAll. */
export const START_TIMEOUT_MS = 600_000;

export interface TestDatabase {
  server: EmbeddedMongo;
  layer: DataLayer;
  dataDir: string;
  /** Closes the data layer, stops the server (by its PID) and removes the temporary folder. */
  stop(): Promise<void>;
}

/** The run's shared PostgreSQL (test/global-setup.ts), which the tests' FerretDB stores its documents on. */
export function testPostgresAdminUrl(): string {
  const url = process.env.GRAPH_NODE_POSTGRES_URL;
  if (!url) throw new Error('GRAPH_NODE_POSTGRES_URL is not set: run the tests through Jest (test/global-setup.ts starts PostgreSQL).');
  return url;
}

/**
 * A real embedded FerretDB on the run's PostgreSQL (or the one `postgresAdminUrl` names), in a
 * PostgreSQL database and role of its own (dropped by `stop()`), its password kept in `folder`.
 */
export async function startTestMongo(folder: string, postgresAdminUrl = testPostgresAdminUrl()): Promise<EmbeddedMongo> {
  const database = `docs_test_${randomBytes(6).toString('hex')}`;
  const server = await startEmbeddedMongo({ postgresAdminUrl, database, folder });
  return {
    ...server,
    async stop() {
      await server.stop();
      await dropDatabase(postgresAdminUrl, database);
    },
  };
}

/**
 * A real embedded FerretDB (startTestMongo) and a fresh temporary folder, with the data layer
 * connected to it through MONGODB_URI (so each test file gets its own server and its own master key file).
 */
export async function startTestDatabase(options: { auditBatchSize?: number } = {}): Promise<TestDatabase> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'health-records-data-'));
  const server = await startTestMongo(path.join(dataDir, 'ferretdb'));
  try {
    const layer = await createDataLayer({
      mongodbUri: server.clientUri('test'),
      dataDir,
      expirySweepMs: 60_000,
      auditBatchSize: options.auditBatchSize ?? 1024,
    });
    return {
      server,
      layer,
      dataDir,
      async stop() {
        await layer.close();
        await server.stop();
        await rm(dataDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await server.stop();
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
}
