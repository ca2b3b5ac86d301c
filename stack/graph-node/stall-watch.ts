/**
 * The watch for a graph-node that runs but no longer indexes: its process is alive (so its supervisor
 * sees nothing wrong), yet the chain moves on and the index does not, or its status API stopped
 * answering (a hung process). Such an index is silently stale, so the supervised graph-node is
 * restarted when it has made no progress for `stallMs`.
 */
import { latestIndexedBlock, type IndexingStatus } from './index-node';

export interface StallWatchOptions {
  /** graph-node's indexing status (throws or resolves null while it does not answer or has no deployment). */
  status: () => Promise<IndexingStatus | null>;
  /** The chain's head block (throws while the chain does not answer). */
  chainHead: () => Promise<number>;
  /** No progress for this long is a stall. */
  stallMs: number;
  /** How often to look (default 2 s). */
  everyMs?: number;
  /** Told why, once per stall; the watch waits for it to settle (the restart) and starts counting again. */
  onStall: (reason: string) => Promise<void>;
}

export function watchForStall(options: StallWatchOptions): { stop(): void } {
  let lastBlock: number | undefined;
  let since = Date.now();
  let busy = false;
  const seconds = Math.round(options.stallMs / 1000);

  const look = async () => {
    const head = await options.chainHead().catch(() => undefined);
    // The chain down is the chain's supervisor's to fix, not a stall of graph-node.
    if (head === undefined) return void (since = Date.now());
    // undefined: no answer (throws: down or hung); null: it answers but serves no deployment of the subgraph.
    const status = await options.status().catch(() => undefined);
    // A deterministic failure would recur after a restart; /readyz reports it with graph-node's message.
    if (status?.fatalError) return void (since = Date.now());
    if (status) {
      const indexed = latestIndexedBlock(status);
      // Any change counts as progress: a dropped index being built again starts over from block 0.
      if (indexed >= head || indexed !== lastBlock) {
        lastBlock = indexed;
        since = Date.now();
        return;
      }
    }
    if (Date.now() - since < options.stallMs) return;
    await options.onStall(
      status
        ? `it has indexed no block for ${seconds} s (at block ${lastBlock}, the chain at ${head})`
        : status === null
          ? `it has served no deployment of the subgraph for ${seconds} s (its status API answers, without one: the subgraph was removed or never deployed)`
          : `its status API has not answered for ${seconds} s (the process is alive but does not respond)`,
    );
    lastBlock = undefined;
    since = Date.now();
  };

  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    void look().finally(() => (busy = false));
  }, options.everyMs ?? 2_000);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
