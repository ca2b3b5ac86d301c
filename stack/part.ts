/**
 * A part of the stack the launcher runs as a process of its own (the chain, PostgreSQL, FerretDB,
 * graph-node, the API), and the one place that runs parts: `PartRunner` starts each, supervises it
 * (restart with backoff when it dies, told to the parts started after it), keeps pids.json current,
 * and stops them all in the reverse order of their start. The web server, which runs inside the
 * launcher, joins the stop order with `runner.onStop`.
 */
import { writePidFile, removePidFile, type StackPart, type StopSignal } from './process/pid-file';
import { supervise, type Supervised, type SupervisedProcess } from './process/supervisor';

export interface Part<P extends SupervisedProcess = SupervisedProcess> {
  /** Its name in messages and in pids.json: "the chain (anvil)". */
  name: string;
  /** The signal that stops its process cleanly (graph-node ignores SIGTERM; SIGINT is PostgreSQL's fast shutdown). */
  stopSignal: StopSignal;
  /** Starts it; resolves when it is ready. */
  start(): Promise<P>;
  /** Starts it again where it was (same port, same files) after it died or was asked to restart. */
  restart(previous: P): Promise<P>;
  /** Watches the running part for what its supervisor cannot see (a hung graph-node); returns how to stop watching. */
  watch?(self: Supervised<P>): { stop(): void };
  /** Told when a part started before this one was restarted: a part may have to follow (graph-node after its PostgreSQL). */
  afterRestartOf?(name: string, self: Supervised<P>): Promise<void>;
  /** Told each time it is back after a restart. */
  afterRestart?(current: P): void;
}

interface Running {
  part: Part<SupervisedProcess>;
  supervised: Supervised<SupervisedProcess>;
  watch?: { stop(): void };
}

/** How long one part may take to stop before the next is stopped anyway. */
const STOP_TIMEOUT_MS = 10_000;

export class PartRunner {
  private readonly running: Running[] = [];
  private readonly stops: Array<{ name: string; stop: () => Promise<void> }> = [];
  private recorded = '';
  private readonly pidWatch: ReturnType<typeof setInterval>;

  constructor(
    private readonly options: {
      /** The data folder's state folder, where pids.json lives. */
      stateDir: string;
      /** `[supervisor]` lines. */
      log: (line: string) => void;
      /** Told when a part did not come back after its restarts. */
      onGiveUp: (message: string) => void;
    },
  ) {
    // Supervisors restart parts with new PIDs; the file follows within a second.
    this.pidWatch = setInterval(() => void this.recordPids().catch(() => undefined), 1_000);
    this.pidWatch.unref();
  }

  /** Starts `part` and supervises it; resolves with its supervised handle once it is ready. */
  async run<P extends SupervisedProcess>(part: Part<P>): Promise<Supervised<P>> {
    const first = await part.start();
    const supervised: Supervised<P> = supervise<P>({
      name: part.name,
      first,
      restart: (): Promise<P> => part.restart(supervised.current()),
      log: this.options.log,
      onGiveUp: (message) => {
        entry.watch?.stop();
        this.options.onGiveUp(message);
      },
      onRestarted: (current) => {
        part.afterRestart?.(current);
        void this.tellLaterParts(entry);
      },
    });
    const entry: Running = { part: part as unknown as Part<SupervisedProcess>, supervised };
    entry.watch = part.watch?.(supervised);
    this.running.push(entry);
    this.onStop(part.name, async () => {
      entry.watch?.stop();
      await supervised.stop();
    });
    await this.recordPids();
    return supervised;
  }

  /** Adds something to stop, in the reverse order of everything added and run. */
  onStop(name: string, stop: () => Promise<void>): void {
    this.stops.push({ name, stop });
  }

  /** Each running part's name, current PID and stop signal, in start order. */
  parts(): StackPart[] {
    return this.running.map(({ part, supervised }) => ({ name: part.name, pid: supervised.current().pid, stopSignal: part.stopSignal }));
  }

  /** Stops everything, newest first, each within STOP_TIMEOUT_MS; removes pids.json. */
  async stop(): Promise<void> {
    clearInterval(this.pidWatch);
    for (const { name, stop } of this.stops.splice(0).reverse()) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const slow = new Promise<'slow'>((resolve) => {
        timer = setTimeout(() => resolve('slow'), STOP_TIMEOUT_MS);
      });
      try {
        const outcome = await Promise.race([stop().then(() => 'stopped' as const), slow]);
        if (outcome === 'slow') process.stderr.write(`Stopping ${name} took over ${STOP_TIMEOUT_MS / 1000} s; moving on.\n`);
      } catch (error) {
        process.stderr.write(`Stopping ${name} failed: ${(error as Error).message}\n`);
      } finally {
        clearTimeout(timer);
      }
    }
    if (this.recorded) await removePidFile(this.options.stateDir).catch(() => undefined);
  }

  private async tellLaterParts(restarted: Running): Promise<void> {
    for (const later of this.running.slice(this.running.indexOf(restarted) + 1)) {
      await later.part.afterRestartOf?.(restarted.part.name, later.supervised).catch((error: unknown) => this.options.log(`${later.part.name}: ${(error as Error).message}`));
    }
  }

  private async recordPids(): Promise<void> {
    const now = JSON.stringify(this.parts());
    if (now === this.recorded) return;
    this.recorded = now;
    await writePidFile(this.options.stateDir, this.parts());
  }
}
