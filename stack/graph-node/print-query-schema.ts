/**
 * `npm run codegen:subgraph-schema`: writes subgraph/query-schema.graphql, the query schema graph-node
 * serves for the built subgraph (subgraph/build), from graph-node's introspection. It runs graph-node
 * on a throw-away chain and PostgreSQL: the schema depends on subgraph/schema.graphql only, not on
 * any indexed data. Run it after changing subgraph/schema.graphql, then `npm run codegen:api`.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startEmbeddedChain } from '../chain/chain';
import { startScratchGraphNode } from '.';
import { introspectQuerySchema } from './query-schema';

export const QUERY_SCHEMA_FILE = path.resolve(__dirname, '..', '..', 'subgraph', 'query-schema.graphql');

async function main(): Promise<void> {
  const folder = mkdtempSync(path.join(os.tmpdir(), 'query-schema-'));
  const chain = await startEmbeddedChain('127.0.0.1', 0);
  try {
    const node = await startScratchGraphNode({ manifest: path.resolve(__dirname, '..', '..', 'subgraph', 'build', 'subgraph.yaml'), rpcUrl: chain.url, folder });
    try {
      // graph-node answers only once the subgraph has indexed a block: mine past its start blocks.
      // (evm_mine: graph-node cannot read the blocks `hardhat_mine` skips over.)
      for (let i = 0; i < 5; i += 1) {
        await fetch(chain.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: i, method: 'evm_mine', params: [] }) });
      }
      await node.waitForBlock(5);
      writeFileSync(QUERY_SCHEMA_FILE, await introspectQuerySchema(node.queryUrl));
      process.stdout.write(`Wrote ${path.relative(process.cwd(), QUERY_SCHEMA_FILE)} from graph-node's introspection.\n`);
    } finally {
      await node.stop();
    }
  } finally {
    await chain.stop();
    rmSync(folder, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`codegen:subgraph-schema failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
