import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { createDatabase } from '../postgres/postgres';
import { processExited } from '../process/child';
import { ensureFerretdbLauncher, type BuildLog } from './ferretdb-build';
import { createIndexTwins } from './index-twins';

export interface EmbeddedMongoOptions {
  /**
   * Admin URL of the PostgreSQL server that stores the documents (a superuser's: the stack's embedded
   * cluster, or the server GRAPH_NODE_POSTGRES_URL names). The documents get a database and a role of
   * their own there, named `database`.
   */
  postgresAdminUrl: string;
  /** The documents' PostgreSQL database and role: a plain name (a-z, 0-9, _; default `ferretdb`). */
  database?: string;
  /** Folder that keeps the role's generated password in `password` (mode 0600); created (mode 0700) if missing. */
  folder: string;
  /** FerretDB's own log level, written to this process's stderr: `debug`, `info`, `warn` or `error` (default: FerretDB logs every refused command at `warn`). */
  logLevel?: 'debug' | 'info' | 'warn' | 'error';
  /** Where build progress goes (default: stderr). */
  buildLog?: BuildLog;
  /** How long to wait for the server to accept connections (default 30 s). */
  startTimeoutMs?: number;
  /** Port on 127.0.0.1 (default 0: a free one); a restart passes the port of the first start. */
  port?: number;
  /** Drop the documents kept from an earlier start first. */
  fresh?: boolean;
}

/** A running embedded FerretDB. */
export interface EmbeddedMongo {
  /** `mongodb://127.0.0.1:<port>/`, without credentials (as it may be shown): it refuses clients without them. */
  uri: string;
  /**
   * The connection string of MongoDB database `name` with the role's credentials (SASL PLAIN: FerretDB
   * hands them to PostgreSQL). It holds the password: give it to a child through its environment, never
   * its command line, and show `uri` instead.
   */
  clientUri(name: string): string;
  /** The launcher's process id. */
  pid: number;
  /** What it was started with: a restart passes the same, with `port`. */
  settings: EmbeddedMongoOptions;
  /** Resolves when the process exits, stopped or not, with how it ended and its last output. */
  exited: Promise<string>;
  /** Stops the server and waits for the process to exit. Safe to call more than once. */
  stop(): Promise<void>;
}

interface ReadyLine {
  event: 'ready';
  uri: string;
  address: string;
  pid: number;
}

type LauncherProcess = ChildProcessByStdio<Writable, Readable, Readable>;

/** Resolves once `address` accepts a TCP connection. */
function probe(address: string): Promise<void> {
  const separator = address.lastIndexOf(':');
  const host = address.slice(0, separator);
  const port = Number(address.slice(separator + 1));
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port }, () => {
      socket.end();
      resolve();
    });
    socket.once('error', reject);
  });
}


/** The password kept in `<folder>/password` (mode 0600), generated on first use. */
async function keptPassword(folder: string): Promise<string> {
  await mkdir(folder, { recursive: true, mode: 0o700 });
  const file = path.join(folder, 'password');
  if (existsSync(file)) {
    const kept = (await readFile(file, 'utf8')).trim();
    if (kept.length >= 24) return kept;
  }
  const password = randomBytes(24).toString('base64url');
  await writeFile(file, `${password}\n`, { mode: 0o600 });
  return password;
}

/**
 * Starts FerretDB (MongoDB wire protocol) on 127.0.0.1 and a free port, storing the documents in a
 * PostgreSQL database and role of their own (created on first use, the role not a superuser, its
 * password generated and kept in the folder), building the project's launcher first if needed.
 * FerretDB gets the database's URL without the password: each client authenticates (PLAIN) and
 * FerretDB connects to PostgreSQL with the client's credentials, which PostgreSQL checks (scram), so a
 * client without them is refused. The launcher exits by itself when this process goes away, even on a
 * crash: it watches its standard input (a pipe this process holds) and its parent PID.
 */
