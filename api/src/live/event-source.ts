import type { ErrorLogger } from '../graphql/errors';
import type { SubgraphClient } from '../graphql/subgraph/subgraph-client';
import { eventsAtBlock, type BlockTime } from './block-events';
import type { LiveEvent } from './live-event';

export interface EventSourceOptions {
  /** How often the subgraph's indexed head is asked while anyone listens (milliseconds). */
  pollMs: number;
  /** How many recent blocks' events are kept, so resuming subscribers and replays share one read. */
  keptBlocks: number;
}

/** Told of every block the source has read, in order, with its events (often none). */
export type BlockListener = (block: number, events: readonly LiveEvent[]) => void;

/**
 * One API instance's view of what graph-node indexes: while anyone listens it asks the subgraph's head
 * every `pollMs` and reads each new block's events (`eventsAtBlock`) in order, from the last block it
 * saw. It needs no broker and no state shared with other instances: a subscriber that reconnects to
 * another instance, or to this one after a restart, names the last block it was told of, and its
 * events after that block are read again from the index (`eventsBetween`).
 */
export class LiveEventSource {
  private readonly listeners = new Set<BlockListener>();
  private readonly kept = new Map<number, Promise<LiveEvent[]>>();
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;
  private failing = false;
  /** The last block read and announced; null until the first poll after the source started. */
  private current: number | null = null;
  private startedWaiters: (() => void)[] = [];

  constructor(
    private readonly subgraph: SubgraphClient,
    private readonly options: EventSourceOptions,
    private readonly logger: ErrorLogger,
    /** Block times, for consent expiry (graph-node's `_meta` of a past block has none). */
    private readonly blockTime: BlockTime,
  ) {}

  /** The last block this source announced, or null while it is not running. */
  get head(): number | null {
    return this.current;
  }

  /** Listens to every block from now on; the source runs while anyone listens. Returns the unsubscribe. */
  listen(listener: BlockListener): () => void {
    this.listeners.add(listener);
    if (!this.timer) {
      this.timer = setInterval(() => void this.tick(), this.options.pollMs);
      this.timer.unref();
      void this.tick();
    }
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) this.stop();
    };
  }

  /** Resolves once the source knows its head (the first poll answered). */
  started(): Promise<number> {
    if (this.current !== null) return Promise.resolve(this.current);
    return new Promise((resolve) => this.startedWaiters.push(() => resolve(this.current!)));
  }

  /** The events of `block`, read once and kept while recent. */
  eventsAt(block: number): Promise<LiveEvent[]> {
    let events = this.kept.get(block);
    if (!events) {
      events = eventsAtBlock(this.subgraph, block, this.blockTime);
      this.kept.set(block, events);
      events.catch(() => this.kept.delete(block));
      for (const old of this.kept.keys()) {
        if (this.kept.size <= this.options.keptBlocks) break;
        this.kept.delete(old);
      }
    }
    return events;
  }

  /** The events of the blocks after `from` up to `to`, block by block in order. */
  async *eventsBetween(from: number, to: number): AsyncGenerator<{ block: number; events: LiveEvent[] }> {
    for (let block = from + 1; block <= to; block++) yield { block, events: await this.eventsAt(block) };
  }

  /** Stops polling (the listeners stay; the next `listen` starts again from the head then). */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.current = null;
  }

  private tick(): Promise<void> {
    this.ticking ??= this.advance()
      .then(
        () => {
          if (this.failing) this.logger.error('Live events: the subgraph answers again', new Error(`resumed at block ${this.current}`));
          this.failing = false;
        },
        (error: unknown) => {
          // Logged once per outage; the next tick retries from the same block, so nothing is skipped.
          if (!this.failing) this.logger.error('Live events: reading the subgraph failed (retried every poll)', error);
          this.failing = true;
        },
      )
      .finally(() => {
        this.ticking = undefined;
      });
    return this.ticking;
  }

  private async advance(): Promise<void> {
    if (!this.timer) return;
    const head = (await this.subgraph.latestHead()).number;
    if (this.current === null) {
      // A fresh start reads nothing old: subscribers that need earlier blocks ask for them (eventsBetween).
      this.current = head;
      for (const waiter of this.startedWaiters.splice(0)) waiter();
      return;
    }
    while (this.timer && this.current !== null && this.current < head) {
      const block: number = this.current + 1;
      const events = await this.eventsAt(block);
      if (!this.timer) return;
      this.current = block;
      for (const listener of this.listeners) listener(block, events);
    }
  }
}
