import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { REPO_ROOT } from './repo-root';
import type { Provider, Signer } from 'ethers';
import {
  AuditAnchor__factory,
  ConsentManager__factory,
  ProviderDirectory__factory,
  RecordRegistry__factory,
  type AuditAnchor,
  type ConsentManager,
  type ProviderDirectory,
  type RecordRegistry,
} from '../../typechain-types';

/*
 * The deployment format: what `deployments/<network>.json` holds, where it is, how to read it and how to
 * bind its contracts. Clients of the deployed contracts (the API, the launcher) import this; only the
 * deploy procedure (contracts/deploy/deploy.ts) writes it.
 */

/** The contracts of the system, by the names their artifacts and the subgraph use. */
export const CONTRACT_NAMES = ['ProviderDirectory', 'ConsentManager', 'RecordRegistry', 'AuditAnchor'] as const;
export type ContractName = (typeof CONTRACT_NAMES)[number];

export interface DeployedContract {
  address: string;
  /** Block of the deployment transaction: where indexing starts. */
  blockNumber: number;
  transactionHash: string;
}

/** What `deployments/<network>.json` holds. */
export interface Deployment {
  network: string;
  chainId: number;
  deployer: string;
  roles: { admin: string; registrar: string; auditor: string };
  contracts: Record<ContractName, DeployedContract>;
}

export interface HealthRecordsContracts {
  directory: ProviderDirectory;
  consents: ConsentManager;
  records: RecordRegistry;
  audit: AuditAnchor;
}

/** Binds the deployed contracts of a deployment file to a signer or provider. */
export function attachHealthRecords(deployment: Deployment, runner: Signer | Provider): HealthRecordsContracts {
  const at = deployment.contracts;
  return {
    directory: ProviderDirectory__factory.connect(at.ProviderDirectory.address, runner),
    consents: ConsentManager__factory.connect(at.ConsentManager.address, runner),
    records: RecordRegistry__factory.connect(at.RecordRegistry.address, runner),
    audit: AuditAnchor__factory.connect(at.AuditAnchor.address, runner),
  };
}

export { REPO_ROOT };

export function deploymentPath(network: string, root = REPO_ROOT): string {
  return path.join(root, 'deployments', `${network}.json`);
}

/** Reads `deployments/<network>.json`, with a message that says how to make it when it is missing. */
export async function readDeployment(network: string, root = REPO_ROOT): Promise<Deployment> {
  const file = deploymentPath(network, root);
  try {
    return JSON.parse(await readFile(file, 'utf8')) as Deployment;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new Error(`No deployment for network "${network}" (${file}). Run \`npm run deploy -- --network ${network}\` first.`);
    }
    throw error;
  }
}