export async function startEmbeddedMongo(options: EmbeddedMongoOptions): Promise<EmbeddedMongo> {
  const binary = await ensureFerretdbLauncher({ log: options.buildLog });
  const role = options.database ?? 'ferretdb';
  const password = await keptPassword(path.resolve(options.folder));
  const roleUrl = new URL(await createDatabase(options.postgresAdminUrl, role, { password, extensions: [], replace: options.fresh }));
  await createIndexTwins(options.postgresAdminUrl, role);
  roleUrl.password = '';

  const child: LauncherProcess = spawn(
    binary,
    [
      '-listen', `127.0.0.1:${options.port ?? 0}`,
      '-postgresql-url', roleUrl.toString(),
      '-log-level', options.logLevel ?? 'error',
      '-parent-pid', String(process.pid),
      '-exit-on-stdin-close',
    ],
    // Its own process group: a terminal's Ctrl-C reaches the launcher, which stops FerretDB in order
    // (it still dies with the launcher: it watches its stdin and its parent PID).
    { stdio: ['pipe', 'pipe', 'pipe'], detached: true },
  );

  const stderrTail: string[] = [];
  child.stderr.on('data', (chunk: Buffer) => {
    const text = chunk.toString('utf8');
    for (const line of text.split('\n')) {
      if (!line.trim()) continue;
      stderrTail.push(line);
      if (stderrTail.length > 20) stderrTail.shift();
    }
    process.stderr.write(text);
  });

  const describeFailure = (what: string) =>
    new Error(`The embedded FerretDB (${binary}) ${what}.${stderrTail.length ? `\nIts last output:\n${stderrTail.join('\n')}` : ''}`);

  let ready: ReadyLine;
  try {
    ready = await new Promise<ReadyLine>((resolve, reject) => {
      const timeout = setTimeout(
        () => reject(describeFailure(`did not report readiness within ${options.startTimeoutMs ?? 30_000} ms`)),
        options.startTimeoutMs ?? 30_000,
      );
      const lines = createInterface({ input: child.stdout });
      lines.once('line', (line) => {
        clearTimeout(timeout);
        try {
          const parsed = JSON.parse(line) as ReadyLine;
          if (parsed.event !== 'ready' || !parsed.uri) throw new Error(`unexpected line ${line}`);
          resolve(parsed);
        } catch (error) {
          reject(describeFailure(`printed something other than its ready line: ${(error as Error).message}`));
        }
        lines.close();
      });
      child.once('error', (error) => {
        clearTimeout(timeout);
        reject(describeFailure(`could not be started: ${error.message}`));
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timeout);
        reject(describeFailure(`exited before it was ready (${signal ?? `exit code ${code}`})`));
      });
    });
    await probe(ready.address);
  } catch (error) {
    child.kill('SIGKILL');
    await processExited(child);
    throw error;
  }

  // Neither the process nor its pipes keep this process alive; stdin stays open as the lifeline.
  child.unref();
  for (const stream of [child.stdin, child.stdout, child.stderr]) (stream as unknown as net.Socket).unref?.();

  const exited = processExited(child).then(
    () => `${child.signalCode ?? `exit code ${child.exitCode}`}${stderrTail.length ? `; its last output:\n  ${stderrTail.join('\n  ')}` : ''}`,
  );
  let stopping: Promise<void> | null = null;
  const address = ready.uri.replace(/^mongodb:\/\//, '').replace(/\/$/, '');
  return {
    uri: ready.uri,
    clientUri: (name) => `mongodb://${role}:${encodeURIComponent(password)}@${address}/${encodeURIComponent(name)}?authMechanism=PLAIN`,
    pid: child.pid!,
    settings: { ...options, fresh: false },
    exited,
    stop() {
      stopping ??= (async () => {
        const exited = processExited(child);
        child.stdin.end();
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      })();
      return stopping;
    },
  };
}
