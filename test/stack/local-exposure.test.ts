/**
 * What another local user can reach of a running stack (`npm start`'s, with its own PostgreSQL in the
 * data folder), checked as that user (`nobody`, through runuser): the document store refuses a client
 * without credentials, no secret of the stack (PostgreSQL's admin password, the documents' and
 * graph-node's role passwords, the session secret) is in any process's command line or in a file of
 * the data folder that user can read (pids.json included), and PostgreSQL refuses a connection without
 * a password. graph-node's own role is not a superuser: it cannot run a program through COPY.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { quietProgress } from '../../stack/progress';
import { loadStackConfig } from '../../stack/stack-config';
import { startStack, type RunningStack } from '../../stack/launcher';
import { testStackEnvironment } from '../fixtures/stack-env';

jest.setTimeout(600_000);

const asNobody = process.platform === 'linux' && process.getuid?.() === 0 && existsSync('/usr/sbin/runuser');
const describeAsNobody = asNobody ? describe : describe.skip;

/** Runs as `nobody`: reads its task from stdin (never argv, which every user sees) and prints what it found. */
const PROBE = `
const fs = require('node:fs');
const path = require('node:path');
const task = JSON.parse(fs.readFileSync(0, 'utf8'));
const { MongoClient } = require(task.mongodb);
const { Client } = require(task.pg);
const found = { commandLines: [], files: [], readable: [], documentStore: '', postgres: '' };
const holdsSecret = (text) => task.secrets.some((secret) => text.includes(secret));
for (const entry of fs.readdirSync('/proc')) {
  if (!/^\\d+$/.test(entry)) continue;
  try {
    const line = fs.readFileSync('/proc/' + entry + '/cmdline', 'utf8').split('\\0').join(' ');
    if (holdsSecret(line)) found.commandLines.push(entry + ': ' + line.split(' ')[0]);
  } catch {}
}
const walk = (dir) => {
  let entries;
  try { entries = fs.readdirSync(dir, { withFileTypes: true }); } catch { return; }
  for (const entry of entries) {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) walk(file);
    else if (entry.isFile()) {
      try {
        const text = fs.readFileSync(file, 'latin1');
        found.readable.push(path.relative(task.dataDir, file));
        if (holdsSecret(text)) found.files.push(path.relative(task.dataDir, file));
      } catch {}
    }
  }
};
walk(task.dataDir);
(async () => {
  const client = new MongoClient(task.documentStore, { serverSelectionTimeoutMS: 5000 });
  try {
    await client.connect();
    const names = await client.db('health-records').collection('profiles').find({}).limit(1).toArray();
    found.documentStore = 'read ' + names.length + ' profile(s)';
  } catch (error) {
    found.documentStore = 'refused: ' + error.message;
  } finally {
    await client.close().catch(() => {});
  }
  for (const user of task.postgresUsers) {
    const pg = new Client({ host: '127.0.0.1', port: task.postgresPort, user, password: 'a-guess', database: 'postgres', connectionTimeoutMillis: 5000 });
    try {
      await pg.connect();
      found.postgres += user + ': connected; ';
    } catch (error) {
      found.postgres += user + ': refused: ' + error.message + '; ';
    }
    await pg.end().catch(() => {});
  }
  process.stdout.write(JSON.stringify(found));
})();
`;

let dataDir: string;
let probeDir: string;
let stack: RunningStack | undefined;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'health-records-exposure-'));
  // As a checkout's .data folder under a readable home: what other users can read is up to the stack.
  await chmod(dataDir, 0o755);
  probeDir = await mkdtemp(path.join(os.tmpdir(), 'health-records-probe-'));
  await chmod(probeDir, 0o755);
  await writeFile(path.join(probeDir, 'probe.js'), PROBE, { mode: 0o644 });
});

afterAll(async () => {
  await stack?.stop();
  await rm(dataDir, { recursive: true, force: true });
  await rm(probeDir, { recursive: true, force: true });
});

/** POSTGRES_URL in graph-node's environment (readable by its owner only), which holds its role's password. */
function graphNodeUrl(pid: number): URL {
  const environment = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
  const entry = environment.find((line) => line.startsWith('POSTGRES_URL='));
  if (!entry) throw new Error(`graph-node (pid ${pid}) has no POSTGRES_URL in its environment`);
  return new URL(entry.slice('POSTGRES_URL='.length));
}

