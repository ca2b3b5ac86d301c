import { rmSync } from 'node:fs';

/** Jest globalTeardown: stops the run's PostgreSQL (global-setup.ts) and deletes its files. */
export default async function globalTeardown(): Promise<void> {
  const shared = globalThis.graphNodeTestPostgres;
  if (!shared) return;
  await shared.postgres.stop();
  rmSync(shared.folder, { recursive: true, force: true });
  delete process.env.GRAPH_NODE_POSTGRES_URL;
}
