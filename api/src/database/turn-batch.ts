type Group<In, Out> = { items: In[]; callers: { from: number; count: number; resolve: (outs: Out[]) => void; reject: (error: unknown) => void }[] };

/**
 * Items that concurrent callers hand in, processed together: concurrent requests that each need a
 * database round trip (their page's audit entries, their page's record documents) share one. A call
 * waits for the end of the event-loop turn it was made in (setImmediate, as LatestBlock does for block
 * numbers), and while one round trip is in flight the calls made meanwhile gather for the next: on a
 * loaded store, many requests share each round trip; on an idle one, nobody waits for anybody. Every
 * caller's items are sent after the caller handed them in, and every caller gets its own outcomes (one
 * per item, in its order) or the round trip's error. At most `maxItems` items go in one round trip.
 */
export class TurnBatch<In, Out> {
  private gathering: Group<In, Out> | undefined;
  private readonly ready: Group<In, Out>[] = [];
  private inFlight = false;

  constructor(
    private readonly process: (items: In[]) => Promise<Out[]>,
    private readonly maxItems = 1000,
  ) {}

  add(items: readonly In[]): Promise<Out[]> {
    if (items.length === 0) return Promise.resolve([]);
    if (this.gathering && this.gathering.items.length + items.length > this.maxItems) {
      this.ready.push(this.gathering);
      this.gathering = undefined;
    }
    if (!this.gathering) {
      this.gathering = { items: [], callers: [] };
      setImmediate(() => this.next());
    }
    const group = this.gathering;
    return new Promise<Out[]>((resolve, reject) => {
      group.callers.push({ from: group.items.length, count: items.length, resolve, reject });
      group.items.push(...items);
    });
  }

  private next(): void {
    if (this.inFlight) return;
    const group = this.ready.shift() ?? this.gathering;
    if (!group) return;
    if (group === this.gathering) this.gathering = undefined;
    this.inFlight = true;
    this.process(group.items)
      .then(
        (outs) => {
          for (const caller of group.callers) caller.resolve(outs.slice(caller.from, caller.from + caller.count));
        },
        (error: unknown) => {
          for (const caller of group.callers) caller.reject(error);
        },
      )
      .finally(() => {
        this.inFlight = false;
        this.next();
      });
  }
}
