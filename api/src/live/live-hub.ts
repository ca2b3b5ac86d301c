import { GraphQLError } from 'graphql';
import { badInput } from '../graphql/errors';
import type { BlockListener, LiveEventSource } from './event-source';
import { partiesOf, type LiveEvent } from './live-event';

export interface LiveLimits {
  /** Open `myEvents` subscriptions one account may hold on one instance. */
  perAccount: number;
  /** Open subscriptions (both kinds) one instance holds. */
  perInstance: number;
  /** Events waiting for one slow subscriber before it is told to resume from its last block. */
  queue: number;
  /** How far back (blocks) a subscriber may ask to resume from. */
  resumeBlocks: number;
  /** How long `indexed` waits for a transaction to be mined and indexed (milliseconds). */
  indexedTimeoutMs: number;
}

/** Everything that bounds and paces subscriptions on one instance (createServer's `live` option). */
export interface LiveOptions extends LiveLimits {
  /** How often the subgraph's head is asked while anyone subscribes (milliseconds). */
  pollMs: number;
  /** Recent blocks whose events are kept for resuming subscribers. */
  keptBlocks: number;
  /** WebSockets one account may open to one instance (each may carry several subscriptions). */
  socketsPerAccount: number;
  /** WebSockets one instance holds. */
  socketsPerInstance: number;
  /** Heartbeat: the server pings every socket this often and closes one that missed the last pong. */
  keepAliveMs: number;
  /** How often open sockets' sessions are checked against the session store (sign-out on another instance). */
  sessionCheckMs: number;
}

export const DEFAULT_LIVE_OPTIONS: LiveOptions = {
  perAccount: 8,
  perInstance: 10_000,
  queue: 1_000,
  resumeBlocks: 10_000,
  indexedTimeoutMs: 120_000,
  pollMs: 250,
  keptBlocks: 256,
  socketsPerAccount: 4,
  socketsPerInstance: 10_000,
  keepAliveMs: 15_000,
  sessionCheckMs: 30_000,
};

/** Whether the permission rule lets `viewer` be told of this event (decided afresh, at the latest block). */
export type EventRule = (event: LiveEvent) => Promise<boolean>;

function rateLimited(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'RATE_LIMITED' } });
}

/** An async iterator fed by pushes, ended by `end` (optionally with an error for the subscriber). */
class Feed<T> implements AsyncIterableIterator<T> {
  private readonly items: T[] = [];
  private waiting: ((result: IteratorResult<T>) => void) | undefined;
  private failure: unknown;
  private ended = false;

  constructor(private readonly onEnd: () => void) {}

  get length(): number {
    return this.items.length;
  }

  push(item: T): void {
    if (this.ended) return;
    if (this.waiting) {
      const resolve = this.waiting;
      this.waiting = undefined;
      resolve({ value: item, done: false });
    } else {
      this.items.push(item);
    }
  }

  end(error?: unknown): void {
    if (this.ended) return;
    this.ended = true;
    this.failure = error;
    this.onEnd();
    if (this.waiting && this.items.length === 0) {
      const resolve = this.waiting;
      this.waiting = undefined;
      resolve({ value: undefined, done: true });
    }
  }

  next(): Promise<IteratorResult<T>> {
    if (this.items.length > 0) return Promise.resolve({ value: this.items.shift()!, done: false });
    if (this.ended) {
      const failure = this.failure;
      this.failure = undefined;
      return failure === undefined ? Promise.resolve({ value: undefined, done: true }) : Promise.reject(failure);
    }
    return new Promise((resolve) => (this.waiting = resolve));
  }

  return(): Promise<IteratorResult<T>> {
    this.items.length = 0;
    this.end();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}

/**
 * The subscriptions of one API instance over one event source: per account, bounded, each told only
 * the events its account is a party of and its permission rule allows, in block order, exactly once.
 *
 * Back-pressure: the transport sends an event only after the previous one was written to the socket,
 * so a slow subscriber's events wait here; past `limits.queue` of them (or of blocks waiting for their
 * permission decisions) the subscription ends with RATE_LIMITED, after the events already queued,
 * naming the last block they complete, to resume from.
 */
export class LiveHub {
  private readonly byAccount = new Map<string, Set<Feed<LiveEvent>>>();
  /** Who is listening to which account's events: one source listener sorts each block by account. */
  private readonly listeners = new Map<string, Set<BlockListener>>();
  private stopSource: (() => void) | undefined;
  private open = 0;

  constructor(
    private readonly source: LiveEventSource,
    readonly limits: LiveLimits,
  ) {}

  /** Open subscriptions on this instance. */
  get size(): number {
    return this.open;
  }

  /** Listens to the blocks' events of one account (the source runs while anyone listens). */
  private listen(account: string, listener: BlockListener): () => void {
    const set = this.listeners.get(account) ?? new Set();
    set.add(listener);
    this.listeners.set(account, set);
    this.stopSource ??= this.source.listen((block, events) => {
      const byParty = new Map<string, LiveEvent[]>();
      for (const event of events) {
        for (const party of partiesOf(event)) {
          if (this.listeners.has(party)) byParty.set(party, [...(byParty.get(party) ?? []), event]);
        }
      }
      for (const [party, mine] of byParty) for (const each of this.listeners.get(party) ?? []) each(block, mine);
    });
    return () => {
      set.delete(listener);
      if (set.size === 0) this.listeners.delete(account);
      if (this.listeners.size === 0) {
        this.stopSource?.();
        this.stopSource = undefined;
      }
    };
  }

