import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { killOnExit, processExited } from './child';

/** A child process of the stack that announces readiness with one JSON line on stdout. */
export interface ManagedChild<Ready> {
  ready: Ready;
  pid: number;
  /** Resolves when the child exits, stopped or not, with how it ended and its last output lines. */
  exited: Promise<string>;
  /** Ends the child (stdin closed, then SIGTERM, then SIGKILL after `graceMs`) and waits for its exit. */
  stop(graceMs?: number): Promise<void>;
}

export interface SpawnOptions {
  /** Human name for messages, e.g. "the chain". */
  name: string;
  command: string;
  args: string[];
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  timeoutMs: number;
  /** Receives every output line that is not the ready line (e.g. to write a log file). */
  onOutput?: (line: string) => void;
  /**
   * Reads readiness from a stdout line, for a program that prints no `{"event":"ready"}` line of its
   * own (anvil's "Listening on ..."); returns undefined for other lines.
   */
  readyFrom?: (line: string) => unknown;
  /**
   * Runs the child in a process group of its own, so a terminal's Ctrl-C reaches the launcher only,
   * which then stops the child in order (else the child would exit first and be restarted).
   */
  detached?: boolean;
}

type Child = ChildProcessByStdio<Writable, Readable, Readable>;

/**
 * Spawns a child whose stdin is a lifeline (it exits when the pipe closes, so it dies with the stack)
 * and waits for its `{"event":"ready"}` line. On failure the error quotes the child's last output.
 */
export async function spawnWithReadyLine<Ready extends { event: string }>(options: SpawnOptions): Promise<ManagedChild<Ready>> {
  const child: Child = spawn(options.command, options.args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    stdio: ['pipe', 'pipe', 'pipe'],
    detached: options.detached,
  });
  const tail: string[] = [];
  const remember = (line: string) => {
    if (!line.trim()) return;
    tail.push(line);
    if (tail.length > 30) tail.shift();
    options.onOutput?.(line);
  };
  createInterface({ input: child.stderr }).on('line', remember);
  const stdoutLines = createInterface({ input: child.stdout });

  const failure = (what: string) =>
    new Error(`${options.name} ${what}.${tail.length ? `\nIts last output:\n  ${tail.join('\n  ')}` : ''}`);

  let ready: Ready;
  try {
    ready = await new Promise<Ready>((resolve, reject) => {
      const timer = setTimeout(() => reject(failure(`was not ready within ${options.timeoutMs / 1000} s`)), options.timeoutMs);
      stdoutLines.on('line', (line) => {
        const announced = options.readyFrom ? options.readyFrom(line) : line.startsWith('{"event":"ready"') ? JSON.parse(line) : undefined;
        if (announced) {
          clearTimeout(timer);
          resolve(announced as Ready);
        } else {
          remember(line);
        }
      });
      child.once('error', (error) => {
        clearTimeout(timer);
        reject(failure(`could not be started (${error.message})`));
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(failure(`exited before it was ready (${signal ?? `exit code ${code}`})`));
      });
    });
  } catch (error) {
    child.kill('SIGKILL');
    await processExited(child);
    throw error;
  }

  killOnExit(child);
  let stopping: Promise<void> | undefined;
  return {
    ready,
    pid: child.pid!,
    exited: processExited(child).then(() => `${child.signalCode ?? `exit code ${child.exitCode}`}${tail.length ? `; its last output:\n  ${tail.slice(-10).join('\n  ')}` : ''}`),
    stop(graceMs = 5_000) {
      stopping ??= (async () => {
        const done = processExited(child);
        child.stdin.end();
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
        await done;
        clearTimeout(timer);
      })();
      return stopping;
    },
  };
}
