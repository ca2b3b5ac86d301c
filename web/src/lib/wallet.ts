import { BrowserProvider, getAddress, toQuantity, type Eip1193Provider, type JsonRpcSigner } from 'ethers';
import type { ClientConfig } from './config';

/** An EIP-1193 provider with the event methods MetaMask and most wallets add. */
export interface InjectedProvider extends Eip1193Provider {
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

/** The connected wallet: its account and a signer for transactions and messages. */
export interface Wallet {
  address: string;
  chainId: number;
  provider: BrowserProvider;
  signer: JsonRpcSigner;
}

function injected(): InjectedProvider {
  if (!window.ethereum) {
    throw new WalletError('No Ethereum wallet found in this browser. Install MetaMask (or another EIP-1193 wallet) and reload the page.');
  }
  return window.ethereum;
}

/** Asks the wallet for an account and makes sure it is on the deployment's chain. */
export async function connectWallet(config: ClientConfig): Promise<Wallet> {
  const ethereum = injected();
  let accounts: string[];
  try {
    accounts = (await ethereum.request({ method: 'eth_requestAccounts' })) as string[];
  } catch (error) {
    throw new WalletError(`The wallet did not share an account (${rpcMessage(error)}). Approve the connection in your wallet and try again.`);
  }
  if (!accounts[0]) throw new WalletError('The wallet has no account: create or unlock one, then connect again.');

  let chainId = Number(BigInt((await ethereum.request({ method: 'eth_chainId' })) as string));
  if (chainId !== config.chainId) {
    await switchChain(ethereum, config);
    chainId = Number(BigInt((await ethereum.request({ method: 'eth_chainId' })) as string));
    if (chainId !== config.chainId) {
      throw new WalletError(`The wallet is on chain ${chainId}; switch it to chain ${config.chainId} (${config.rpcUrl}) and connect again.`);
    }
  }
  const provider = new BrowserProvider(ethereum, chainId);
  const address = getAddress(accounts[0]);
  return { address, chainId, provider, signer: await provider.getSigner(address) };
}

async function switchChain(ethereum: InjectedProvider, config: ClientConfig): Promise<void> {
  const chainId = toQuantity(config.chainId);
  try {
    await ethereum.request({ method: 'wallet_switchEthereumChain', params: [{ chainId }] });
  } catch (error) {
    // 4902: the wallet does not know the chain yet; offer to add it.
    if ((error as { code?: number }).code !== 4902) {
      throw new WalletError(`Switch your wallet to chain ${config.chainId} (${rpcMessage(error)}).`);
    }
    await ethereum.request({
      method: 'wallet_addEthereumChain',
      params: [{ chainId, chainName: `Health records (${config.chainId})`, rpcUrls: [config.rpcUrl], nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 } }],
    });
  }
}

/** Calls `listener` when the user switches account or chain in the wallet. */
export function onWalletChange(listener: () => void): void {
  window.ethereum?.on?.('accountsChanged', listener);
  window.ethereum?.on?.('chainChanged', listener);
}

export function rpcMessage(error: unknown): string {
  const value = error as { code?: number; shortMessage?: string; message?: string; info?: { error?: { message?: string } } };
  if (value?.code === 4001 || value?.code === ('ACTION_REJECTED' as unknown as number)) return 'you rejected the request in the wallet';
  return value?.info?.error?.message ?? value?.shortMessage ?? value?.message ?? String(error);
}
