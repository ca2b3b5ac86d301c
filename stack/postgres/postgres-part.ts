import type { Part } from '../part';
import { startPostgres, type EmbeddedPostgres } from './postgres';

/** graph-node's embedded PostgreSQL as a part: its cluster kept in `folder`; a restart takes the same folder, port and password. */
export function postgresPart(options: { folder: string; port: number; portVariable: string }): Part<EmbeddedPostgres> {
  const settings = { folder: options.folder, portVariable: options.portVariable };
  return {
    name: "PostgreSQL (graph-node's store)",
    stopSignal: 'SIGINT',
    start: () => startPostgres({ ...settings, port: options.port }),
    // Same port: graph-node's connection URL stays right.
    restart: (previous) => startPostgres({ ...settings, port: previous.port }),
  };
}
