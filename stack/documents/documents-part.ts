import type { Part } from '../part';
import { startEmbeddedMongo, type EmbeddedMongo } from './embedded-mongo';

/** The embedded document store (FerretDB) as a part; a restart takes the same files and port, and the API's driver reconnects by itself. */
export function documentsPart(options: { dataDir: string; buildLog: (line: string) => void }): Part<EmbeddedMongo> {
  return {
    name: 'FerretDB (the database)',
    stopSignal: 'SIGTERM',
    start: () => startEmbeddedMongo({ dataDir: options.dataDir, buildLog: options.buildLog }),
    restart: (previous) => startEmbeddedMongo({ dataDir: options.dataDir, port: Number(new URL(previous.uri).port) }),
  };
}
