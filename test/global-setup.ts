/**
 * Jest globalSetup: one PostgreSQL for the whole run, shared by every graph-node the tests start
 * (each suite gets a database of its own: test/fixtures/graph-node.ts). Its admin URL reaches the
 * workers as GRAPH_NODE_POSTGRES_URL. A URL already set in the environment is used as it is.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startPostgres, type EmbeddedPostgres } from '../stack/postgres/postgres';

declare global {
  var graphNodeTestPostgres: { postgres: EmbeddedPostgres; folder: string } | undefined;
}

export default async function globalSetup(): Promise<void> {
  if (process.env.GRAPH_NODE_POSTGRES_URL) return;
  const folder = mkdtempSync(path.join(os.tmpdir(), 'graph-node-tests-'));
  const postgres = await startPostgres({ folder, durable: false });
  globalThis.graphNodeTestPostgres = { postgres, folder };
  process.env.GRAPH_NODE_POSTGRES_URL = postgres.adminUrl;
}
