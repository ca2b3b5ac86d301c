import type { ChildProcess } from 'node:child_process';

/** Resolves when `child` has exited (at once if it already has). */
export function processExited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/**
 * Stops `child` with SIGINT (gnd ignores SIGTERM; for PostgreSQL SIGINT is the fast shutdown), then
 * SIGKILL after `graceMs`. Every call returns the same promise, resolved when the child has exited.
 */
export function interruptOnce(child: ChildProcess, graceMs: number): () => Promise<void> {
  let stopping: Promise<void> | undefined;
  return () => {
    stopping ??= (async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = processExited(child);
      child.kill('SIGINT');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    })();
    return stopping;
  };
}

const alive = new Set<ChildProcess>();
let hooked = false;

/**
 * graph-node and PostgreSQL run in process groups of their own (a terminal's Ctrl-C must not reach
 * them before the parts that use them are stopped), so nothing ends them when this process ends.
 * This kills `child` when this process exits without having stopped it (an uncaught error, a test
 * worker ending after a timeout), so it is never orphaned. A SIGKILL of this process is the one case
 * no hook sees.
 */
export function killOnExit(child: ChildProcess): void {
  alive.add(child);
  child.once('exit', () => alive.delete(child));
  if (hooked) return;
  hooked = true;
  process.once('exit', () => {
    for (const running of alive) running.kill('SIGKILL');
  });
}
