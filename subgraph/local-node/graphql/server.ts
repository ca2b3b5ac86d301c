/**
 * The HTTP endpoint of the query API, at graph-node's paths: `POST /subgraphs/name/<name>` with a
 * JSON body `{ query, variables, operationName }`, `GET` with the same as URL parameters, and
 * `/subgraphs/id/<deployment>`. A GET without a query opens GraphiQL, as on graph-node.
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

export function startQueryServer(options: QueryServerOptions): Promise<QueryServer> {
  const { store, name } = options;
  if (options.schemaSdl !== undefined && schemaHash(options.schemaSdl) !== schemaHash(store.schema.sdl)) {
    throw new Error('startQueryServer: schemaSdl differs from the schema the store was created with; pass the same schema.graphql to both');
  }
  const deployment = options.deployment ?? `local-${schemaHash(store.schema.sdl).slice(0, 32)}`;
  const api = new QueryApi({ store, deployment });
  const paths = new Set([`/subgraphs/name/${name}`, `/subgraphs/name/${name}/`, `/subgraphs/id/${deployment}`, `/subgraphs/id/${deployment}/`]);
  const host = options.host ?? '127.0.0.1';

  const run = (res: http.ServerResponse, request: QueryRequest): void => {
    let body: string;
    try {
      body = api.executeJson(request);
    } catch (e) {
      // An internal failure: report it without taking the server down.
      json(res, 500, { errors: [{ message: `Internal error: ${(e as Error).message}` }] });
      return;
    }
    send(res, 200, body);
  };

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (!paths.has(url.pathname)) {
      const known = url.pathname.startsWith('/subgraphs/') ? `; this node serves /subgraphs/name/${name}` : '';
      json(res, 404, { errors: [{ message: `No subgraph at ${url.pathname}${known}` }] });
      return;
    }
    if (req.method === 'OPTIONS') {
      send(res, 200, '');
      return;
    }
    if (req.method === 'GET') {
      const query = url.searchParams.get('query');
      if (query === null) {
        send(res, 200, graphiqlPage(url.pathname), 'text/html; charset=utf-8');
        return;
      }
      let variables: Record<string, unknown> | null = null;
      const v = url.searchParams.get('variables');
      if (v) {
        try {
          variables = JSON.parse(v);
        } catch {
          json(res, 400, { errors: [{ message: 'The "variables" URL parameter is not valid JSON' }] });
          return;
        }
      }
      run(res, { query, variables, operationName: url.searchParams.get('operationName') });
      return;
    }
    if (req.method !== 'POST') {
      json(res, 405, { errors: [{ message: `Method ${req.method} is not supported; use POST or GET` }] });
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        json(res, 413, { errors: [{ message: `The request body exceeds ${MAX_BODY_BYTES} bytes` }] });
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (res.writableEnded) return;
      let body: { query?: unknown; variables?: unknown; operationName?: unknown };
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        json(res, 400, { errors: [{ message: 'The request body is not valid JSON; send {"query": "..."}' }] });
        return;
      }
      if (typeof body !== 'object' || body === null || typeof body.query !== 'string') {
        json(res, 400, { errors: [{ message: 'The "query" field is missing in request data' }] });
        return;
      }
      run(res, {
        query: body.query,
        variables: (body.variables as Record<string, unknown> | null) ?? null,
        operationName: typeof body.operationName === 'string' ? body.operationName : null,
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
