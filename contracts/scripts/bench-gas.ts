/**
 * `npm run bench:gas [-- --json]`: gas used by each user-facing operation on Hardhat's in-process
 * network, with realistic inputs (random 32-byte ids and hashes). Each operation runs several times on
 * fresh inputs; the figure is the highest gasUsed seen (the cost a user can be charged at most).
 * With --json, prints only one JSON object mapping operation to gas.
 */
import hre from 'hardhat';
import { time } from '@nomicfoundation/hardhat-network-helpers';
import type { ContractTransactionResponse } from 'ethers';
import { deployHealthRecords } from '../deploy/deploy';
import { CONSENT_GRANT_TYPES, consentDomain, consentGrantMessage } from '../deployment/consent-grant';
import { code16, code32, random32 } from '../deployment/codes';

const RUNS = 5;

/** Upper bounds the project commits to (issue "Foundation"); operations without one are reported only. */
const BOUNDS: Record<string, number> = {
  'anchorRecord.patient': 60_000,
  'anchorRecord.provider': 75_000,
  amendRecord: 45_000,
  'grantConsent.new': 55_000,
  revokeConsent: 35_000,
  grantConsentBySig: 85_000,
};

async function gasOf(tx: Promise<ContractTransactionResponse>): Promise<number> {
  const receipt = await (await tx).wait();
  if (!receipt) throw new Error('transaction not mined');
  return Number(receipt.gasUsed);
}

async function main(): Promise<void> {
  const json = process.argv.includes('--json');
  const signers = await hre.ethers.getSigners();
  const [admin, patient, guardian, provider, relayer] = signers;
  const { contracts } = await deployHealthRecords(admin!, { network: 'hardhat' });
  const { directory, consents, records, audit } = contracts;
  const zero = `0x${'00'.repeat(32)}`;
  const observation = code32('Observation');
  const inAMonth = async () => BigInt(await time.latest()) + 30n * 86_400n;

  await directory.verifyMember(provider!.address, 1, random32());
  await consents.connect(patient!).appointGuardian(guardian!.address, 0);
  await consents.connect(patient!).grantConsent({
    patient: patient!.address,
    grantee: provider!.address,
    scope: observation,
    access: 3,
    purpose: code16('TREAT'),
    expiresAt: await inAMonth(),
  });

  const ops: Record<string, () => Promise<number>> = {
    'anchorRecord.patient': () =>
      gasOf(records.connect(patient!).anchorRecord(random32(), patient!.address, observation, random32(), zero)),
    'anchorRecord.provider': () =>
      gasOf(records.connect(provider!).anchorRecord(random32(), patient!.address, observation, random32(), zero)),
    amendRecord: async () => {
      const id = random32();
      const first = random32();
      await records.connect(patient!).anchorRecord(id, patient!.address, observation, first, zero);
      return gasOf(records.connect(patient!).amendRecord(id, patient!.address, observation, first, random32()));
    },
    eraseRecord: async () => {
      const id = random32();
      const commitment = random32();
      await records.connect(patient!).anchorRecord(id, patient!.address, observation, commitment, zero);
      return gasOf(records.connect(patient!).eraseRecord(id, patient!.address, observation, commitment));
    },
    'grantConsent.new': async () =>
      gasOf(
        consents.connect(patient!).grantConsent({
          patient: patient!.address,
          grantee: hre.ethers.Wallet.createRandom().address,
          scope: observation,
          access: 1,
          purpose: code16('TREAT'),
          expiresAt: await inAMonth(),
        }),
      ),
    'grantConsent.renew': async () =>
      gasOf(
        consents.connect(patient!).grantConsent({
          patient: patient!.address,
          grantee: provider!.address,
          scope: observation,
          access: 3,
          purpose: code16('TREAT'),
          expiresAt: (await inAMonth()) + 86_400n,
        }),
      ),
    revokeConsent: async () => {
      const grantee = hre.ethers.Wallet.createRandom().address;
      const terms = { patient: patient!.address, grantee, scope: observation, access: 1, purpose: code16('TREAT'), expiresAt: await inAMonth() };
      await consents.connect(patient!).grantConsent(terms);
      return gasOf(consents.connect(patient!).revokeConsent(patient!.address, grantee, observation));
    },
    grantConsentBySig: async () => {
      // A patient's first signed consent: the nonce slot is written for the first time (the dearest case).
      const signer = hre.ethers.Wallet.createRandom();
      const terms = {
        patient: signer.address,
        grantee: provider!.address,
        scope: observation,
        access: 1,
        purpose: code16('TREAT'),
        expiresAt: await inAMonth(),
      };
      const deadline = BigInt(await time.latest()) + 3600n;
      const { chainId } = await hre.ethers.provider.getNetwork();
      const signature = await signer.signTypedData(
        consentDomain(chainId, await consents.getAddress()),
        CONSENT_GRANT_TYPES,
        consentGrantMessage(terms, 0n, deadline),
      );
      return gasOf(consents.connect(relayer!).grantConsentBySig(terms, deadline, signature));
    },
    appointGuardian: () => gasOf(consents.connect(patient!).appointGuardian(hre.ethers.Wallet.createRandom().address, 0)),
    proposeTreatment: () => gasOf(records.connect(provider!).proposeTreatment(random32(), patient!.address, random32())),
    decideTreatment: async () => {
      const id = random32();
      await records.connect(provider!).proposeTreatment(id, patient!.address, random32());
      return gasOf(records.connect(guardian!).decideTreatment(id, true));
    },
    openEmergencyAccess: () => gasOf(consents.connect(provider!).openEmergencyAccess(hre.ethers.Wallet.createRandom().address, code32('UNCONSCIOUS'))),
    anchorAuditBatch: async () => {
      const now = BigInt(await time.latest());
      return gasOf(audit.anchorAuditBatch(random32(), 250, now - 3600n, now));
    },
  };

  const results: Record<string, number> = {};
  for (const [name, op] of Object.entries(ops)) {
    let highest = 0;
    for (let run = 0; run < RUNS; run += 1) highest = Math.max(highest, await op());
    results[name] = highest;
  }

  if (json) {
    process.stdout.write(`${JSON.stringify(results)}\n`);
  } else {
    console.log(`Gas used (highest of ${RUNS} runs with fresh random inputs):\n`);
    console.log(`${'operation'.padEnd(24)}${'gas'.padStart(9)}${'bound'.padStart(9)}  `);
    for (const [name, gas] of Object.entries(results)) {
      const bound = BOUNDS[name];
      const verdict = bound === undefined ? '' : gas <= bound ? 'ok' : 'OVER';
      console.log(`${name.padEnd(24)}${String(gas).padStart(9)}${(bound ? String(bound) : '-').padStart(9)}  ${verdict}`);
    }
  }
  const over = Object.entries(BOUNDS).filter(([name, bound]) => results[name]! > bound);
  if (over.length > 0) {
    console.error(`Over the gas bound: ${over.map(([name]) => name).join(', ')}`);
    process.exitCode = 1;
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
