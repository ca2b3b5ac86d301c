import { HDNodeWallet, Mnemonic, type Provider, Wallet } from 'ethers';

/**
 * Hardhat's well-known test mnemonic. Its keys are public: TEST ONLY, never send real funds to them.
 * The embedded chain funds the first twenty accounts with 10,000 ETH each.
 */
export const TEST_MNEMONIC = 'test test test test test test test test test test test junk';

export type DemoRole = 'admin' | 'registrar' | 'auditor' | 'relayer' | 'patient' | 'guardian' | 'provider' | 'researcher';

export interface DemoAccount {
  /** Index on Hardhat's derivation path m/44'/60'/0'/0/<index>. */
  index: number;
  name: string;
  role: DemoRole;
  /** What the account is for in the demo. */
  note: string;
}

/** Who is who in the demo, by account index. Administrative keys come first, people after. */
export const DEMO_ACCOUNTS = [
  { index: 0, name: 'Deployer', role: 'admin', note: 'deploys the contracts, admin of every contract' },
  { index: 1, name: 'Registrar', role: 'registrar', note: 'verifies providers and researchers' },
  { index: 2, name: 'Auditor', role: 'auditor', note: "the API's key that anchors audit batches" },
  { index: 3, name: 'Relayer', role: 'relayer', note: "the API's key that relays signed consents" },
  { index: 4, name: 'Alice Martin', role: 'patient', note: 'adult patient with records and consents' },
  { index: 5, name: 'Bob Okafor', role: 'patient', note: 'adult patient' },
  { index: 6, name: 'Carla Lopez', role: 'guardian', note: "Dani's parent and guardian" },
  { index: 7, name: 'Dani Lopez', role: 'patient', note: 'minor patient, acted for by Carla' },
  { index: 8, name: 'Dr. Eva Novak', role: 'provider', note: 'general practitioner' },
  { index: 9, name: 'Dr. Femi Adeyemi', role: 'provider', note: 'paediatrician' },
  { index: 10, name: 'Grace Chen', role: 'researcher', note: 'verified researcher' },
] as const satisfies readonly DemoAccount[];

export type DemoAccountName = (typeof DEMO_ACCOUNTS)[number]['name'];

/** The test wallet of account `index` on Hardhat's mnemonic. */
export function testWallet(index: number, provider?: Provider): Wallet {
  const node = HDNodeWallet.fromMnemonic(Mnemonic.fromPhrase(TEST_MNEMONIC), `m/44'/60'/0'/0/${index}`);
  return new Wallet(node.privateKey, provider);
}

/** Each demo account with its address and test-only private key. */
export function demoWallets(provider?: Provider): Array<DemoAccount & { address: string; privateKey: string; wallet: Wallet }> {
  return DEMO_ACCOUNTS.map((account) => {
    const wallet = testWallet(account.index, provider);
    return { ...account, address: wallet.address, privateKey: wallet.privateKey, wallet };
  });
}

/** The demo account with this role and name fragment, e.g. `demoAccount('guardian')`. */
export function demoAccountIndex(role: DemoRole, nth = 0): number {
  const matches = DEMO_ACCOUNTS.filter((account) => account.role === role);
  const found = matches[nth];
  if (!found) throw new Error(`The demo has no ${role} number ${nth + 1}.`);
  return found.index;
}
