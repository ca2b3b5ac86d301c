import { subtask } from 'hardhat/config';
import { TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD } from 'hardhat/builtin-tasks/task-names';
import type { HardhatUserConfig } from 'hardhat/types';
import '@nomicfoundation/hardhat-ethers';
import '@typechain/hardhat';

const SOLC_VERSION = '0.8.28';

// Hardhat would download solc from the internet; the exactly pinned `solc` npm package ships the
// same compiler as JavaScript, so compiling never needs the network.
subtask(TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD).setAction(async ({ solcVersion }: { solcVersion: string }) => {
  if (solcVersion !== SOLC_VERSION) {
    throw new Error(`Only solc ${SOLC_VERSION} is installed (the \`solc\` npm package); a contract asked for ${solcVersion}.`);
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const solc = require('solc') as { version(): string };
  return {
    compilerPath: require.resolve('solc/soljson.js'),
    isSolcJs: true,
    version: SOLC_VERSION,
    longVersion: solc.version(),
  };
});

const rpcUrl = process.env.RPC_URL;
const deployerKey = process.env.DEPLOYER_PRIVATE_KEY;

const config: HardhatUserConfig = {
  solidity: {
    version: SOLC_VERSION,
    settings: {
      evmVersion: 'cancun',
      viaIR: true,
      optimizer: { enabled: true, runs: 10_000 },
    },
  },
  paths: {
    sources: './contracts/src',
    tests: './test/contracts',
    cache: './cache',
    artifacts: './artifacts',
  },
  networks: {
    hardhat: { hardfork: 'cancun', chainId: 31337 },
    localhost: { url: 'http://127.0.0.1:8545', chainId: 31337 },
    ...(rpcUrl ? { remote: { url: rpcUrl, accounts: deployerKey ? [deployerKey] : [] } } : {}),
  },
  typechain: { outDir: 'typechain-types', target: 'ethers-v6' },
};

export default config;
