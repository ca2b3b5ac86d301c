import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import path from 'node:path';

/** What the web client reads from `/config.json` at start: where the API and the chain are. */
export interface WebRuntimeConfig {
  /** Chain id the wallet must be on. */
  chainId: number;
  /** JSON-RPC URL a wallet can add for that chain. */
  rpcUrl: string;
  /** The API's GraphQL path or URL (same origin through this server: `/graphql`). */
  graphqlUrl: string;
  /** Where SIWE starts (`/auth`). */
  authUrl: string;
  /** The subgraph's GraphQL path on this server (`/subgraph`, forwarded to the subgraph), for the explorer. */
  subgraphUrl: string;
  /** Contract addresses, from deployments/<network>.json. */
  contracts: { ConsentManager: string; RecordRegistry: string; ProviderDirectory: string; AuditAnchor: string };
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.map': 'application/json; charset=utf-8',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
};

/**
 * The page may load only its own files and talk only to its own origin (the API is proxied there);
 * the wallet is an extension, outside the page's policy. Inline style attributes carry chart colours;
 * the explorer's fonts are inlined in its CSS.
 */
const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; connect-src 'self'; img-src 'self' data:; font-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

/** Paths this server forwards to the API, so the browser sees one origin (first-party session cookie, no CORS). */
const API_PREFIXES = ['/graphql', '/auth/', '/health'];
/** The path this server forwards to the subgraph's GraphQL endpoint (the explorer's second endpoint). */
const SUBGRAPH_PATH = '/subgraph';

export interface WebServer {
  url: string;
  close(): Promise<void>;
}

/**
 * Serves the built web client (`web/dist`) as static files, its runtime `/config.json`, and forwards
 * the API's paths to `apiOrigin`. It has no logic of its own: in production any static host with a
 * reverse proxy for `/graphql` and `/auth/` does the same.
 */
export async function startWebServer(options: {
  distDir: string;
  host: string;
  port: number;
  apiOrigin: string;
  /** The subgraph's GraphQL URL, answered at `/subgraph`. */
  subgraphUrl: string;
  runtimeConfig: WebRuntimeConfig;
}): Promise<WebServer> {
  const root = path.resolve(options.distDir);
  const api = new URL(options.apiOrigin);
  const subgraph = new URL(options.subgraphUrl);
  const configBody = JSON.stringify(options.runtimeConfig);

  const server = http.createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (API_PREFIXES.some((prefix) => url.pathname === prefix.replace(/\/$/, '') || url.pathname.startsWith(prefix))) {
      forward(request, response, api, request.url ?? '/');
      return;
    }
    if (url.pathname === SUBGRAPH_PATH) {
      forward(request, response, subgraph, `${subgraph.pathname}${url.search}`);
      return;
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (url.pathname === '/config.json') {
      response.writeHead(200, { 'content-type': CONTENT_TYPES['.json']!, 'cache-control': 'no-store' }).end(configBody);
      return;
    }
    void serveFile(root, url.pathname, response);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(error.code === 'EADDRINUSE' ? new Error(`Port ${options.port} is in use: stop what holds it, or set WEB_PORT.`) : error),
    );
    server.listen(options.port, options.host, () => resolve());
  });
  const address = server.address() as { port: number };
  return {
    url: `http://${options.host}:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function serveFile(root: string, pathname: string, response: http.ServerResponse): Promise<void> {
  let file = path.join(root, path.normalize(decodeURIComponent(pathname)).replace(/^([/\\])+/, ''));
  if (!file.startsWith(root)) {
    response.writeHead(403).end();
    return;
  }
  let info = await stat(file).catch(() => undefined);
  if (info?.isDirectory()) {
    file = path.join(file, 'index.html');
    info = await stat(file).catch(() => undefined);
  }
  if (!info?.isFile()) {
    // A client-side route: the single page handles it.
    if (path.extname(pathname) === '') {
      file = path.join(root, 'index.html');
      info = await stat(file).catch(() => undefined);
    }
    if (!info?.isFile()) {
      response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end(`Not found: ${pathname}`);
      return;
    }
  }
  const hashed = file.includes(`${path.sep}assets${path.sep}`);
  response.writeHead(200, {
    'content-type': CONTENT_TYPES[path.extname(file)] ?? 'application/octet-stream',
    'content-length': info.size,
    'cache-control': hashed ? 'public, max-age=31536000, immutable' : 'no-cache',
    'x-content-type-options': 'nosniff',
    ...SECURITY_HEADERS,
  });
  createReadStream(file).pipe(response);
}

/** Forwards the request to `api` (the API, or the subgraph at `upstreamPath`), http or https. */
function forward(request: http.IncomingMessage, response: http.ServerResponse, api: URL, upstreamPath: string): void {
  const upstream = (api.protocol === 'https:' ? https : http).request(
    {
      host: api.hostname,
      port: api.port || undefined,
      method: request.method,
      path: upstreamPath,
      headers: { ...request.headers, 'x-forwarded-host': request.headers.host, 'x-forwarded-proto': 'http' },
    },
    (reply) => {
      response.writeHead(reply.statusCode ?? 502, reply.headers);
      reply.pipe(response);
    },
  );
  upstream.once('error', (error) => {
    if (response.headersSent) response.destroy(error);
    else {
      response
        .writeHead(502, { 'content-type': 'application/json' })
        .end(JSON.stringify({ errors: [{ message: `${api.origin}${upstreamPath.split('?')[0]} did not answer (${error.message}). Is it running?` }] }));
    }
  });
  request.pipe(upstream);
}
