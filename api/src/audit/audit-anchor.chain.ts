import type { Provider, Signer } from 'ethers';
import { AuditAnchor__factory, type AuditAnchor } from '../../../typechain-types';
import type { AuditAnchorChain } from './audit-anchor';

/**
 * AuditAnchor over ethers: `anchorAuditBatch` sent with the auditor key, `batchOf` read at the latest
 * block. The ABI comes from the Hardhat artifacts through TypeChain.
 */
export class AuditAnchorContract implements AuditAnchorChain {
  private readonly contract: AuditAnchor;

  constructor(
    private readonly address: string,
    auditor: Signer,
  ) {
    if (!auditor.provider) throw new Error('The auditor signer has no provider: connect it to the chain (e.g. new Wallet(key, provider)).');
    this.contract = AuditAnchor__factory.connect(address, auditor);
  }

  private get provider(): Provider {
    return this.contract.runner!.provider!;
  }

  async describe(): Promise<{ chainId: number; contract: string }> {
    const network = await this.provider.getNetwork();
    return { chainId: Number(network.chainId), contract: this.address.toLowerCase() };
  }

  async send(batch: { root: string; entryCount: number; fromTime: number; toTime: number }): Promise<{ txHash: string }> {
    const tx = await this.contract.anchorAuditBatch(batch.root, batch.entryCount, batch.fromTime, batch.toTime);
    return { txHash: tx.hash };
  }

  async confirm(txHash: string): Promise<{ blockNumber: number; chainBatchId: number } | null> {
    const tx = await this.provider.getTransaction(txHash);
    if (!tx) return null;
    const receipt = await tx.wait();
    if (!receipt) return null;
    for (const log of receipt.logs) {
      if (log.address.toLowerCase() !== this.address.toLowerCase()) continue;
      const parsed = this.contract.interface.parseLog(log);
      if (parsed?.name === 'AuditBatchAnchored') {
        return { blockNumber: receipt.blockNumber, chainBatchId: Number(parsed.args.batchId) };
      }
    }
    throw new Error(`Transaction ${txHash} was mined but emitted no AuditBatchAnchored event of ${this.address}.`);
  }

  async batchOf(chainBatchId: number): Promise<{ root: string; entryCount: number } | null> {
    const count = await this.contract.batchCount();
    if (BigInt(chainBatchId) >= count) return null;
    const batch = await this.contract.batchOf(chainBatchId);
    return { root: batch.root.toLowerCase(), entryCount: Number(batch.entryCount) };
  }
}
