/**
 * Items that callers hand in during one event-loop turn, processed in one call after all of them did
 * (setImmediate), the way LatestBlock shares one block-number call: concurrent requests that each need
 * a database round trip (their page's audit entries, their page's record documents) share one. Every
 * caller's items are sent after the caller handed them in, and every caller gets its own outcomes (one
 * per item, in its order) or the batch's error. At most `maxItems` items go in one call.
 */
export class TurnBatch<In, Out> {
  private pending: { items: In[]; callers: { from: number; count: number; resolve: (outs: Out[]) => void; reject: (error: unknown) => void }[] } | undefined;

  constructor(
    private readonly process: (items: In[]) => Promise<Out[]>,
    private readonly maxItems = 1000,
  ) {}

  add(items: readonly In[]): Promise<Out[]> {
    if (items.length === 0) return Promise.resolve([]);
    let group = this.pending;
    if (!group || group.items.length + items.length > this.maxItems) {
      const fresh: NonNullable<typeof group> = { items: [], callers: [] };
      group = fresh;
      this.pending = fresh;
      setImmediate(() => {
        if (this.pending === fresh) this.pending = undefined;
        this.process(fresh.items).then(
          (outs) => {
            for (const caller of fresh.callers) caller.resolve(outs.slice(caller.from, caller.from + caller.count));
          },
          (error: unknown) => {
            for (const caller of fresh.callers) caller.reject(error);
          },
        );
      });
    }
    const target = group;
    return new Promise<Out[]>((resolve, reject) => {
      target.callers.push({ from: target.items.length, count: items.length, resolve, reject });
      target.items.push(...items);
    });
  }
}
