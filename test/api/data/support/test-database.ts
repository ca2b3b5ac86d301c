import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createDataLayer, type DataLayer } from '../../../../api/src/app/data-layer';
import { startEmbeddedMongo, type EmbeddedMongo } from '../../../../stack/documents/embedded-mongo';

/** The first run builds the Go launcher (module download and compile): allow for it in beforeAll. */
export const START_TIMEOUT_MS = 600_000;

export interface TestDatabase {
  server: EmbeddedMongo;
  layer: DataLayer;
  dataDir: string;
  /** Closes the data layer, stops the server (by its PID) and removes the temporary folder. */
  stop(): Promise<void>;
}

/**
 * A real embedded FerretDB in a fresh temporary folder, with the data layer connected to it through
 * MONGODB_URI (so each test file gets its own server and its own master key file).
 */
export async function startTestDatabase(options: { auditBatchSize?: number } = {}): Promise<TestDatabase> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'health-records-data-'));
  const server = await startEmbeddedMongo({ dataDir: path.join(dataDir, 'ferretdb') });
  try {
    const layer = await createDataLayer({
      mongodbUri: `${server.uri}test`,
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
