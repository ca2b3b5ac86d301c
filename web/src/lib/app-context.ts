import type { WebRuntimeConfig } from '../config-json';
import { sendTransaction, type Contracts, type PendingTransaction } from './contracts';
import type { Live } from './live';
import type { Wallet } from './wallet';

/** Everything a view needs: where things are, the wallet, the contracts, and a way to re-render. */
export interface AppContext {
  config: WebRuntimeConfig;
  wallet: Wallet;
  contracts: Contracts;
  /** The signed-in address, lowercase (as the API reports addresses). */
  me: string;
  /** The live connection: `indexed` waits for the index to reach a transaction. */
  live: Live;
  /** Re-renders the current view after a change; resolves once the new view is on screen. */
  refresh(): Promise<void>;
}

/**
 * Sends a transaction and, once mined and indexed, re-renders the view; the notice says each state
 * and, on failure, what went wrong and what to do (so callers need not handle the error again).
 * Resolves true when the transaction was confirmed.
 */
export async function runTransaction(ctx: AppContext, label: string, send: () => Promise<PendingTransaction>): Promise<boolean> {
  try {
    await sendTransaction(label, send, async (hash) => {
      await ctx.live.indexed(hash);
      await ctx.refresh();
    });
    return true;
  } catch {
    return false;
  }
}
