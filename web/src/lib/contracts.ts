import { Interface, type InterfaceAbi } from 'ethers';
// Hardhat artifacts are the only ABI source; Vite keeps just the `abi` key of each file.
import type { WebRuntimeConfig } from '../config-json';
import { abi as consentManagerAbi } from '../../../artifacts/contracts/src/ConsentManager.sol/ConsentManager.json';
import { abi as recordRegistryAbi } from '../../../artifacts/contracts/src/RecordRegistry.sol/RecordRegistry.json';
import { explainRevert } from './revert-reasons';
import { rpcMessage, type Wallet } from './wallet';
import { notice } from '../widgets/notices';

const interfaces = {
  consents: new Interface(consentManagerAbi as InterfaceAbi),
  records: new Interface(recordRegistryAbi as InterfaceAbi),
};
export type ContractName = keyof typeof interfaces;

/** A transaction the wallet accepted: its hash, and a way to wait until it is mined. */
export interface PendingTransaction {
  hash: string;
  wait(): Promise<{ blockNumber: number }>;
}

/** Writes to the contracts through the wallet: encode the call, check it, send it, follow it. */
export interface Contracts {
  /** Calls `fn(...args)` on a contract of the deployment. */
  send(contract: ContractName, fn: string, args: unknown[]): Promise<PendingTransaction>;
  /** Sends a call the API prepared (e.g. `prepareRecord`'s anchorRecord transaction). */
  sendPrepared(to: string, data: string): Promise<PendingTransaction>;
  /** Reads a view of a contract of the deployment (through the wallet's node) and returns its first result. */
  read(contract: ContractName, fn: string, args: unknown[]): Promise<unknown>;
}

/** Why a call reverts, from its revert data, in words that say what to do. */
function explainData(data: unknown): string | undefined {
  if (typeof data !== 'string' || data.length < 10) return undefined;
  for (const contract of Object.values(interfaces)) {
    try {
      const parsed = contract.parseError(data);
      if (parsed) return explainRevert(parsed.name, [...parsed.args]);
    } catch {
      // Not this contract's error; try the next.
    }
  }
  return undefined;
}

/** Revert data wherever wallets put it: `data`, `data.data`, `data.originalError.data`. */
function revertData(error: unknown): unknown {
  const value = error as { data?: unknown };
  const data = value?.data as { data?: unknown; originalError?: { data?: unknown } } | string | undefined;
  if (typeof data === 'string') return data;
  return data?.data ?? data?.originalError?.data;
}

export function transactionError(error: unknown): string {
  return explainData(revertData(error)) ?? rpcMessage(error);
}

export function contractsFor(config: WebRuntimeConfig, wallet: Wallet): Contracts {
  const addresses: Record<ContractName, string> = { consents: config.contracts.ConsentManager, records: config.contracts.RecordRegistry };

  const sendPrepared = async (to: string, data: string): Promise<PendingTransaction> => {
    const call = { from: wallet.address, to, data };
    // Estimating first turns a revert into the contract's reason before the wallet asks to sign.
    const gas = BigInt((await wallet.ethereum.request({ method: 'eth_estimateGas', params: [call] })) as string);
    const hash = (await wallet.ethereum.request({ method: 'eth_sendTransaction', params: [{ ...call, gas: `0x${((gas * 12n) / 10n).toString(16)}` }] })) as string;
    return {
      hash,
      async wait() {
        for (;;) {
          const receipt = (await wallet.ethereum.request({ method: 'eth_getTransactionReceipt', params: [hash] })) as { status: string; blockNumber: string } | null;
          if (receipt) {
            if (BigInt(receipt.status) !== 1n) throw new Error('the transaction reverted on-chain; reload and check the current state before trying again.');
            return { blockNumber: Number(BigInt(receipt.blockNumber)) };
          }
          await new Promise((resolve) => setTimeout(resolve, 250));
        }
      },
    };
  };

  return {
    sendPrepared,
    send: (contract, fn, args) => sendPrepared(addresses[contract], interfaces[contract].encodeFunctionData(fn, args)),
    async read(contract, fn, args) {
      const data = (await wallet.ethereum.request({ method: 'eth_call', params: [{ to: addresses[contract], data: interfaces[contract].encodeFunctionData(fn, args) }, 'latest'] })) as string;
      return interfaces[contract].decodeFunctionResult(fn, data)[0];
    },
  };
}

/**
 * Sends one transaction through the wallet and shows its state as it goes: waiting for the wallet,
 * sent (with its hash), confirmed in a block, indexed; or failed with the contract's reason and what
 * to do. `afterMined` (waiting for the index) runs before the notice says done.
 */
export async function sendTransaction(label: string, send: () => Promise<PendingTransaction>, afterMined?: (transactionHash: string) => Promise<void>): Promise<number> {
  const status = notice('pending', `${label}: confirm the transaction in your wallet…`);
  let pending: PendingTransaction;
  try {
    pending = await send();
  } catch (error) {
    status.update('error', `${label} was not sent: ${transactionError(error)}`);
    throw new TransactionFailed(transactionError(error));
  }
  status.update('pending', `${label}: sent, waiting for a block…`, pending.hash);
  let blockNumber: number;
  try {
    ({ blockNumber } = await pending.wait());
  } catch (error) {
    status.update('error', `${label} failed: ${(error as Error).message}`, pending.hash);
    throw new TransactionFailed((error as Error).message);
  }
  if (afterMined) {
    status.update('pending', `${label}: confirmed in block ${blockNumber}, waiting for the index…`, pending.hash);
    try {
      await afterMined(pending.hash);
    } catch (error) {
      status.update('info', `${label}: confirmed in block ${blockNumber}. ${(error as Error).message}`, pending.hash);
      return blockNumber;
    }
  }
  status.update('success', `${label}: confirmed in block ${blockNumber}.`, pending.hash);
  return blockNumber;
}

/** A transaction that was refused or reverted; its notice is already shown. */
export class TransactionFailed extends Error {
  override name = 'TransactionFailed';
}
