/**
 * Chain reads that mappings make synchronously (`ethereum.call`, `ethereum.getBalance`,
 * `ethereum.hasCode`), answered at the handler's block.
 *
 * JSON-RPC is asynchronous in Node and the chain may even be served by this very process (the
 * project's embedded Hardhat network), so a handler never blocks on it: the first time a handler
 * asks for a value that is not cached, the host function throws `ChainCallNeeded`, the handler's
 * writes are dropped, the value is fetched, and the handler runs again from the start with a fresh
 * instance (mappings are deterministic, so it reaches the same call and now gets the answer).
 * Answers are cached per block, as graph-node caches eth_call results.
 */
import { JsonRpcClient, JsonRpcError } from '../ethereum/json-rpc';
import { HostInterrupt } from '../wasm/host-functions';

export class ChainCallNeeded extends HostInterrupt {
  constructor(
    readonly key: string,
    readonly method: string,
    readonly params: unknown[],
  ) {
    super(`${method} needed`);
  }
}

export type ChainCallOutcome = { reverted: false; result: string } | { reverted: true; message: string };

/** An eth_call error that means the call reverted (as opposed to a failing endpoint). */
export function isRevertError(error: JsonRpcError): boolean {
  return error.code === 3 || /revert|invalid opcode|VM Exception|out of gas|invalid jump/i.test(error.message);
}

export class ChainCalls {
  private readonly cache = new Map<string, ChainCallOutcome>();
  private block = -1;

  constructor(private readonly rpc: JsonRpcClient) {}

  /** Forgets answers of another block. */
  atBlock(blockNumber: number): void {
    if (blockNumber !== this.block) {
      this.cache.clear();
      this.block = blockNumber;
    }
  }

  /** The cached answer, or throws `ChainCallNeeded` for the caller to `fetch` and retry. */
  get(method: string, params: unknown[]): ChainCallOutcome {
    const key = `${method}${JSON.stringify(params)}`;
    const cached = this.cache.get(key);
    if (cached) return cached;
    throw new ChainCallNeeded(key, method, params);
  }

  async fetch(needed: ChainCallNeeded): Promise<void> {
    try {
      const result = await this.rpc.request<string>(needed.method, needed.params);
      this.cache.set(needed.key, { reverted: false, result });
    } catch (error) {
      if (needed.method === 'eth_call' && error instanceof JsonRpcError && isRevertError(error)) {
        this.cache.set(needed.key, { reverted: true, message: error.message });
        return;
      }
      throw error;
    }
  }
}
