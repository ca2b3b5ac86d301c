import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import mongoose from 'mongoose';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { REPO_ROOT } from '../../../api/src/config';
import { connectDatabase, databaseNameOf, MissingDatabaseError } from '../../../api/src/database/connection';
import { startEmbeddedMongo, type EmbeddedMongo } from '../../../stack/documents/embedded-mongo';
import { ensureFerretdbLauncher } from '../../../stack/documents/ferretdb-build';
import { dropDatabase } from '../../../stack/postgres/postgres';
import { START_TIMEOUT_MS, startTestMongo, testPostgresAdminUrl } from './support/test-database';

let dir: string;
let launcher: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'health-records-embedded-'));
  launcher = await ensureFerretdbLauncher();
}, START_TIMEOUT_MS);
afterAll(() => rm(dir, { recursive: true, force: true }));

/** PIDs of running launcher processes (zombies excluded), read from /proc; only children of `parent` if given. */
function launcherPids(parent?: number): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (!stat.includes('(ferretdb-launch')) continue;
      const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (state === 'Z' || (parent !== undefined && Number(ppid) !== parent)) continue;
      pids.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return pids;
}

const isRunning = (pid: number) => launcherPids().includes(pid);

async function waitUntil(condition: () => boolean, what: string, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`Timed out after ${ms} ms waiting until ${what}.`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const describeOnLinux = process.platform === 'linux' ? describe : describe.skip;

describeOnLinux('embedded FerretDB', () => {
  it('serves the MongoDB protocol on 127.0.0.1 with unique indexes, and stops', async () => {
    const server = await startTestMongo(path.join(dir, 'basic'));
    try {
      expect(server.uri).toMatch(/^mongodb:\/\/127\.0\.0\.1:\d+\/$/);
      expect(isRunning(server.pid)).toBe(true);
      const handle = await connectDatabase({ mongodbUri: server.clientUri('probe'), dataDir: dir });
      const collection = handle.connection.db!.collection('things');
      await collection.createIndex({ key: 1 }, { unique: true });
      await collection.insertOne({ key: 'a' });
      await expect(collection.insertOne({ key: 'a' })).rejects.toMatchObject({ code: 11000 });
      await handle.close();
    } finally {
      await server.stop();
    }
    expect(isRunning(server.pid)).toBe(false);
  });

  it('answers $in as MongoDB does with the project patch that hands a $in of strings to PostgreSQL', async () => {
    const server = await startTestMongo(path.join(dir, 'in'));
    try {
      const handle = await connectDatabase({ mongodbUri: server.clientUri('in_probe'), dataDir: dir });
      const collection = handle.connection.db!.collection<{ n: number; key?: unknown }>('things');
      await collection.createIndex({ key: 1 });
      await collection.insertMany([
        { n: 1, key: 'a' },
        { n: 2, key: 'b' },
        { n: 3, key: ['x', 'a'] },
        { n: 4, key: 1 },
        { n: 5 },
        { n: 6, key: { a: 'a' } },
        { n: 7, key: 'A' },
        { n: 8, key: 'c' },
      ]);
      const found = async (filter: object) => (await collection.find(filter).toArray()).map((doc) => doc.n).sort((x, y) => x - y);
      // Strings (pushed down): a value equal to one of them, or an array holding one; nothing else.
      expect(await found({ key: { $in: ['a', 'b'] } })).toEqual([1, 2, 3]);
      expect(await found({ key: { $in: ['zzz'] } })).toEqual([]);
      // Mixed values (not pushed down, FerretDB's own evaluation) and with another equality.
      expect(await found({ key: { $in: ['c', 1] } })).toEqual([4, 8]);
      expect(await found({ n: 3, key: { $in: ['a'] } })).toEqual([3]);
      await handle.close();
    } finally {
      await server.stop();
    }
  });

  it('keeps data across restarts in its PostgreSQL database, with the password kept 0600 in its folder', async () => {
    const settings = { postgresAdminUrl: testPostgresAdminUrl(), database: 'docs_test_restart', folder: path.join(dir, 'restart') };
    try {
      let server: EmbeddedMongo = await startEmbeddedMongo({ ...settings, fresh: true });
      let handle = await connectDatabase({ mongodbUri: server.clientUri('keep'), dataDir: dir });
      await handle.connection.db!.collection('notes').insertOne({ n: 42 });
      await handle.close();
      await server.stop();
      expect(statSync(path.join(settings.folder, 'password')).mode & 0o777).toBe(0o600);

      server = await startEmbeddedMongo(settings);
      handle = await connectDatabase({ mongodbUri: server.clientUri('keep'), dataDir: dir });
      expect(await handle.connection.db!.collection('notes').findOne({}, { projection: { _id: 0 } })).toEqual({ n: 42 });
      await handle.close();
      await server.stop();
    } finally {
      await dropDatabase(settings.postgresAdminUrl, settings.database);
    }
  });

  it('refuses a client without the credentials, or with a wrong password; the launcher refuses a URL with a password', async () => {
    const server = await startTestMongo(path.join(dir, 'refuses'));
    try {
      const allowed = await connectDatabase({ mongodbUri: server.clientUri('private'), dataDir: dir });
      await allowed.connection.db!.collection('profiles').insertOne({ name: 'Alice' });
      await allowed.close();
      const wrong = new URL(server.clientUri('private'));
      wrong.password = 'not-the-password';
      for (const uri of [`${server.uri}private`, wrong.toString()]) {
        const client = new mongoose.mongo.MongoClient(uri, { serverSelectionTimeoutMS: 5_000 });
        try {
          await expect(client.connect().then(() => client.db('private').collection('profiles').findOne({}))).rejects.toThrow(/auth|password|denied/i);
        } finally {
          await client.close();
        }
      }
    } finally {
      await server.stop();
    }
    const result = spawnSync(launcher, ['-postgresql-url', 'postgres://docs:secret@127.0.0.1:5432/docs'], { encoding: 'utf8' });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('must not carry a password');
  });

  it('exits when the process that started it is killed (SIGKILL, no clean-up)', async () => {
    const script = `
      require('ts-node').register({ transpileOnly: true });
      const { startEmbeddedMongo } = require(${JSON.stringify(path.join(REPO_ROOT, 'stack/documents/embedded-mongo.ts'))});
      startEmbeddedMongo({ postgresAdminUrl: process.env.GRAPH_NODE_POSTGRES_URL, database: 'docs_test_orphan', folder: ${JSON.stringify(path.join(dir, 'orphan'))} }).then((server) => {
        console.log(JSON.stringify({ pid: server.pid }));
        setInterval(() => {}, 1000);
      });`;
    const parent = spawn(process.execPath, ['-e', script], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    let launcherPid = 0;
    try {
      const line = await new Promise<string>((resolve, reject) => {
        createInterface({ input: parent.stdout }).once('line', resolve);
        parent.once('exit', (code) => reject(new Error(`the parent exited early (${code})`)));
      });
      launcherPid = (JSON.parse(line) as { pid: number }).pid;
      expect(isRunning(launcherPid)).toBe(true);

      parent.kill('SIGKILL');
      await waitUntil(() => !isRunning(launcherPid), `launcher ${launcherPid} exits after its parent was killed`);
    } finally {
      parent.kill('SIGKILL');
      if (launcherPid && isRunning(launcherPid)) process.kill(launcherPid, 'SIGKILL');
      await dropDatabase(testPostgresAdminUrl(), 'docs_test_orphan');
    }
  });

  it('refuses to listen anywhere but loopback', () => {
    const result = spawnSync(launcher, ['-listen', '0.0.0.0:0', '-postgresql-url', 'postgres://docs@127.0.0.1:5432/docs'], { encoding: 'utf8' });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('loopback');
  });
});

describeOnLinux('connectDatabase', () => {
  it('with MONGODB_URI, connects there and starts nothing', async () => {
    const separate = await startTestMongo(path.join(dir, 'separate'));
    try {
      // Other test files run in other processes: count this process's own launchers only.
      const before = launcherPids(process.pid).sort();
      const handle = await connectDatabase({ mongodbUri: separate.clientUri('given'), dataDir: path.join(dir, 'unused') });
      try {
        expect(handle.uri).toBe(separate.clientUri('given'));
        expect(handle.connection.name).toBe('given');
        expect(launcherPids(process.pid).sort()).toEqual(before);
        expect(before).toEqual([separate.pid]);
        await handle.connection.db!.collection('visits').insertOne({ ok: true });
      } finally {
        await handle.close();
      }
      // Closing the handle leaves the server it did not start running.
      expect(isRunning(separate.pid)).toBe(true);
    } finally {
      await separate.stop();
    }
  });

  it('without MONGODB_URI, says what to set and starts nothing (the launcher and the tests start the embedded FerretDB)', async () => {
    const before = launcherPids(process.pid).sort();
    const error = await connectDatabase({ mongodbUri: undefined, dataDir: path.join(dir, 'default') }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(MissingDatabaseError);
    expect((error as Error).message).toMatch(/MONGODB_URI is not set/);
    expect((error as Error).message).toMatch(/npm start/);
    expect(launcherPids(process.pid).sort()).toEqual(before);
  });

  it('reads the database name from the connection string', () => {
    expect(databaseNameOf('mongodb://127.0.0.1:27017/records?replicaSet=rs0')).toBe('records');
    expect(databaseNameOf('mongodb://a:1,b:2/')).toBeUndefined();
    expect(databaseNameOf('mongodb+srv://user:pw@cluster.example.org/hr')).toBe('hr');
  });
});
