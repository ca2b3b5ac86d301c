import { Contract, Interface, type ContractTransactionResponse, type InterfaceAbi } from 'ethers';
// Hardhat artifacts are the only ABI source; Vite keeps just the `abi` key of each file.
import { abi as consentManagerAbi } from '../../../artifacts/contracts/src/ConsentManager.sol/ConsentManager.json';
import { abi as recordRegistryAbi } from '../../../artifacts/contracts/src/RecordRegistry.sol/RecordRegistry.json';
import { abi as providerDirectoryAbi } from '../../../artifacts/contracts/src/ProviderDirectory.sol/ProviderDirectory.json';
import type { ClientConfig } from './config';
import { explainRevert } from './revert-reasons';
import { notice } from './notices';
import { rpcMessage, type Wallet } from './wallet';

export interface Contracts {
  consents: Contract;
  records: Contract;
  directory: Contract;
}

const everyError = new Interface([...(consentManagerAbi as InterfaceAbi as unknown[]), ...(recordRegistryAbi as unknown[]), ...(providerDirectoryAbi as unknown[])].filter((item) => (item as { type: string }).type === 'error') as InterfaceAbi);

export function contractsFor(config: ClientConfig, wallet: Wallet): Contracts {
  return {
    consents: new Contract(config.contracts.ConsentManager, consentManagerAbi as InterfaceAbi, wallet.signer),
    records: new Contract(config.contracts.RecordRegistry, recordRegistryAbi as InterfaceAbi, wallet.signer),
    directory: new Contract(config.contracts.ProviderDirectory, providerDirectoryAbi as InterfaceAbi, wallet.signer),
  };
}

/** Why a transaction would fail or failed, in words that say what to do. */
export function transactionError(error: unknown): string {
  const value = error as { revert?: { name: string; args: unknown[] }; data?: string; info?: { error?: { data?: string | { data?: string } } } };
  if (value?.revert?.name) return explainRevert(value.revert.name, [...value.revert.args]);
  const data = value?.data ?? (typeof value?.info?.error?.data === 'string' ? value.info.error.data : value?.info?.error?.data?.data);
  if (typeof data === 'string' && data.length >= 10) {
    const parsed = everyError.parseError(data);
    if (parsed) return explainRevert(parsed.name, [...parsed.args]);
  }
  return rpcMessage(error);
}

/**
 * Sends one transaction through the wallet and shows its state as it goes: waiting for the wallet,
 * sent (with its hash), confirmed in a block, or failed with the contract's reason and what to do.
 * Resolves with the block number it was mined in; `afterMined` (e.g. waiting for the index) runs
 * before the notice says done.
 */
export async function sendTransaction(
  label: string,
  send: () => Promise<ContractTransactionResponse>,
  afterMined?: (blockNumber: number) => Promise<void>,
): Promise<number> {
  const status = notice('pending', `${label}: confirm the transaction in your wallet…`);
  let response: ContractTransactionResponse;
  try {
    response = await send();
  } catch (error) {
    status.update('error', `${label} was not sent: ${transactionError(error)}`);
    throw new TransactionFailed(transactionError(error));
  }
  status.update('pending', `${label}: sent, waiting for a block…`, response.hash);
  let blockNumber: number;
  try {
    const receipt = await response.wait();
    if (!receipt) throw new Error('the transaction was dropped; send it again');
    blockNumber = receipt.blockNumber;
  } catch (error) {
    status.update('error', `${label} failed on-chain: ${transactionError(error)}`, response.hash);
    throw new TransactionFailed(transactionError(error));
  }
  if (afterMined) {
    status.update('pending', `${label}: confirmed in block ${blockNumber}, waiting for the index…`, response.hash);
    await afterMined(blockNumber);
  }
  status.update('success', `${label}: confirmed in block ${blockNumber}.`, response.hash);
  return blockNumber;
}

/** A transaction that was refused or reverted; its notice is already shown. */
export class TransactionFailed extends Error {
  override name = 'TransactionFailed';
}
