/**
 * The HTTP endpoint: graph-node's paths and its answers to malformed requests, GraphiQL, CORS, and
 * queries in GET URLs.
 */
import * as http from 'node:http';
import { startQueryServer, type QueryServer } from '../../../subgraph/local-node/graphql/server';
import { fixtureStore, SCHEMA_SDL } from './fixture/data';

let server: QueryServer;
let base: string;

beforeAll(async () => {
  const store = await fixtureStore();
  server = await startQueryServer({ store, schemaSdl: SCHEMA_SDL, name: 'local/fixture', deployment: 'QmFixture', port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${server.port}`;
});

afterAll(async () => {
  await server.close();
});

const post = (url: string, body: string) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });

test('serves POST at /subgraphs/name/<name> and /subgraphs/id/<deployment>', async () => {
  expect(server.url).toBe(`${base}/subgraphs/name/local/fixture`);
  const body = JSON.stringify({ query: 'query($id: ID!) { owner(id: $id) { name balance } }', variables: { id: 'o1' } });
  for (const url of [server.url, `${server.url}/`, `${base}/subgraphs/id/QmFixture`]) {
    const res = await post(url, body);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(await res.json()).toEqual({ data: { owner: { name: 'Alice', balance: '100' } } });
  }
  const other = await post(`${base}/subgraphs/name/other`, JSON.stringify({ query: '{ _meta { deployment } }' }));
  expect(await other.json()).toEqual({ errors: [{ message: 'deployment `other` does not exist' }] });
});

test('GraphiQL at <path>/graphql, a plain GET redirects there, a GET with a query runs it', async () => {
  const redirect = await fetch(server.url, { redirect: 'manual' });
  expect(redirect.status).toBe(302);
  expect(redirect.headers.get('location')).toBe('/subgraphs/name/local/fixture/graphql');
  const page = await fetch(`${server.url}/graphql`);
  expect(page.headers.get('content-type')).toMatch(/^text\/html/);
  expect(await page.text()).toContain('GraphiQL');
  const res = await fetch(`${server.url}?query=${encodeURIComponent('query($n: Int!) { _meta(block: { number: $n }) { deployment block { number } } }')}&variables=${encodeURIComponent('{"n":2}')}`);
  expect(await res.json()).toEqual({ data: { _meta: { deployment: 'QmFixture', block: { number: 2 } } } });
  const mutation = await fetch(`${server.url}?query=${encodeURIComponent('mutation { x }')}`);
  expect(mutation.status).toBe(400);
  expect(await mutation.json()).toEqual({ error: "GraphQL server error (client error): Can't use mutations with GET method" });
});

test('query errors come back as GraphQL errors; malformed requests as graph-node answers them', async () => {
  const bad = await post(server.url, JSON.stringify({ query: '{ owners(first: 5000) { id } }' }));
  expect(bad.status).toBe(200);
  expect(await bad.json()).toEqual({ errors: [{ message: 'The `first` argument must be between 0 and 1000, but is 5000' }] });

  const expectClientError = async (res: Response, message: string) => {
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: `GraphQL server error (client error): ${message}` });
  };
  // fetch always sends a Content-Type with a string body; node:http does not.
  const bare = await new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = http.request(server.url, { method: 'POST' }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    });
    req.on('error', reject);
    req.end('{"query":"{ _meta { deployment } }"}');
  });
  expect(bare.status).toBe(400);
  expect(JSON.parse(bare.body)).toEqual({ error: 'GraphQL server error (client error): Content-Type header is required' });
  await expectClientError(await post(server.url, ''), 'Body is required');
  await expectClientError(await post(server.url, '[]'), 'Request data is not an object');
  await expectClientError(await post(server.url, '{}'), 'The "query" field is missing in request data');
  await expectClientError(await post(server.url, '{"query":1}'), 'The "query" field is not a string');
  await expectClientError(await post(server.url, '{"query":"{ owners { id } }","variables":"x"}'), 'Invalid query variables provided');
  const notJson = await post(server.url, '{nope');
  expect(notJson.status).toBe(400);
  expect((await notJson.json()).error).toMatch(/^GraphQL server error \(client error\): /);

  const syntax = await post(server.url, JSON.stringify({ query: '{ owners { id ' }));
  expect(syntax.status).toBe(400);
  expect((await syntax.json()).QueryError).toMatch(/^GraphQL server error \(query error\): query parse error: Syntax Error/);

  const elsewhere = await fetch(`${base}/nothing/here`);
  expect(await elsewhere.json()).toEqual({ message: 'Not found' });
  const options = await fetch(server.url, { method: 'OPTIONS' });
  expect(options.status).toBe(200);
  expect(options.headers.get('access-control-allow-origin')).toBe('*');
});
