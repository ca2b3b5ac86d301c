/**
 * Lists cost a fixed number of round trips: a page of 40 records with integrity, content, versions and
 * the authors' profiles asks the subgraph, MongoDB and the chain exactly as often as a page of 5.
 */
import { ApiClient } from './support/client';
import { startApiStack, type ApiStack } from './support/api-stack';
import { seed } from './support/seed';

jest.setTimeout(300_000);

const PAGE = `query ($p: String!, $first: Int!) {
  records(patient: $p, category: "Observation", first: $first) {
    nodes { id integrity content(purpose: "TREAT") versions { version author } author { address status providerProfile { displayName organization } } }
  }
}`;

describe('round trips', () => {
  let stack: ApiStack;

  beforeAll(async () => {
    stack = await startApiStack();
    await seed(stack, { observations: 40 });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  async function measure(client: ApiClient, first: number) {
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
    expect(large).toEqual(small);
    // Records page, authors' accounts, versions; session, profiles, integrity documents, the audited
    // read (documents + one insert); hasAccess for the list and hasAccessForPurpose for the contents.
    expect(small).toEqual({ subgraph: 3, database: 5, chain: 2 });
  });
});
