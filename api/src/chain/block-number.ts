import type { Provider } from 'ethers';

/**
 * The chain's latest block number for requests, one JSON-RPC call per event-loop turn: requests that
 * ask during the same turn share a call that is sent after all of them arrived, so each gets a block at
 * least as new as any block mined before it arrived.
 */
export class LatestBlock {
  private pending: Promise<number> | undefined;

  constructor(
    private readonly provider: Provider,
    private readonly counter: { chainCalls: number },
  ) {}

  get(): Promise<number> {
    if (!this.pending) {
      this.pending = new Promise<number>((resolve, reject) => {
        setImmediate(() => {
          this.pending = undefined;
          this.counter.chainCalls += 1;
          this.provider.getBlockNumber().then(resolve, reject);
        });
      });
    }
    return this.pending;
  }
}
