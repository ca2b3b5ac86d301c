/**
 * The HTTP endpoint: graph-node's paths, POST and GET, GraphiQL, CORS and malformed requests.
 */
import { startQueryServer, type QueryServer } from '../../../subgraph/local-node/graphql/server';
import { fixtureStore, SCHEMA_SDL } from './fixture/data';

let server: QueryServer;

beforeAll(async () => {
  const store = await fixtureStore();
  server = await startQueryServer({ store, schemaSdl: SCHEMA_SDL, name: 'local/fixture', deployment: 'QmFixture', port: 0, host: '127.0.0.1' });
});

afterAll(async () => {
  await server.close();
});

test('serves POST at /subgraphs/name/<name> and /subgraphs/id/<deployment>', async () => {
  expect(server.url).toBe(`http://127.0.0.1:${server.port}/subgraphs/name/local/fixture`);
  const post = async (url: string) =>
    fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: 'query($id: ID!) { owner(id: $id) { name balance } }', variables: { id: 'o1' } }) });
  for (const url of [server.url, `http://127.0.0.1:${server.port}/subgraphs/id/QmFixture`]) {
    const res = await post(url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(await res.json()).toEqual({ data: { owner: { name: 'Alice', balance: '100' } } });
  }
});

test('serves GET with the query in the URL, and GraphiQL without one', async () => {
  const res = await fetch(`${server.url}?query=${encodeURIComponent('{ _meta { deployment block { number } } }')}`);
  expect(await res.json()).toEqual({ data: { _meta: { deployment: 'QmFixture', block: { number: 3 } } } });
  const page = await fetch(server.url);
  expect(page.headers.get('content-type')).toMatch(/^text\/html/);
  expect(await page.text()).toContain('GraphiQL');
});

test('query errors come back as GraphQL errors; malformed requests as 4xx', async () => {
  const bad = await fetch(server.url, { method: 'POST', body: JSON.stringify({ query: '{ owners(first: 5000) { id } }' }) });
  expect(bad.status).toBe(200);
  expect(await bad.json()).toEqual({ errors: [{ message: 'The `first` argument must be between 0 and 1000, but is 5000' }] });
  const notJson = await fetch(server.url, { method: 'POST', body: '{nope' });
  expect(notJson.status).toBe(400);
  const noQuery = await fetch(server.url, { method: 'POST', body: '{}' });
  expect(noQuery.status).toBe(400);
  expect((await noQuery.json()).errors[0].message).toBe('The "query" field is missing in request data');
  const elsewhere = await fetch(`http://127.0.0.1:${server.port}/subgraphs/name/other`, { method: 'POST', body: '{"query":"{ _meta { deployment } }"}' });
  expect(elsewhere.status).toBe(404);
  const options = await fetch(server.url, { method: 'OPTIONS' });
  expect(options.status).toBe(200);
});