  private admit(account: string | null): void {
    if (this.open >= this.limits.perInstance) {
      throw rateLimited(`This API instance holds its maximum of ${this.limits.perInstance} subscriptions; retry shortly (another instance may have room).`);
    }
    if (account !== null && (this.byAccount.get(account)?.size ?? 0) >= this.limits.perAccount) {
      throw rateLimited(`This account already holds ${this.limits.perAccount} live subscriptions on this instance; close one (e.g. another tab) first.`);
    }
  }

  /**
   * `myEvents` for `account`: every event after `fromBlock` (the last block the client was told of, or
   * of its last query), or after the instance's current block when none is given. Events of blocks the
   * instance has passed are read again from the index; later ones arrive as the index reaches them.
   */
  async events(account: string, fromBlock: number | null, allows: EventRule): Promise<AsyncIterableIterator<LiveEvent>> {
    this.admit(account);
    const candidates = new Feed<{ block: number; events: readonly LiveEvent[] } | 'overflow'>(() => undefined);
    // Listen first, then read the head: a block announced meanwhile is queued, not lost.
    let stopListening: (() => void) | undefined = this.listen(account, (block, mine) => {
      if (candidates.length >= this.limits.queue) candidates.push('overflow');
      else candidates.push({ block, events: mine });
    });
    let head: number;
    try {
      head = await this.source.started();
      if (fromBlock !== null && head - fromBlock > this.limits.resumeBlocks) {
        throw badInput('fromBlock', `fromBlock ${fromBlock} is more than ${this.limits.resumeBlocks} blocks behind the index (block ${head}); read the current state with queries, then subscribe from the block they answered at.`);
      }
      if (fromBlock !== null && fromBlock < 0) throw badInput('fromBlock', 'fromBlock is a block number: 0 or more.');
      // A new admit check: another subscription of the account may have opened while the head was read.
      this.admit(account);
    } catch (error) {
      stopListening();
      throw error;
    }
    const replayUntil = fromBlock === null ? head : Math.max(head, fromBlock);
    const output = new Feed<LiveEvent>(() => {
      stopListening?.();
      stopListening = undefined;
      candidates.end();
      const set = this.byAccount.get(account);
      set?.delete(output);
      if (set?.size === 0) this.byAccount.delete(account);
      this.open -= 1;
    });
    this.open += 1;
    const set = this.byAccount.get(account) ?? new Set();
    set.add(output);
    this.byAccount.set(account, set);

    // The last block whose events are all queued for the subscriber: where a subscription that falls behind resumes.
    let told = fromBlock ?? head;
    const behind = () => rateLimited(`You fell more than ${this.limits.queue} events behind; subscribe again with fromBlock: ${told} to resume without a gap.`);
    const deliver = async (block: number, events: readonly LiveEvent[]) => {
      const allowed: LiveEvent[] = [];
      for (const event of events) {
        // A copy per subscriber: permission decisions are kept per object, never shared between viewers.
        const copy = { ...event };
        if (await allows(copy)) allowed.push(copy);
      }
      // A block is queued whole or not at all, so resuming from `told` repeats nothing; an empty queue takes any block.
      if (output.length > 0 && output.length + allowed.length > this.limits.queue) throw behind();
      for (const event of allowed) output.push(event);
      told = block;
    };
    void (async () => {
      try {
        if (fromBlock !== null && fromBlock < head) {
          for await (const { block, events } of this.source.eventsBetween(fromBlock, head)) {
            await deliver(block, events.filter((event) => partiesOf(event).includes(account)));
          }
        }
        for await (const item of candidates) {
          if (item === 'overflow') throw behind();
          if (item.block <= replayUntil) continue;
          await deliver(item.block, item.events);
        }
      } catch (error) {
        output.end(error);
      }
    })();
    return output;
  }

  /**
   * `indexed`: resolves with the block once the index has reached `block` (a transaction's block).
   * Counts as a subscription of the instance while it waits.
   */
  async indexed(block: () => Promise<number | null>, description: string): Promise<number> {
    this.admit(null);
    this.open += 1;
    let stop: (() => void) | undefined;
    try {
      return await new Promise<number>((resolve, reject) => {
        const timeout = setTimeout(
          () => reject(new GraphQLError(`${description} was not indexed within ${this.limits.indexedTimeoutMs / 1000} s; check that it was sent, and the API's /readyz for the index's lag.`, { extensions: { code: 'SERVICE_UNAVAILABLE', service: 'graph-node' } })),
          this.limits.indexedTimeoutMs,
        );
        timeout.unref();
        let target: number | null = null;
        let asking = false;
        const check = (head: number) => {
          if (target !== null) {
            if (head >= target) {
              clearTimeout(timeout);
              resolve(target);
            }
            return;
          }
          if (asking) return;
          asking = true;
          block()
            .then((found) => {
              target = found;
              if (found !== null) check(Math.max(head, this.source.head ?? head));
            }, reject)
            .finally(() => (asking = false));
        };
        stop = this.source.listen((head) => check(head));
        this.source.started().then(check, reject);
      });
    } finally {
      stop?.();
      this.open -= 1;
    }
  }
}

/** What a subscription's context carries besides the request context (built by the app per subscription). */
export interface LiveServices {
  hub: LiveHub;
  /** The permission rule of `myEvents`, decided afresh per event for the subscription's viewer. */
  allows: EventRule;
  /** The block a transaction was mined in, or null while it is not. */
  transactionBlock(hash: string): Promise<number | null>;
}
