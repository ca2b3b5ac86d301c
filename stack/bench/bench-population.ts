/**
 * What `bench:api` reads: the demo (`seedDemo`, as `npm start` seeds it) plus a provider's practice of
 * `patients` patients with `recordsPerPatient` Observation records each. Every patient grants the
 * demo's general practitioner a read and write consent; the practitioner's records are prepared by the
 * API (FHIR validated, encrypted, stored) and anchored on-chain by the practitioner, many transactions
 * per block, as a busy practice would. Nothing here is timed.
 */
import { JsonRpcProvider, encodeBytes32String, toUtf8Bytes, zeroPadBytes } from 'ethers';
import { attachHealthRecords, type Deployment } from '../../contracts/deployment/deployment';
import { ApiClient } from '../demo/api-client';
import { demoAccountIndex, testWallet } from '../chain/demo-accounts';
import { seedDemo } from '../demo/demo-seed';
import { rpc } from './project-chain';

export interface BenchPopulation {
  /** The signed-in provider who reads the pages. */
  provider: ApiClient;
  providerAddress: string;
  /** Patients' addresses (checksummed), each with `recordsPerPatient` Observation records. */
  patients: string[];
}

/** Mnemonic accounts of the bench's patients: past the twenty the chain funds, funded here. */
const FIRST_PATIENT_INDEX = 100;
/** Observations anchored per block (an anchor under a consent costs about 64,000 gas). */
const ANCHORS_PER_BLOCK = 200;

function observation(patient: string, n: number) {
  return {
    resourceType: 'Observation',
    status: 'final',
    code: { coding: [{ system: 'http://loinc.org', code: '2339-0', display: 'Glucose [Mass/volume] in Blood' }] },
    subject: { reference: `Patient/${patient.toLowerCase()}` },
    effectiveDateTime: new Date(Date.UTC(2026, 0, 1) + n * 3_600_000).toISOString(),
    valueQuantity: { value: 70 + (n % 60), unit: 'mg/dL', system: 'http://unitsofmeasure.org', code: 'mg/dL' },
  };
}

/** Runs `task` over `items` with at most `limit` in flight. */
async function eachLimited<T>(items: readonly T[], limit: number, task: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) {
        const index = next++;
        await task(items[index]!, index);
      }
    }),
  );
}

export async function seedBenchPopulation(options: {
  rpcUrl: string;
  chainId: number;
  deployment: Deployment;
  apiOrigin: string;
  patients: number;
  recordsPerPatient: number;
  log: (line: string) => void;
}): Promise<BenchPopulation> {
  const { rpcUrl, deployment, log } = options;
  log('seeding the demo');
  await seedDemo({ rpcUrl, chainId: options.chainId, deployment, apiOrigin: options.apiOrigin, log: (line) => log(`demo: ${line}`) });

  const provider = new JsonRpcProvider(rpcUrl, options.chainId, { staticNetwork: true, pollingInterval: 50, cacheTimeout: -1 });
  const doctorWallet = testWallet(demoAccountIndex('provider'), provider);
  const doctor = doctorWallet.address;
  const patients = Array.from({ length: options.patients }, (_, i) => testWallet(FIRST_PATIENT_INDEX + i, provider));

  log(`${patients.length} patients grant ${doctor} read and write consents for Observation`);
  for (const patient of patients) await rpc(rpcUrl, 'anvil_setBalance', [patient.address, '0x56bc75e2d63100000']); // 100 ETH
  const latest = (await provider.getBlock('latest'))!;
  await Promise.all(
    patients.map(async (patient) => {
      const consents = attachHealthRecords(deployment, patient).consents;
      const sent = await consents.grantConsent({
        patient: patient.address,
        grantee: doctor,
        scope: encodeBytes32String('Observation'),
        access: 3,
        purpose: zeroPadBytes(toUtf8Bytes('TREAT'), 16),
        expiresAt: BigInt(latest.timestamp + 365 * 86_400),
      });
      await sent.wait();
    }),
  );

  const total = patients.length * options.recordsPerPatient;
  log(`${total} records prepared by the API`);
  const client = await new ApiClient(options.apiOrigin).signIn(doctorWallet);
  const work = patients.flatMap((patient) => Array.from({ length: options.recordsPerPatient }, (_, n) => ({ patient: patient.address, n })));
  const transactions: { to: string; data: string }[] = new Array(work.length);
  await eachLimited(work, 8, async ({ patient, n }, index) => {
    const answer = await client.data<{ prepareRecord: { transaction: { to: string; data: string } } }>(
      `mutation ($input: PrepareRecordInput!) { prepareRecord(input: $input) { transaction { to data } } }`,
      { input: { patient, category: 'Observation', content: observation(patient, n) } },
    );
    transactions[index] = answer.prepareRecord.transaction;
  });

  log(`${total} records anchored by ${doctor}, ${ANCHORS_PER_BLOCK} per block`);
  let nonce = Number(await rpc<string>(rpcUrl, 'eth_getTransactionCount', [doctor, 'pending']));
  await rpc(rpcUrl, 'evm_setAutomine', [false]);
  const hashes: string[] = [];
  try {
    for (let start = 0; start < transactions.length; start += ANCHORS_PER_BLOCK) {
      const batch = transactions.slice(start, start + ANCHORS_PER_BLOCK).map((tx, id) => ({
        jsonrpc: '2.0',
        id,
        method: 'eth_sendTransaction',
        params: [{ from: doctor, to: tx.to, data: tx.data, gas: '0x30d40', nonce: `0x${(nonce++).toString(16)}` }],
      }));
      const response = await fetch(rpcUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(batch) });
      const results = (await response.json()) as { result?: string; error?: { message: string } }[];
      const failed = results.find((result) => result.error);
      if (failed) throw new Error(`anchoring records failed: ${failed.error!.message}`);
      hashes.push(...results.map((result) => result.result!));
      await rpc(rpcUrl, 'evm_mine');
    }
  } finally {
    await rpc(rpcUrl, 'evm_setAutomine', [true]);
  }
  for (const hash of [hashes[0]!, hashes[hashes.length - 1]!]) {
    const receipt = await provider.getTransactionReceipt(hash);
    if (receipt?.status !== 1) throw new Error(`anchorRecord ${hash} did not succeed (receipt status ${receipt?.status}).`);
  }
  return { provider: client, providerAddress: doctor, patients: patients.map((patient) => patient.address) };
}
