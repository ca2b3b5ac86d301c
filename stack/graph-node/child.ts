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
