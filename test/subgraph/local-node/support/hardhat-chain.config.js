// Hardhat configuration of the throwaway chains the local subgraph node's tests and benchmark start
// with `hardhat node`: no sources of its own (fixture contracts are compiled with solc and deployed
// over JSON-RPC), the project's chain id and hardfork.
module.exports = {
  solidity: '0.8.28',
  paths: { sources: './no-sources', cache: '../../../../cache/local-node-chain', artifacts: '../../../../cache/local-node-chain/artifacts' },
  networks: {
    hardhat: {
      chainId: 31337,
      hardfork: 'cancun',
      // Room for benchmark transactions that emit hundreds of events.
      blockGasLimit: 60_000_000,
      allowUnlimitedContractSize: false,
    },
  },
};