describeAsNobody('another local user (nobody)', () => {
  it('finds no secret, cannot read the documents, cannot sign in to PostgreSQL with a guessed password; graph-node\'s role cannot run programs', async () => {
    const { GRAPH_NODE_POSTGRES_URL: _shared, ...env } = testStackEnvironment(dataDir);
    // Its own PostgreSQL in the data folder, as `npm start` runs it.
    const config = loadStackConfig({ ...env, POSTGRES_PORT: '0' }, ['--no-demo']);
    const progress: string[] = [];
    stack = await startStack({ config, progress: quietProgress(progress), reuseBuilds: true }).catch((error: Error) => {
      throw new Error(`The stack did not start: ${error.message}\n${progress.join('\n')}`);
    });
    const stateDir = path.join(dataDir, 'stack');
    const postgresFolder = path.join(stateDir, 'graph-node', 'postgres');
    const graphNode = graphNodeUrl(stack.graphNodePid!);
    const secrets = {
      'PostgreSQL admin password': readFileSync(path.join(postgresFolder, 'password'), 'utf8').trim(),
      "the documents' role password": readFileSync(path.join(stateDir, 'ferretdb', 'password'), 'utf8').trim(),
      "graph-node's role password": decodeURIComponent(graphNode.password),
      'session secret': readFileSync(path.join(stateDir, 'session-secret'), 'utf8').trim(),
    };
    for (const [what, secret] of Object.entries(secrets)) expect({ what, long: secret.length >= 16 }).toEqual({ what, long: true });

    // graph-node's role: not a superuser, so no program runs through COPY (it needs pg_execute_server_program).
    const asGraphNode = new Client({ connectionString: graphNode.toString() });
    await asGraphNode.connect();
    try {
      const role = await asGraphNode.query<{ rolsuper: boolean }>('SELECT rolsuper FROM pg_roles WHERE rolname = current_user');
      expect(role.rows[0]!.rolsuper).toBe(false);
      await expect(asGraphNode.query("COPY (SELECT 1) TO PROGRAM 'true'")).rejects.toThrow(/permission denied|must be superuser|pg_execute_server_program/);
    } finally {
      await asGraphNode.end();
    }

    const task = {
      dataDir,
      secrets: Object.values(secrets),
      // The store's address without credentials.
      documentStore: stack.urls.mongodb.replace('***@', '').replace(/\/[^/]*$/, '/'),
      mongodb: require.resolve('mongodb', { paths: [require.resolve('mongoose')] }),
      pg: require.resolve('pg'),
      postgresPort: Number(graphNode.port),
      postgresUsers: ['graph', graphNode.username, 'ferretdb'],
    };
    const result = spawnSync('/usr/sbin/runuser', ['-u', 'nobody', '--', process.execPath, path.join(probeDir, 'probe.js')], {
      input: JSON.stringify(task),
      encoding: 'utf8',
      cwd: '/',
      timeout: 60_000,
    });
    expect(result.stderr).toBe('');
    const found = JSON.parse(result.stdout) as { commandLines: string[]; files: string[]; readable: string[]; documentStore: string; postgres: string };
    console.log(`as nobody: ${found.readable.length} readable file(s) in the data folder (${found.readable.join(', ')}); document store: ${found.documentStore}; PostgreSQL: ${found.postgres}`);
    // The probe saw the stack (its public chain identity is readable), but not pids.json: the parts'
    // command lines are the launcher's business only (mode 0600).
    expect(found.readable).toContain(path.join('stack', 'chain.json'));
    expect(existsSync(path.join(dataDir, 'stack', 'pids.json'))).toBe(true);
    expect(found.readable).not.toContain(path.join('stack', 'pids.json'));
    expect(found.commandLines).toEqual([]);
    expect(found.files).toEqual([]);
    expect(found.documentStore).toMatch(/^refused: [\s\S]*password authentication failed/);
    for (const user of task.postgresUsers) expect(found.postgres).toMatch(new RegExp(`${user}: refused: password authentication failed`));
  });
});
