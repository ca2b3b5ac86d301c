import { JsonRpcProvider, NonceManager, Wallet } from 'ethers';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { deployHealthRecords, writeDeployment } from '../../contracts/deploy/deploy';
import { CONTRACT_NAMES, deploymentPath, readDeployment, type Deployment } from '../../contracts/deployment/deployment';
import { testWallet } from './demo-accounts';
import type { StackChain } from './chain';

export interface DeployStepOptions {
  chain: StackChain;
  /** Deployment and subgraph network name (e.g. `localhost`). */
  network: string;
  /** Key to deploy with on a chain the stack did not start. */
  deployerKey?: string;
  /**
   * Where the deployment on the embedded chain is kept with the chain's state: reused from there when
   * its contracts are on the chain (a restart), else written there after deploying.
   */
  keptDeploymentFile?: string;
  log: (line: string) => void;
}

/** Whether every contract of `deployment` has code on the chain. */
async function deployedOn(provider: JsonRpcProvider, deployment: Deployment): Promise<boolean> {
  for (const name of CONTRACT_NAMES) {
    if ((await provider.getCode(deployment.contracts[name].address)) === '0x') return false;
  }
  return true;
}

/**
 * Makes sure the contracts are on the chain and `deployments/<network>.json` and
 * `subgraph/networks.json` describe them. The embedded chain reuses the deployment kept with its
 * state, or gets a fresh one (the deployer, registrar and auditor are test accounts 0, 1, 2); on another
 * chain an existing deployment file is reused when its contracts have code there, else
 * `DEPLOYER_PRIVATE_KEY` deploys.
 */
export async function ensureDeployment(options: DeployStepOptions): Promise<Deployment> {
  const provider = new JsonRpcProvider(options.chain.url, options.chain.chainId, { staticNetwork: true });
  const kept = options.keptDeploymentFile;
  try {
    if (options.chain.embedded && kept && existsSync(kept)) {
      const existing = JSON.parse(await readFile(kept, 'utf8')) as Deployment;
      if (existing.network === options.network && (await deployedOn(provider, existing))) {
        await writeDeployment(existing);
        options.log(`kept from the previous run (${kept}); wrote ${deploymentPath(options.network)} and subgraph/networks.json`);
        return existing;
      }
      options.log(`${kept} names contracts that are not on the chain; deploying again`);
    }
    if (!options.chain.embedded && existsSync(deploymentPath(options.network))) {
      const existing = await readDeployment(options.network);
      if (existing.chainId === options.chain.chainId && (await deployedOn(provider, existing))) {
        options.log(`using the deployment in ${deploymentPath(options.network)}`);
        return existing;
      }
      options.log(`${deploymentPath(options.network)} names contracts that are not on ${options.chain.url}`);
    }

    let deployer: Wallet;
    let registrar: string | undefined;
    let auditor: string | undefined;
    if (options.chain.embedded) {
      deployer = testWallet(0, provider);
      registrar = testWallet(1).address;
      auditor = testWallet(2).address;
    } else if (options.deployerKey) {
      deployer = new Wallet(options.deployerKey, provider);
    } else {
      throw new Error(
        `No deployment of the contracts on chain ${options.chain.chainId} at ${options.chain.url}: set DEPLOYER_PRIVATE_KEY to deploy them, ` +
          `or run \`npm run deploy -- --network ${options.network}\` first.`,
      );
    }
    const { deployment } = await deployHealthRecords(new NonceManager(deployer), { network: options.network, registrar, auditor });
    await writeDeployment(deployment);
    if (options.chain.embedded && kept) {
      await mkdir(path.dirname(kept), { recursive: true });
      await writeFile(kept, `${JSON.stringify(deployment, null, 2)}\n`);
    }
    options.log(`wrote ${deploymentPath(options.network)} and subgraph/networks.json`);
    for (const name of CONTRACT_NAMES) {
      options.log(`${name.padEnd(18)} ${deployment.contracts[name].address} (block ${deployment.contracts[name].blockNumber})`);
    }
    return deployment;
  } finally {
    provider.destroy();
  }
}
