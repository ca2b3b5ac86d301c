import { getAddress, toQuantity } from 'ethers';
import type { WebRuntimeConfig } from '../config-json';

/** An EIP-1193 provider (MetaMask or any other wallet), with the event methods most wallets add. */
export interface InjectedProvider {
  request(args: { method: string; params?: unknown[] | Record<string, unknown> }): Promise<unknown>;
  on?(event: 'accountsChanged' | 'chainChanged', listener: (value: unknown) => void): void;
}

declare global {
  interface Window {
    ethereum?: InjectedProvider;
  }
}

export class WalletError extends Error {
  override name = 'WalletError';
}

/**
 * The connected wallet. The client talks EIP-1193 directly (no provider library): it only needs
 * accounts, the chain id, message signing, sending transactions and reading their receipts.
 */
export interface Wallet {
  address: string;
  chainId: number;
  ethereum: InjectedProvider;
}

function injected(): InjectedProvider {
  if (!window.ethereum) {
    throw new WalletError('No Ethereum wallet found in this browser. Install MetaMask (or another EIP-1193 wallet) and reload the page.');
  }
  return window.ethereum;
}

async function chainIdOf(ethereum: InjectedProvider): Promise<number> {
  return Number(BigInt((await ethereum.request({ method: 'eth_chainId' })) as string));
}

/** Asks the wallet for an account and makes sure it is on the deployment's chain. */
export async function connectWallet(config: WebRuntimeConfig): Promise<Wallet> {
  const ethereum = injected();
  let accounts: string[];
  try {
    accounts = (await ethereum.request({ method: 'eth_requestAccounts' })) as string[];
  } catch (error) {
    throw new WalletError(`The wallet did not share an account (${rpcMessage(error)}). Approve the connection in your wallet and try again.`);
  }
  if (!accounts[0]) throw new WalletError('The wallet has no account: create or unlock one, then connect again.');

  let chainId = await chainIdOf(ethereum);
  if (chainId !== config.chainId) {
    await switchChain(ethereum, config);
    chainId = await chainIdOf(ethereum);
    if (chainId !== config.chainId) {
      throw new WalletError(`The wallet is on chain ${chainId}; switch it to chain ${config.chainId} (${config.rpcUrl}) and connect again.`);
    }
  }
  return { address: getAddress(accounts[0]), chainId, ethereum };
}

async function switchChain(ethereum: InjectedProvider, config: WebRuntimeConfig): Promise<void> {
  const chainId = toQuantity(config.chainId);
  try {
    await ethereum.request({ method: 'wallet_switchEthereumChain', params: [{ chainId }] });
  } catch (error) {
    // 4902: the wallet does not know the chain yet; offer to add it.
    if ((error as { code?: number }).code !== 4902) {
      throw new WalletError(`Switch your wallet to chain ${config.chainId} (${rpcMessage(error)}).`);
    }
    try {
      await ethereum.request({
        method: 'wallet_addEthereumChain',
        params: [{ chainId, chainName: `Health records (${config.chainId})`, rpcUrls: [config.rpcUrl], nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 } }],
      });
    } catch (addError) {
      throw new WalletError(
        `The wallet did not add the deployment's network (${rpcMessage(addError)}). Add it yourself in the wallet — chain id ${config.chainId}, RPC URL ${config.rpcUrl} — or approve the request, then connect again.`,
      );
    }
  }
}

/** Signs a text message with EIP-191 (`personal_sign`), as SIWE requires. */
export async function signMessage(wallet: Wallet, text: string): Promise<string> {
  const hex = `0x${Array.from(new TextEncoder().encode(text), (byte) => byte.toString(16).padStart(2, '0')).join('')}`;
  return (await wallet.ethereum.request({ method: 'personal_sign', params: [hex, wallet.address] })) as string;
}

/** Calls `listener` when the user switches account or chain in the wallet. */
export function onWalletChange(listener: () => void): void {
  window.ethereum?.on?.('accountsChanged', listener);
  window.ethereum?.on?.('chainChanged', listener);
}

/** The wallet's own words for a refused request, or "you rejected it" for EIP-1193 code 4001. */
export function rpcMessage(error: unknown): string {
  const value = error as { code?: number; message?: string; data?: { message?: string } };
  if (value?.code === 4001) return 'you rejected the request in the wallet';
  return value?.data?.message ?? value?.message ?? String(error);
}
