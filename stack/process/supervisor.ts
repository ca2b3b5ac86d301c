/** A process the stack started, as the supervisor sees it. */
export interface SupervisedProcess {
  pid: number;
  /** Resolves when the process exits, with how it ended (signal or code, last lines of its log). */
  exited: Promise<string>;
  stop(): Promise<void>;
}

export interface SuperviseOptions<P extends SupervisedProcess> {
  /** Human name, e.g. "FerretDB (the database)". */
  name: string;
  first: P;
  /** Starts the part again, where it was (same port, same files). */
  restart: () => Promise<P>;
  /** Restarts in a row before giving up (default 3); a part that then runs for `healthyMs` earns them back. */
  maxRestarts?: number;
  /** Time running after which the restart count starts over (default 60 s). */
  healthyMs?: number;
  /** Wait before restart n (1-based): default 0.5 s, 1 s, 2 s, ... */
  backoffMs?: (attempt: number) => number;
  /** Told each exit and each restart. */
  log: (line: string) => void;
  /** Told when restarts ran out; the part stays down. */
  onGiveUp: (message: string) => void;
  /** Told the new process after each successful restart. */
  onRestarted?: (current: P) => void;
}

/**
 * Watches one part: when it exits without being stopped, says so with how it ended, and starts it
 * again after a backoff, up to `maxRestarts` times in a row; then gives up and says why.
 */
export interface Supervised<P extends SupervisedProcess> {
  current(): P;
  /**
   * Stops the running process and starts it again at once (no backoff), saying `reason`: for a part
   * that runs but no longer works (graph-node after its PostgreSQL restarted). Not counted as a crash.
   * Resolves when the new process runs (or restarts ran out, or the part was stopped).
   */
  restartNow(reason: string): Promise<void>;
  stop(): Promise<void>;
}

export function supervise<P extends SupervisedProcess>(options: SuperviseOptions<P>): Supervised<P> {
  const maxRestarts = options.maxRestarts ?? 3;
  const healthyMs = options.healthyMs ?? 60_000;
  const backoffMs = options.backoffMs ?? ((attempt) => 500 * 2 ** (attempt - 1));
  let current = options.first;
  let stopped = false;
  let wake: (() => void) | undefined;
  let requested: string | undefined;
  const waiting: Array<() => void> = [];
  const release = () => {
    for (const resolve of waiting.splice(0)) resolve();
  };

  const watch = async () => {
    let attempts = 0;
    let since = Date.now();
    for (;;) {
      const how = await current.exited;
      if (stopped) return;
      if (Date.now() - since >= healthyMs) attempts = 0;
      const asked = requested;
      requested = undefined;
      // A restart asked for is no crash: it does not use up the part's restarts.
      if (asked) attempts = 0;
      options.log(asked ? `${options.name} (pid ${current.pid}) was stopped to be restarted: ${asked}` : `${options.name} (pid ${current.pid}) exited: ${how}`);
      // Releases what the dead process left behind (graph-node's IPFS probe server, pipes).
      await current.stop().catch(() => undefined);
      for (;;) {
        attempts += 1;
        if (attempts > maxRestarts) {
          options.onGiveUp(`${options.name} exited and did not come back after ${maxRestarts} restarts; last: ${how}`);
          release();
          return;
        }
        const delay = asked && attempts === 1 ? 0 : backoffMs(attempts);
        options.log(`restarting ${options.name} in ${delay / 1000} s (restart ${attempts} of ${maxRestarts})`);
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, delay).unref();
        });
        if (stopped) return release();
        try {
          current = await options.restart();
          since = Date.now();
          if (stopped) {
            await current.stop();
            return;
          }
          options.log(`${options.name} is back (pid ${current.pid})`);
          options.onRestarted?.(current);
          release();
          break;
        } catch (error) {
          options.log(`${options.name} did not restart: ${(error as Error).message}`);
        }
      }
    }
  };
  const watching = watch();

  return {
    current: () => current,
    async restartNow(reason) {
      if (stopped) return;
      requested = reason;
      const back = new Promise<void>((resolve) => waiting.push(resolve));
      await current.stop();
      await back;
    },
    async stop() {
      stopped = true;
      release();
      wake?.();
      await current.stop();
      await watching;
    },
  };
}
