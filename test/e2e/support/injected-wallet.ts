import { JsonRpcProvider, Transaction, Wallet, getAddress, getBytes, isHexString, toQuantity, type TypedDataField } from 'ethers';
import type { BrowserContext } from 'playwright-core';

/**
 * MetaMask, replaced for the browser tests by a real EIP-1193 provider: `window.ethereum` in the page
 * forwards each request to this Node side, which answers account and signing methods with a test
 * key (personal_sign, eth_signTypedData_v4, eth_sendTransaction signed here and sent raw) and passes
 * every other method to the chain's JSON-RPC endpoint. Nothing is stubbed: transactions and
 * signatures are real, and a refused call reaches the page as the EIP-1193 error the chain gave.
 */
export class InjectedWallet {
  private readonly wallet: Wallet;
  private readonly provider: JsonRpcProvider;
  /** Transactions are signed one at a time, each with the chain's current pending nonce. */
  private queue: Promise<unknown> = Promise.resolve();

  /** The chain the wallet says it is on: the deployment's, unless it starts on another one it does not know the deployment's chain from. */
  private currentChainId: number;

  constructor(
    private readonly rpcUrl: string,
    private readonly chainId: number,
    privateKey: string,
    /** `startOnChain`: a wallet on another network that lacks the deployment's and whose user refuses to add it (EIP-1193 4001). */
    private readonly options: { startOnChain?: number } = {},
  ) {
    this.provider = new JsonRpcProvider(rpcUrl, chainId, { staticNetwork: true, batchMaxCount: 1 });
    this.wallet = new Wallet(privateKey);
    this.currentChainId = options.startOnChain ?? chainId;
  }

  get address(): string {
    return this.wallet.address;
  }

  /** Installs `window.ethereum` in every page of `context` before the page's scripts run. */
  async install(context: BrowserContext): Promise<void> {
    await context.exposeBinding('__e2eWalletRequest', async (_source, method: string, params: unknown[]) => {
      try {
        return { result: await this.request(method, params ?? []) };
      } catch (error) {
        const value = error as { code?: number; message?: string; data?: unknown; info?: { error?: { code?: number; message?: string; data?: unknown } } };
        const inner = value.info?.error;
        return { error: { code: inner?.code ?? value.code ?? -32603, message: inner?.message ?? value.message ?? String(error), data: inner?.data ?? value.data } };
      }
    });
    await context.addInitScript(INJECTED_PROVIDER_SOURCE);
  }

  private async request(method: string, params: unknown[]): Promise<unknown> {
    switch (method) {
      case 'eth_requestAccounts':
      case 'eth_accounts':
        return [this.wallet.address];
      case 'eth_chainId':
        return toQuantity(this.currentChainId);
      case 'net_version':
        return String(this.currentChainId);
      case 'wallet_switchEthereumChain': {
        const wanted = Number(BigInt((params[0] as { chainId: string }).chainId));
        if (wanted !== this.chainId || this.options.startOnChain !== undefined) throw Object.assign(new Error(`Unrecognized chain ID ${toQuantity(wanted)}.`), { code: 4902 });
        this.currentChainId = wanted;
        return null;
      }
      case 'wallet_addEthereumChain':
        // MetaMask's words when the user presses Cancel.
        throw Object.assign(new Error('User rejected the request.'), { code: 4001 });
      case 'personal_sign': {
        const [data, address] = params as [string, string];
        this.checkAccount(address);
        return this.wallet.signMessage(isHexString(data) ? getBytes(data) : data);
      }
      case 'eth_signTypedData_v4': {
        const [address, json] = params as [string, string];
        this.checkAccount(address);
        const typed = JSON.parse(json) as { domain: Record<string, unknown>; types: Record<string, TypedDataField[]>; message: Record<string, unknown> };
        const { EIP712Domain: _domain, ...types } = typed.types;
        return this.wallet.signTypedData(typed.domain, types, typed.message);
      }
      case 'eth_sendTransaction':
        return this.serialized(() => this.sendTransaction(params[0] as Record<string, string | undefined>));
      default:
        return this.provider.send(method, params);
    }
  }

  private checkAccount(address: string): void {
    if (getAddress(address) !== this.wallet.address) {
      throw Object.assign(new Error(`The wallet holds ${this.wallet.address}, not ${address}.`), { code: 4100 });
    }
  }

  private serialized<T>(run: () => Promise<T>): Promise<T> {
    const next = this.queue.then(run, run);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async sendTransaction(request: Record<string, string | undefined>): Promise<string> {
    if (request.from) this.checkAccount(request.from);
    const from = this.wallet.address;
    const call = { from, to: request.to, data: request.data ?? '0x', value: request.value ?? '0x0' };
    const [nonce, gas, fees] = await Promise.all([
      this.provider.send('eth_getTransactionCount', [from, 'pending']) as Promise<string>,
      request.gas ? Promise.resolve(request.gas) : (this.provider.send('eth_estimateGas', [call]) as Promise<string>),
      this.provider.getFeeData(),
    ]);
    const transaction = Transaction.from({
      type: 2,
      chainId: this.chainId,
      nonce: Number(BigInt(nonce)),
      to: request.to ?? null,
      data: call.data,
      value: BigInt(call.value),
      gasLimit: (BigInt(gas) * 12n) / 10n,
      maxFeePerGas: fees.maxFeePerGas ?? 2_000_000_000n,
      maxPriorityFeePerGas: fees.maxPriorityFeePerGas ?? 1_000_000_000n,
    });
    const signed = await this.wallet.signTransaction(transaction);
    return (await this.provider.send('eth_sendRawTransaction', [signed])) as string;
  }

  destroy(): void {
    this.provider.destroy();
  }
}

/** The page side: an EIP-1193 provider object whose `request` goes through the exposed binding. */
const INJECTED_PROVIDER_SOURCE = `
(() => {
  const listeners = {};
  const provider = {
    isMetaMask: false,
    isE2eWallet: true,
    async request({ method, params }) {
      const reply = await window.__e2eWalletRequest(method, params || []);
      if (reply.error) {
        const error = new Error(reply.error.message);
        error.code = reply.error.code;
        error.data = reply.error.data;
        throw error;
      }
      if (method === 'eth_requestAccounts' || method === 'eth_accounts') provider.selectedAddress = reply.result[0];
      return reply.result;
    },
    on(event, listener) { (listeners[event] = listeners[event] || []).push(listener); return provider; },
    removeListener(event, listener) { listeners[event] = (listeners[event] || []).filter((l) => l !== listener); return provider; },
  };
  window.__e2eWalletEmit = (event, value) => (listeners[event] || []).forEach((listener) => listener(value));
  window.ethereum = provider;
  window.dispatchEvent(new Event('ethereum#initialized'));
})();
`;
