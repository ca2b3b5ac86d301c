import type { Part } from '../part';
import { startEmbeddedMongo, type EmbeddedMongo, type EmbeddedMongoOptions } from './embedded-mongo';

/** The embedded document store (FerretDB on PostgreSQL) as a part; a restart takes the same settings and port, and the API's driver reconnects by itself. */
export function documentsPart(options: EmbeddedMongoOptions): Part<EmbeddedMongo> {
  return {
    name: 'FerretDB (the database)',
    stopSignal: 'SIGTERM',
    start: () => startEmbeddedMongo(options),
    restart: (previous) => startEmbeddedMongo({ ...previous.settings, port: Number(new URL(previous.uri).port) }),
  };
}
