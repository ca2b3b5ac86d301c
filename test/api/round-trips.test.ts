/**
 * Lists cost a fixed number of round trips to the subgraph and the chain: a page of 40 records with
 * integrity, content, versions and the authors' profiles asks them exactly as often as a page of 5, and
 * so does the database: the page's record documents come from one `$in` query (an index serves it, on
 * MongoDB and on the project's build of FerretDB; test/api/index-use.test.ts checks the plans).
 */
import hre from 'hardhat';
import { ApiClient } from '../../stack/demo/api-client';
import { startApiStack, type ApiStack } from './support/api-stack';
import { seed } from './support/seed';

jest.setTimeout(300_000);

const PAGE = `query ($p: Address!, $first: Int!) {
  records(patient: $p, category: "Observation", first: $first) {
    nodes { id integrity content(purpose: "TREAT") versions { version author } author { address status providerProfile { displayName organization } } }
  }
}`;

describe('round trips', () => {
  let stack: ApiStack;

  beforeAll(async () => {
    // Sessions and directory profiles looked up on every request, so each request's database commands are the same.
    stack = await startApiStack({ env: { SESSION_CACHE_MS: '0', DIRECTORY_CACHE_MS: '0' }, server: { countDatabaseCommands: true } });
    await seed(stack, { observations: 40 });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  async function measure(client: ApiClient, first: number, options: { newBlock: boolean } = { newBlock: true }) {
    if (options.newBlock) {
      // A fresh block, indexed: the request asks the chain and the subgraph afresh instead of reusing
      // answers cached at the previous block.
      await hre.network.provider.send('evm_mine', []);
      await stack.indexed();
    }
    const counter = stack.server.services.roundTrips;
    const before = { subgraph: counter.subgraphRequests, database: counter.databaseCommands, chain: counter.chainCalls };
    const answer = await client.graphql<{ records: { nodes: unknown[] } }>(PAGE, { p: stack.system.patient.address, first });
    expect(answer.errors).toBeUndefined();
    expect(answer.data!.records.nodes).toHaveLength(first);
    return {
      subgraph: counter.subgraphRequests - before.subgraph,
      database: counter.databaseCommands - before.database,
      chain: counter.chainCalls - before.chain,
    };
  }

  it('does not grow with the length of the list', async () => {
    const client = await new ApiClient(stack.url).signIn(stack.system.provider);
    const small = await measure(client, 5);
    const large = await measure(client, 40);
    // Subgraph: the latest indexed block, the records page (authors' directory entries nested) and the versions. Database: the
    // session, the author's profile (one author), the records' documents (one query, shared by the
    // integrity checks and the audited reads), the audit entries (one insert). Chain: the latest block
    // number, hasAccess for the list, hasAccessForPurpose for contents.
    expect(small).toEqual({ subgraph: 3, database: 4, chain: 3 });
    expect(large).toEqual({ subgraph: 3, database: 4, chain: 3 });
  });

  it('shares answers at one block between requests: the same page again costs the block lookups only', async () => {
    const client = await new ApiClient(stack.url).signIn(stack.system.provider);
    await measure(client, 40);
    const again = await measure(client, 40, { newBlock: false });
    // Subgraph: only `_meta` (the page and versions at that block hash are shared); chain: only the block
    // number (the views' answers at that block are shared); the database reads are not cached.
    expect(again).toEqual({ subgraph: 1, database: 4, chain: 1 });
  });
});
