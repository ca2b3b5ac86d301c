/**
 * Transactions against the indexer fixture's contracts (test/subgraph/fixtures/indexer-fixture):
 * deploys `Registry` at the address the fixture manifest names, and sends the transactions the
 * tests assert on.
 */
import { Contract, getCreateAddress, type ContractTransactionResponse } from 'ethers';
import type { BuiltFixture } from './fixture-subgraph';
import type { HardhatChain } from './hardhat-chain';

/** Where the fixture manifest expects Registry: the first deployment of Hardhat's account #0. */
export const REGISTRY_ADDRESS = '0x5FbDB2315678afecb367f032d93F642f64180aa3';

export async function deployRegistry(chain: HardhatChain, fixture: BuiltFixture): Promise<Contract> {
  const { abi, bytecode } = fixture.contracts.Registry;
  const registry = await chain.deploy(abi as never, bytecode);
  const address = await registry.getAddress();
  if (address !== REGISTRY_ADDRESS) {
    throw new Error(`Registry landed at ${address}, not at ${REGISTRY_ADDRESS} that the fixture manifest names: the chain was not fresh`);
  }
  return registry;
}

export async function mined(tx: Promise<ContractTransactionResponse>): Promise<number> {
  const receipt = await (await tx).wait();
  return receipt!.blockNumber;
}

/** The address of the `nonce`-th contract Registry creates (contract nonces start at 1). */
export function childAddress(nonce: number): string {
  return getCreateAddress({ from: REGISTRY_ADDRESS, nonce });
}

export function childContract(chain: HardhatChain, fixture: BuiltFixture, address: string, signerIndex: number): Promise<Contract> {
  return chain.signer(signerIndex).then((signer) => new Contract(address, fixture.contracts.Child.abi as never, signer));
}
