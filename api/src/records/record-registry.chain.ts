import type { ContractRunner } from 'ethers';
import { RecordRegistry__factory, type RecordRegistry } from '../../../typechain-types';
import type { ChainCommitmentCheck, ChainCommitments } from './integrity';

/**
 * The integrity check's view of RecordRegistry. The registry keeps one slot per record (a binding of
 * patient, category and current commitment, the version and an erased flag), so the check asks its
 * `verifyCommitment` view whether a commitment is current and `recordHead` whether the record is
 * erased, both at one block.
 */
export class RecordRegistryCommitments implements ChainCommitments {
  private readonly registry: RecordRegistry;

  constructor(address: string, runner: ContractRunner) {
    if (!runner.provider) throw new Error('RecordRegistryCommitments needs a runner with a provider (a Provider or a connected Signer).');
    this.registry = RecordRegistry__factory.connect(address, runner);
  }

  async checkCommitment(input: { recordId: string; patient: string; category: string; commitment: string }): Promise<ChainCommitmentCheck> {
    const blockTag = await this.registry.runner!.provider!.getBlockNumber();
    const [[current, version], head] = await Promise.all([
      this.registry.verifyCommitment(input.recordId, input.patient, input.category, input.commitment, { blockTag }),
      this.registry.recordHead(input.recordId, { blockTag }),
    ]);
    return { current, version: Number(version), erased: head.erased };
  }
}
