import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { ensureFerretdbLauncher, type BuildLog } from './ferretdb-build';

export interface EmbeddedMongoOptions {
  /** Folder of the SQLite databases; created (mode 0700) if missing. */
  dataDir: string;
  /** FerretDB's own log level, written to this process's stderr: `debug`, `info`, `warn` or `error` (default: FerretDB logs every refused command at `warn`). */
  logLevel?: 'debug' | 'info' | 'warn' | 'error';
  /** Where build progress goes (default: stderr). */
  buildLog?: BuildLog;
  /** How long to wait for the server to accept connections (default 30 s). */
  startTimeoutMs?: number;
  /** Port on 127.0.0.1 (default 0: a free one); a restart passes the port of the first start. */
  port?: number;
}

/** A running embedded FerretDB. */
export interface EmbeddedMongo {
  /** `mongodb://127.0.0.1:<port>/`: no database name, so the caller picks one. */
  uri: string;
  /** The launcher's process id. */
  pid: number;
  dataDir: string;
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

function waitForExit(child: LauncherProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/**
 * Starts FerretDB (MongoDB wire protocol over SQLite) on 127.0.0.1 and a free port, building the
 * project's launcher first if needed. The launcher exits by itself when this process goes away, even
 * on a crash: it watches its standard input (a pipe this process holds) and its parent PID.
 */
export async function startEmbeddedMongo(options: EmbeddedMongoOptions): Promise<EmbeddedMongo> {
  const binary = await ensureFerretdbLauncher({ log: options.buildLog });
  const dataDir = path.resolve(options.dataDir);
  await mkdir(dataDir, { recursive: true, mode: 0o700 });

  const child: LauncherProcess = spawn(
    binary,
    [
      '-listen', `127.0.0.1:${options.port ?? 0}`,
      '-data-dir', dataDir,
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
    await waitForExit(child);
    throw error;
  }

  // Neither the process nor its pipes keep this process alive; stdin stays open as the lifeline.
  child.unref();
  for (const stream of [child.stdin, child.stdout, child.stderr]) (stream as unknown as net.Socket).unref?.();

  const exited = waitForExit(child).then(
    () => `${child.signalCode ?? `exit code ${child.exitCode}`}${stderrTail.length ? `; its last output:\n  ${stderrTail.join('\n  ')}` : ''}`,
  );
  let stopping: Promise<void> | null = null;
  return {
    uri: ready.uri,
    pid: child.pid!,
    dataDir,
    exited,
    stop() {
      stopping ??= (async () => {
        const exited = waitForExit(child);
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
