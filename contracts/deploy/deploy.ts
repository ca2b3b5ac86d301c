import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ContractTransactionResponse, Signer } from 'ethers';
import {
  AuditAnchor__factory,
  ConsentManager__factory,
  ProviderDirectory__factory,
  RecordRegistry__factory,
} from '../../typechain-types';
import {
  CONTRACT_NAMES,
  deploymentPath,
  REPO_ROOT,
  type DeployedContract,
  type Deployment,
  type HealthRecordsContracts,
} from '../deployment/deployment';

export interface DeployOptions {
  /** Name written into the deployment and networks.json (e.g. `localhost`, `sepolia`). */
  network: string;
  /** Admin of every contract; default: the deployer. */
  admin?: string;
  /** Registrar of the provider directory; default: the admin. */
  registrar?: string;
  /** The API's auditor key; default: the admin. */
  auditor?: string;
}

async function mined(
  contract: { deploymentTransaction(): ContractTransactionResponse | null; getAddress(): Promise<string> },
): Promise<DeployedContract> {
  const tx = contract.deploymentTransaction();
  if (!tx) throw new Error('A contract was attached, not deployed: no deployment transaction to read.');
  const receipt = await tx.wait();
  if (!receipt) throw new Error(`Deployment transaction ${tx.hash} was not mined.`);
  return { address: await contract.getAddress(), blockNumber: receipt.blockNumber, transactionHash: tx.hash };
}

/**
 * Deploys the four contracts with `deployer` and wires them together. Tests, the deploy script and the
 * local stack all deploy through this one function.
 */
export async function deployHealthRecords(
  deployer: Signer,
  options: DeployOptions,
): Promise<{ deployment: Deployment; contracts: HealthRecordsContracts }> {
  const deployerAddress = await deployer.getAddress();
  const admin = options.admin ?? deployerAddress;
  const registrar = options.registrar ?? admin;
  const auditor = options.auditor ?? admin;
  const { chainId } = await deployer.provider!.getNetwork();

  const directory = await new ProviderDirectory__factory(deployer).deploy(admin, registrar);
  const directoryInfo = await mined(directory);
  const consents = await new ConsentManager__factory(deployer).deploy(directoryInfo.address, admin);
  const consentsInfo = await mined(consents);
  const records = await new RecordRegistry__factory(deployer).deploy(consentsInfo.address, directoryInfo.address);
  const recordsInfo = await mined(records);
  const audit = await new AuditAnchor__factory(deployer).deploy(admin, auditor);
  const auditInfo = await mined(audit);

  return {
    deployment: {
      network: options.network,
      chainId: Number(chainId),
      deployer: deployerAddress,
      roles: { admin, registrar, auditor },
      contracts: {
        ProviderDirectory: directoryInfo,
        ConsentManager: consentsInfo,
        RecordRegistry: recordsInfo,
        AuditAnchor: auditInfo,
      },
    },
    contracts: { directory, consents, records, audit },
  };
}

/**
 * Writes `deployments/<network>.json` and this network's entry of `subgraph/networks.json` (The Graph's
 * format: `{ network: { Contract: { address, startBlock } } }`, other networks kept).
 */
export async function writeDeployment(deployment: Deployment, root = REPO_ROOT): Promise<void> {
  await mkdir(path.join(root, 'deployments'), { recursive: true });
  await writeFile(deploymentPath(deployment.network, root), `${JSON.stringify(deployment, null, 2)}\n`);

  const networksFile = path.join(root, 'subgraph', 'networks.json');
  let networks: Record<string, unknown> = {};
  try {
    networks = JSON.parse(await readFile(networksFile, 'utf8')) as Record<string, unknown>;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  networks[deployment.network] = Object.fromEntries(
    CONTRACT_NAMES.map((name) => [
      name,
      { address: deployment.contracts[name].address, startBlock: deployment.contracts[name].blockNumber },
    ]),
  );
  await mkdir(path.dirname(networksFile), { recursive: true });
  await writeFile(networksFile, `${JSON.stringify(networks, null, 2)}\n`);
}

