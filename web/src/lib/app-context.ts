import { graphql } from '../gql';
import { request } from './api';
import type { ClientConfig } from './config';
import { sendTransaction, type Contracts, type PendingTransaction } from './contracts';
import type { Wallet } from './wallet';

/** Everything a view needs: where things are, the wallet, the contracts, and a way to re-render. */
export interface AppContext {
  config: ClientConfig;
  wallet: Wallet;
  contracts: Contracts;
  /** The signed-in address, lowercase (as the API reports addresses). */
  me: string;
  /** Re-renders the current view after a change; resolves once the new view is on screen. */
  refresh(): Promise<void>;
}

const IndexedBlock = graphql(`
  query IndexedBlock {
    health {
      subgraphBlock
    }
  }
`);

/**
 * Waits until the subgraph the API reads has indexed `blockNumber`, so the next read shows the
 * transaction's effect. Gives up after `timeoutMs` with a message saying the index lags.
 */
export async function waitForIndex(blockNumber: number, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { health } = await request(IndexedBlock);
    if ((health.subgraphBlock ?? -1) >= blockNumber) return;
    if (Date.now() > deadline) {
      throw new Error(`The index is still at block ${health.subgraphBlock ?? 'none'}, behind block ${blockNumber}; the change will show once it catches up. Reload in a moment.`);
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
}

/**
 * Sends a transaction and, once mined and indexed, re-renders the view; the notice says each state
 * and, on failure, what went wrong and what to do (so callers need not handle the error again).
 * Resolves true when the transaction was confirmed.
 */
export async function runTransaction(ctx: AppContext, label: string, send: () => Promise<PendingTransaction>): Promise<boolean> {
  try {
    await sendTransaction(label, send, async (blockNumber) => {
      await waitForIndex(blockNumber);
      await ctx.refresh();
    });
    return true;
  } catch {
    return false;
  }
}
