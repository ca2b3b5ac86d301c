import { FetchRequest, JsonRpcProvider, NonceManager, Wallet, type Signer } from 'ethers';
import { attachHealthRecords, type Deployment, type HealthRecordsContracts } from '../../../contracts/deployment/deployment';

/**
 * The API's connection to the chain: read-only contract views for authorization (always at the latest
 * block), the relayer that sends patients' signed consents, and the auditor that anchors audit batches.
 */
export interface Chain {
  provider: JsonRpcProvider;
  chainId: number;
  deployment: Deployment;
  /** The contracts bound to the provider: views only. */
  views: HealthRecordsContracts;
  /** The relayer's key (nonces managed locally) and the contracts bound to it. */
  relayer: { address: string; signer: Signer; contracts: HealthRecordsContracts };
  /** The auditor's key and the contracts bound to it. */
  auditor: { address: string; signer: Signer; contracts: HealthRecordsContracts };
  close(): void;
}

export interface ChainOptions {
  rpcUrl: string;
  deployment: Deployment;
  relayerPrivateKey: string;
  auditorPrivateKey: string;
  /** How long one JSON-RPC request may take before it fails (default 5000 ms). */
  chainTimeoutMs?: number;
}

/**
 * Connects to `rpcUrl`. The network is fixed to the deployment's chain id (no chain-id request per
 * call), JSON-RPC batching is off (authorization views are on every request's critical path, and
 * ethers' batching would hold each call back for its stall time) and so is ethers' response cache.
 */
export function connectChain(options: ChainOptions): Chain {
  const request = new FetchRequest(options.rpcUrl);
  request.timeout = options.chainTimeoutMs ?? 5_000;
  const provider = new JsonRpcProvider(request, options.deployment.chainId, {
    staticNetwork: true,
    // ethers would answer an identical call from a 250 ms cache: an authorization view must never be stale.
    cacheTimeout: -1,
    batchMaxCount: 1,
    batchStallTime: 0,
    polling: true,
    pollingInterval: 500,
  });
  const relayerWallet = new NonceManager(new Wallet(options.relayerPrivateKey, provider));
  const auditorWallet = new NonceManager(new Wallet(options.auditorPrivateKey, provider));
  return {
    provider,
    chainId: options.deployment.chainId,
    deployment: options.deployment,
    views: attachHealthRecords(options.deployment, provider),
    relayer: {
      address: new Wallet(options.relayerPrivateKey).address,
      signer: relayerWallet,
      contracts: attachHealthRecords(options.deployment, relayerWallet),
    },
    auditor: {
      address: new Wallet(options.auditorPrivateKey).address,
      signer: auditorWallet,
      contracts: attachHealthRecords(options.deployment, auditorWallet),
    },
    close() {
      provider.destroy();
    },
  };
}
