/**
 * `npm run deploy -- --network <name>`: deploys the contracts to a Hardhat network and writes
 * deployments/<name>.json and subgraph/networks.json.
 *   REGISTRAR_ADDRESS, AUDITOR_ADDRESS, ADMIN_ADDRESS: role holders (default: the deployer).
 *   GRAPH_NETWORK: the network name for The Graph when it differs from Hardhat's (e.g. `mainnet`).
 */
import hre from 'hardhat';
import { deployHealthRecords, writeDeployment } from '../deploy/deploy';
import { deploymentPath } from '../deployment/deployment';

async function main(): Promise<void> {
  const [deployer] = await hre.ethers.getSigners();
  if (!deployer) {
    throw new Error(
      `Network "${hre.network.name}" has no account to deploy from. Set DEPLOYER_PRIVATE_KEY (and RPC_URL for --network remote).`,
    );
  }
  const network = process.env.GRAPH_NETWORK ?? hre.network.name;
  const { deployment } = await deployHealthRecords(deployer, {
    network,
    admin: process.env.ADMIN_ADDRESS,
    registrar: process.env.REGISTRAR_ADDRESS,
    auditor: process.env.AUDITOR_ADDRESS,
  });
  await writeDeployment(deployment);
  for (const [name, info] of Object.entries(deployment.contracts)) {
    console.log(`${name.padEnd(18)} ${info.address}  (block ${info.blockNumber})`);
  }
  console.log(`Wrote ${deploymentPath(network)} and subgraph/networks.json`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
