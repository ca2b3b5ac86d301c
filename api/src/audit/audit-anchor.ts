/** The on-chain side of audit batches: AuditAnchor, as the batch service needs it. */
export interface AuditAnchorChain {
  /** The chain and contract this adapter sends to. */
  describe(): Promise<{ chainId: number; contract: string }>;
  /** Sends the anchor transaction and returns its hash once broadcast (not yet mined). */
  send(batch: { root: string; entryCount: number; fromTime: number; toTime: number }): Promise<{ txHash: string }>;
  /**
   * Waits for the anchor transaction to be mined and returns where the batch landed; null when the
   * chain does not know the transaction (it was dropped and may be sent again).
   */
  confirm(txHash: string): Promise<{ blockNumber: number; chainBatchId: number } | null>;
  /** The root and entry count stored for a batch, or null when there is no such batch. */
  batchOf(chainBatchId: number): Promise<{ root: string; entryCount: number } | null>;
}
