import http from 'node:http';
import path from 'node:path';
import express, { type Request, type Response } from 'express';
import { createProxyMiddleware } from 'http-proxy-middleware';
import type { WebRuntimeConfig } from '../../web/src/config-json';

/** `/config.json`, the type its readers (the web client and its explorer) share with this server. */
export type { WebRuntimeConfig };

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
const API_PREFIXES = ['/graphql', '/auth/', '/health', '/readyz', '/fhir/'];
/** The path this server forwards to the subgraph's GraphQL endpoint (the explorer's second endpoint); a browser opening it gets the explorer. */
const SUBGRAPH_PATH = '/subgraph';

/**
 * Forwards the requests `pathFilter` picks to `target` (`name`), at `toPath` (with the query string)
 * when given; a target that does not answer is a 502 saying which.
 */
function forwardTo(name: string, target: string, pathFilter: (pathname: string) => boolean, toPath?: string) {
  return createProxyMiddleware<Request, Response>({
    target,
    pathFilter,
    // WebSocket upgrades too (GraphQL subscriptions at /graphql), forwarded by the server's 'upgrade' listener below.
    ws: true,
    changeOrigin: toPath !== undefined,
    ...(toPath === undefined ? {} : { pathRewrite: (_path: string, request: Request) => `${toPath}${new URL(request.originalUrl, 'http://localhost').search}` }),
    on: {
      proxyReq: (upstream, request) => {
        upstream.setHeader('x-forwarded-host', request.headers.host ?? '');
        upstream.setHeader('x-forwarded-proto', 'http');
      },
      error: (error, _request, response) => {
        if (!('writeHead' in response) || response.headersSent) {
          response.destroy(error);
          return;
        }
        response
          .writeHead(502, { 'content-type': 'application/json' })
          .end(JSON.stringify({ errors: [{ message: `${name} at ${target} did not answer (${error.message}). Is it running?` }] }));
      },
    },
  });
}

export interface WebServer {
  url: string;
  close(): Promise<void>;
}

/**
 * Serves the built web client (`web/dist`) as static files, its runtime `/config.json`, and forwards
 * the API's paths to `apiOrigin` and `/subgraph` to the subgraph (a browser's GET of `/subgraph` gets the
 * explorer page instead). It has no logic of its own: in production any static host with a reverse proxy
 * for `/graphql`, `/auth/`, `/fhir/` and `/subgraph` (routing `Accept: text/html` GETs to `explorer.html`) does the same.
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
  const configBody = JSON.stringify(options.runtimeConfig);
  const pageHeaders = (response: http.ServerResponse, file: string) => {
    const hashed = file.includes(`${path.sep}assets${path.sep}`);
    response.setHeader('cache-control', hashed ? 'public, max-age=31536000, immutable' : 'no-cache');
    response.setHeader('x-content-type-options', 'nosniff');
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) response.setHeader(name, value);
  };

  const app = express();
  app.disable('x-powered-by');
  const api = forwardTo('The API', options.apiOrigin, (pathname) => API_PREFIXES.some((prefix) => pathname === prefix.replace(/\/$/, '') || pathname.startsWith(prefix)));
  app.use(api);
  // A browser opening the subgraph's path gets the explorer, on the subgraph (graph-node's own GraphiQL
  // loads from a CDN, blank offline); queries (POST, or GET asking for JSON) go on to graph-node.
  app.get(SUBGRAPH_PATH, (request, response, next) => {
    if (request.accepts(['application/json', 'application/graphql-response+json', 'text/html']) !== 'text/html') {
      next();
      return;
    }
    const explorer = path.join(root, 'explorer.html');
    pageHeaders(response, explorer);
    response.sendFile(explorer, (error) => {
      if (error && !response.headersSent) response.status(404).type('text/plain').send('The explorer is not built: run `npm run build:web`.');
    });
  });
  const subgraph = new URL(options.subgraphUrl);
  app.use(forwardTo('The subgraph', subgraph.origin, (pathname) => pathname === SUBGRAPH_PATH, subgraph.pathname));
  app.use((request, response, next) => {
    if (request.method === 'GET' || request.method === 'HEAD') next();
    else response.status(405).set('allow', 'GET, HEAD').end();
  });
  app.get('/config.json', (_request, response) => {
    response.set('cache-control', 'no-store').type('application/json').send(configBody);
  });
  app.use(express.static(root, { cacheControl: false, setHeaders: pageHeaders }));
  // A client-side route (no file extension): the single page handles it.
  const notFound = (request: Request, response: Response) => response.status(404).type('text/plain').send(`Not found: ${request.path}`);
  app.use((request, response) => {
    if (path.extname(request.path) !== '') {
      notFound(request, response);
      return;
    }
    const index = path.join(root, 'index.html');
    pageHeaders(response, index);
    response.sendFile(index, (error) => {
      if (error && !response.headersSent) notFound(request, response);
    });
  });

  const server = http.createServer(app);
  server.on('upgrade', api.upgrade);
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
