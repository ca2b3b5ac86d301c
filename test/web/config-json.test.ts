/**
 * `/config.json` has one type (web/src/config-json.ts) for the server that writes it and the client and
 * explorer that read it: what the stack's web server sends passes the check both readers apply, and the
 * check names every field a hand-published file gets wrong.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Wallet } from 'ethers';
import { startWebServer, type WebServer } from '../../stack/web/web-server';
import { parseWebRuntimeConfig, type WebRuntimeConfig } from '../../web/src/config-json';

/** As the launcher fills it: the chain, the same-origin paths it forwards, the deployment's addresses. */
const served: WebRuntimeConfig = {
  chainId: 31337,
  rpcUrl: 'http://127.0.0.1:8545',
  graphqlUrl: '/graphql',
  authUrl: '/auth',
  subgraphUrl: '/subgraph',
  contracts: {
    ConsentManager: Wallet.createRandom().address,
    RecordRegistry: Wallet.createRandom().address,
    ProviderDirectory: Wallet.createRandom().address,
    AuditAnchor: Wallet.createRandom().address,
  },
};

describe("the web server's /config.json", () => {
  let dist: string;
  let web: WebServer;

  beforeAll(async () => {
    dist = mkdtempSync(path.join(os.tmpdir(), 'web-config-'));
    writeFileSync(path.join(dist, 'index.html'), '<!doctype html><title>client</title>');
    // Nothing listens at the API's or the subgraph's address: /config.json is the server's own.
    web = await startWebServer({ distDir: dist, host: '127.0.0.1', port: 0, apiOrigin: 'http://127.0.0.1:1', subgraphUrl: 'http://127.0.0.1:1/subgraphs/name/health-records', runtimeConfig: served });
  });

  afterAll(async () => {
    await web?.close();
    rmSync(dist, { recursive: true, force: true });
  });

  test('passes the check the client and the explorer apply, unchanged', async () => {
    const response = await fetch(`${web.url}/config.json`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(parseWebRuntimeConfig(await response.json())).toEqual(served);
  });
});

describe('the /config.json check', () => {
  test('accepts a host that forwards no subgraph (the explorer then explores the API alone)', () => {
    const { subgraphUrl: _omitted, ...withoutSubgraph } = served;
    expect(parseWebRuntimeConfig(JSON.parse(JSON.stringify(withoutSubgraph)))).toEqual(withoutSubgraph);
  });

  test('names every field that is missing or of the wrong kind', () => {
    const wrong = { ...served, chainId: '31337', graphqlUrl: '', subgraphUrl: 42, contracts: { ...served.contracts, AuditAnchor: undefined, RecordRegistry: '0x1' } };
    expect(() => parseWebRuntimeConfig(JSON.parse(JSON.stringify(wrong)))).toThrow(
      '/config.json does not describe a deployment: chainId must be a positive integer; graphqlUrl must be a non-empty string; subgraphUrl must be a non-empty string; contracts.RecordRegistry must be an address (0x and 40 hex digits); contracts.AuditAnchor must be an address (0x and 40 hex digits).',
    );
    const { authUrl: _missing, ...noAuth } = served;
    expect(() => parseWebRuntimeConfig(noAuth)).toThrow('authUrl must be a non-empty string');
    expect(() => parseWebRuntimeConfig({ ...served, contracts: null })).toThrow('contracts must be an object of contract addresses');
  });

  test('refuses what is not a JSON object', () => {
    for (const value of [null, [], 'config', 31337]) expect(() => parseWebRuntimeConfig(value)).toThrow('/config.json is not a JSON object.');
  });
});
