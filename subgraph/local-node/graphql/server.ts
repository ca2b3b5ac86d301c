/**
 * The HTTP endpoint of the query API, at graph-node's paths and with its answers to malformed
 * requests (server/http/src/service.rs): `POST /subgraphs/name/<name>` and
 * `/subgraphs/id/<deployment>` with a JSON body `{ query, variables, operationName }`; GraphiQL at
 * `<path>/graphql`, to which a plain `GET <path>` redirects. In addition, a `GET <path>?query=...`
 * (with optional `variables` and `operationName`) runs the query.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { QueryableEntityStore } from '../store/entity-store';
import { schemaHash } from '../store/journal';
import { QueryApi, type QueryRequest, type QueryResponse } from './executor';

export interface QueryServerOptions {
  store: QueryableEntityStore;
  /** Only used to check that the store was built from the same schema. */
  schemaSdl?: string;
  /** The subgraph name in `/subgraphs/name/<name>`. */
  name: string;
  /** `_meta { deployment }`; defaults to a hash of schema.graphql. */
  deployment?: string;
  /** Default 8000; 0 picks a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
}

export interface QueryServer {
  /** `http://host:port/subgraphs/name/<name>` */
  url: string;
  port: number;
  api: QueryApi;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 1024 * 1024;

function graphiqlPage(url: string): string {
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>GraphiQL</title>
<link rel="stylesheet" href="https://unpkg.com/graphiql@3/graphiql.min.css"></head>
<body style="margin:0"><div id="graphiql" style="height:100vh"></div>
<script src="https://unpkg.com/react@18/umd/react.production.min.js"></script>
<script src="https://unpkg.com/react-dom@18/umd/react-dom.production.min.js"></script>
<script src="https://unpkg.com/graphiql@3/graphiql.min.js"></script>
<script>ReactDOM.createRoot(document.getElementById('graphiql')).render(React.createElement(GraphiQL,{fetcher:GraphiQL.createFetcher({url:${JSON.stringify(url)}})}));</script>
</body></html>`;
}

function send(res: http.ServerResponse, status: number, text: string, type = 'application/json'): void {
  const body = Buffer.from(text, 'utf8'); // encoded once, for both the length and the socket
  res.writeHead(status, {
    'Content-Type': type,
    'Content-Length': body.length,
    'Access-Control-Allow-Origin': '*',
    'Access-Control-Allow-Headers': 'Content-Type, User-Agent',
    'Access-Control-Allow-Methods': 'GET, OPTIONS, POST',
  });
  res.end(body);
}

function json(res: http.ServerResponse, status: number, value: QueryResponse): void {
  send(res, status, JSON.stringify(value));
}

/** graph-node's answer to a malformed request: 400 with `{ "error": ... }`. */
function clientError(res: http.ServerResponse, message: string): void {
  send(res, 400, JSON.stringify({ error: `GraphQL server error (client error): ${message}` }));
}

/** The pieces of a path, without empty ones (`/subgraphs/name/a/b/` → subgraphs, name, a, b). */
function segments(pathname: string): string[] {
  return pathname.split('/').filter((s) => s !== '');
}

export function startQueryServer(options: QueryServerOptions): Promise<QueryServer> {
  const { store, name } = options;
  if (options.schemaSdl !== undefined && schemaHash(options.schemaSdl) !== schemaHash(store.schema.sdl)) {
    throw new Error('startQueryServer: schemaSdl differs from the schema the store was created with; pass the same schema.graphql to both');
  }
  const deployment = options.deployment ?? `local-${schemaHash(store.schema.sdl).slice(0, 32)}`;
  const api = new QueryApi({ store, deployment });
  const host = options.host ?? '127.0.0.1';
  const nameSegments = segments(name);

  /** `name` or `id` target of a path (after `/subgraphs`), and whether it ends in `/graphql`. */
  const target = (parts: string[]): { target: string; kind: 'name' | 'id'; graphiql: boolean } | null => {
    if (parts[0] !== 'subgraphs' || (parts[1] !== 'name' && parts[1] !== 'id')) return null;
    let rest = parts.slice(2);
    const graphiql = rest.length > 1 && rest[rest.length - 1] === 'graphql';
    if (graphiql) rest = rest.slice(0, -1);
    if (rest.length === 0) return null;
    return { target: rest.join('/'), kind: parts[1], graphiql };
  };
  const ours = (t: { target: string; kind: 'name' | 'id' }): boolean =>
    t.kind === 'name' ? t.target === nameSegments.join('/') : t.target === deployment;

  const run = (res: http.ServerResponse, request: QueryRequest): void => {
    const syntax = api.syntaxError(request.query);
    if (syntax !== null) {
      send(res, 400, JSON.stringify({ QueryError: `GraphQL server error (query error): query parse error: ${syntax}` }));
      return;
    }
    let body: string;
    try {
      body = api.executeJson(request);
    } catch (e) {
      // An internal failure: report it without taking the server down.
      send(res, 500, JSON.stringify({ error: `GraphQL server error (internal error): ${(e as Error).message}` }));
      return;
    }
    send(res, 200, body);
  };

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const t = target(segments(url.pathname));
    if (!t) {
      send(res, 200, JSON.stringify({ message: 'Not found' }));
      return;
    }
    if (req.method === 'OPTIONS') {
      send(res, 200, '');
      return;
    }
    if (req.method === 'GET') {
      if (t.graphiql) {
        send(res, 200, graphiqlPage(url.pathname.replace(/\/graphql\/?$/, '')), 'text/html; charset=utf-8');
        return;
      }
      const query = url.searchParams.get('query');
      if (query === null) {
        // As graph-node: the endpoint's GraphiQL lives at <path>/graphql.
        res.writeHead(302, { Location: `/${segments(url.pathname).join('/')}/graphql`, 'Content-Type': 'text/plain; charset=utf-8', 'Access-Control-Allow-Origin': '*' });
        res.end('Redirecting...');
        return;
      }
      if (query.trim().toLowerCase().startsWith('mutation')) {
        clientError(res, "Can't use mutations with GET method");
        return;
      }
      if (!ours(t)) {
        json(res, 200, { errors: [{ message: `deployment \`${t.target}\` does not exist` }] });
        return;
      }
      // An addition to graph-node, which only redirects GETs to GraphiQL: queries in the URL.
      let variables: Record<string, unknown> | null = null;
      const v = url.searchParams.get('variables');
      if (v) {
        try {
          variables = JSON.parse(v);
        } catch {
          clientError(res, 'Invalid query variables provided');
          return;
        }
      }
      run(res, { query, variables, operationName: url.searchParams.get('operationName') });
      return;
    }
    if (req.method !== 'POST' || t.graphiql) {
      send(res, 200, JSON.stringify({ message: 'Not found' }));
      return;
    }
    if (!req.headers['content-type']) {
      clientError(res, 'Content-Type header is required');
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        clientError(res, `The request body exceeds ${MAX_BODY_BYTES} bytes`);
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (res.writableEnded) return;
      if (size === 0) {
        clientError(res, 'Body is required');
        return;
      }
      let body: unknown;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch (e) {
        clientError(res, (e as Error).message);
        return;
      }
      if (typeof body !== 'object' || body === null || Array.isArray(body)) {
        clientError(res, 'Request data is not an object');
        return;
      }
      const { query, variables, operationName } = body as { query?: unknown; variables?: unknown; operationName?: unknown };
      if (query === undefined) {
        clientError(res, 'The "query" field is missing in request data');
        return;
      }
      if (typeof query !== 'string') {
        clientError(res, 'The "query" field is not a string');
        return;
      }
      if (variables !== undefined && variables !== null && (typeof variables !== 'object' || Array.isArray(variables))) {
        clientError(res, 'Invalid query variables provided');
        return;
      }
      if (!ours(t)) {
        json(res, 200, { errors: [{ message: `deployment \`${t.target}\` does not exist` }] });
        return;
      }
      run(res, {
        query,
        variables: (variables as Record<string, unknown> | null | undefined) ?? null,
        operationName: typeof operationName === 'string' ? operationName : null,
      });
    });
  });
  server.keepAliveTimeout = 30_000;

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 8000, host, () => {
      server.off('error', reject);
      const port = (server.address() as AddressInfo).port;
      resolve({
        url: `http://${host}:${port}/subgraphs/name/${name}`,
        port,
        api,
        close: () =>
          new Promise<void>((done, fail) => {
            server.close((err) => (err ? fail(err) : done()));
            server.closeAllConnections();
          }),
      });
    });
  });
}
