/**
 * The launcher's web server: the built client as static files, its /config.json, the API's paths
 * forwarded to the API and /subgraph to the subgraph (one origin for the browser), except a browser's
 * GET of /subgraph, which gets the explorer page.
 */
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { startWebServer, type WebServer, type WebRuntimeConfig } from '../../stack/web/web-server';

const runtimeConfig: WebRuntimeConfig = {
  chainId: 31337,
  rpcUrl: 'http://127.0.0.1:8545',
  graphqlUrl: '/graphql',
  authUrl: '/auth',
  subgraphUrl: '/subgraph',
  contracts: { ConsentManager: '0x1', RecordRegistry: '0x2', ProviderDirectory: '0x3', AuditAnchor: '0x4' },
};

let dist: string;
let api: http.Server;
let apiOrigin: string;
/** The fake API answers the subgraph's path too. */
let subgraphUrl: string;
let web: WebServer;
const seen: { method?: string; url?: string; host?: string; forwardedHost?: string; forwardedProto?: string; body?: string }[] = [];

beforeAll(async () => {
  dist = mkdtempSync(path.join(os.tmpdir(), 'web-dist-'));
  mkdirSync(path.join(dist, 'assets'));
  writeFileSync(path.join(dist, 'index.html'), '<!doctype html><title>client</title>');
  writeFileSync(path.join(dist, 'explorer.html'), '<!doctype html><title>explorer</title>');
  writeFileSync(path.join(dist, 'assets', 'app-1234.js'), 'console.log(1);');
  api = http.createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      seen.push({
        method: request.method,
        url: request.url,
        host: request.headers.host,
        forwardedHost: request.headers['x-forwarded-host'] as string,
        forwardedProto: request.headers['x-forwarded-proto'] as string,
        body,
      });
      response.writeHead(200, { 'content-type': 'application/json', 'set-cookie': 'hr_session=abc; HttpOnly' }).end('{"data":{"ok":true}}');
    });
  });
  await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve));
  apiOrigin = `http://127.0.0.1:${(api.address() as AddressInfo).port}`;
  subgraphUrl = `${apiOrigin}/subgraphs/name/health-records`;
  web = await startWebServer({ distDir: dist, host: '127.0.0.1', port: 0, apiOrigin, subgraphUrl, runtimeConfig });
});

afterAll(async () => {
  await web?.close();
  await new Promise((resolve) => api?.close(resolve));
  rmSync(dist, { recursive: true, force: true });
});

describe('web server', () => {
  it('serves the client: hashed assets cached for good, the page revalidated, with its security headers', async () => {
    const asset = await fetch(`${web.url}/assets/app-1234.js`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-type')).toMatch(/javascript/);
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(await asset.text()).toBe('console.log(1);');
    const page = await fetch(`${web.url}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers.get('cache-control')).toBe('no-cache');
    expect(page.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(page.headers.get('x-frame-options')).toBe('DENY');
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('answers client-side routes with the page, and a missing file with 404', async () => {
    const route = await fetch(`${web.url}/patient/records`);
    expect(route.status).toBe(200);
    expect(await route.text()).toContain('<title>client</title>');
    expect(route.headers.get('content-security-policy')).toContain("default-src 'self'");
    const missing = await fetch(`${web.url}/assets/missing.js`);
    expect(missing.status).toBe(404);
    expect(await missing.text()).toBe('Not found: /assets/missing.js');
    expect((await fetch(`${web.url}/..%2f..%2fetc%2fpasswd`)).status).not.toBe(200);
  });

  it('serves /config.json uncached and refuses other methods on static paths', async () => {
    const config = await fetch(`${web.url}/config.json`);
    expect(config.headers.get('cache-control')).toBe('no-store');
    expect(await config.json()).toEqual(runtimeConfig);
    const post = await fetch(`${web.url}/index.html`, { method: 'POST', body: 'x' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
  });

  it("forwards the API's paths with the browser's host, the body and the API's cookies", async () => {
    seen.length = 0;
    const host = new URL(web.url).host;
    const answer = await fetch(`${web.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"{ health { ok } }"}' });
    expect(answer.status).toBe(200);
    expect(await answer.json()).toEqual({ data: { ok: true } });
    expect(answer.headers.get('set-cookie')).toBe('hr_session=abc; HttpOnly');
    await fetch(`${web.url}/auth/nonce`);
    await fetch(`${web.url}/health`);
    expect(seen).toEqual([
      { method: 'POST', url: '/graphql', host, forwardedHost: host, forwardedProto: 'http', body: '{"query":"{ health { ok } }"}' },
      { method: 'GET', url: '/auth/nonce', host, forwardedHost: host, forwardedProto: 'http', body: '' },
      { method: 'GET', url: '/health', host, forwardedHost: host, forwardedProto: 'http', body: '' },
    ]);
  });

  it('forwards /subgraph to the subgraph\'s GraphQL path, with the query string and the body', async () => {
    seen.length = 0;
    const answer = await fetch(`${web.url}/subgraph?trace=1`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"{ _meta { block { number } } }"}' });
    expect(answer.status).toBe(200);
    expect(await answer.json()).toEqual({ data: { ok: true } });
    expect(seen).toEqual([
      { method: 'POST', url: '/subgraphs/name/health-records?trace=1', host: new URL(apiOrigin).host, forwardedHost: new URL(web.url).host, forwardedProto: 'http', body: '{"query":"{ _meta { block { number } } }"}' },
    ]);
  });

  it("gives a browser opening /subgraph the explorer page, and a client asking for JSON the subgraph's answer", async () => {
    seen.length = 0;
    const browser = await fetch(`${web.url}/subgraph`, { headers: { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' } });
    expect(browser.status).toBe(200);
    expect(await browser.text()).toContain('<title>explorer</title>');
    expect(browser.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(browser.headers.get('cache-control')).toBe('no-cache');
    expect(seen).toEqual([]);
    for (const accept of ['application/json', '*/*']) {
      const client = await fetch(`${web.url}/subgraph`, { headers: { accept } });
      expect(await client.json()).toEqual({ data: { ok: true } });
    }
    expect(seen.map((request) => `${request.method} ${request.url}`)).toEqual(['GET /subgraphs/name/health-records', 'GET /subgraphs/name/health-records']);
  });

  it('answers 502 with a message when the API is down', async () => {
    const down = await startWebServer({ distDir: dist, host: '127.0.0.1', port: 0, apiOrigin: 'http://127.0.0.1:1', subgraphUrl, runtimeConfig });
    try {
      const answer = await fetch(`${down.url}/graphql`, { method: 'POST', body: '{}' });
      expect(answer.status).toBe(502);
      expect(((await answer.json()) as { errors: { message: string }[] }).errors[0]!.message).toMatch(/The API at http:\/\/127\.0\.0\.1:1 did not answer/);
    } finally {
      await down.close();
    }
  });
});
