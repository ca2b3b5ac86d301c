/**
 * Puts a large, mixed workload of the project's own contracts on a chain, for the indexer benchmark:
 * deploys them with the project's deploy function (on a fresh chain they land at the addresses of
 * `subgraph/networks.json`'s `localhost` entry, which `npm run build:subgraph` indexes), then, round
 * after round, every patient anchors and amends a record, grants, renews and revokes a consent and
 * appoints a guardian, and the auditor anchors an audit batch. One event per transaction.
 */
import fs from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../../contracts/deployment/deployment';
import { Interface, JsonRpcProvider, encodeBytes32String, keccak256, solidityPacked, toUtf8Bytes, zeroPadBytes, type InterfaceAbi } from 'ethers';
import { deployHealthRecords } from '../../contracts/deploy/deploy';


/**
 * JSON-RPC calls to the benchmark's chain. A request that finds its kept-alive connection closed by
 * Hardhat's server (idle past its keep-alive timeout) is sent once more on a new one.
 */
export async function rpc<T>(url: string, method: string, params: unknown[] = []): Promise<T> {
  const send = () => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) });
  const response = await send()
    .catch(send)
    .catch((error: Error) => {
      throw new Error(`${method} to ${url} failed: ${error.cause instanceof Error ? error.cause.message : error.message}`);
    });
  const body = (await response.json()) as { result?: T; error?: { message: string } };
  if (body.error) throw new Error(`${method} failed: ${body.error.message}`);
  return body.result as T;
}
export const PROJECT_CONTRACTS = ['ProviderDirectory', 'ConsentManager', 'RecordRegistry', 'AuditAnchor'] as const;

export function projectInterface(name: (typeof PROJECT_CONTRACTS)[number]): Interface {
  const artifact = path.join(REPO_ROOT, 'artifacts', 'contracts', 'src', `${name}.sol`, `${name}.json`);
  if (!fs.existsSync(artifact)) throw new Error(`${artifact} is missing: run \`npm run compile\` first`);
  return new Interface((JSON.parse(fs.readFileSync(artifact, 'utf8')) as { abi: InterfaceAbi }).abi);
}

/** Deploys the contracts and makes at least `events` events. Returns the contract addresses. */
export async function buildProjectChain(url: string, events: number): Promise<Record<string, string>> {
  const accounts = await rpc<string[]>(url, 'eth_accounts');
  const [, registrar, auditor] = accounts;
  const { deployment } = await deployHealthRecords(await new JsonRpcProvider(url).getSigner(0), { network: 'localhost', registrar, auditor });
  const networks = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'subgraph', 'networks.json'), 'utf8')) as Record<string, Record<string, { address: string }>>;
  const addresses: Record<string, string> = {};
  for (const name of PROJECT_CONTRACTS) {
    addresses[name] = deployment.contracts[name].address.toLowerCase();
    const expected = networks.localhost?.[name]?.address?.toLowerCase();
    if (expected !== addresses[name]) {
      throw new Error(`${name} deployed at ${addresses[name]} but subgraph/networks.json (localhost) says ${expected}; the benchmark needs a build for a fresh chain`);
    }
  }
  const consents = projectInterface('ConsentManager');
  const records = projectInterface('RecordRegistry');
  const audit = projectInterface('AuditAnchor');
  const patients = accounts.slice(3);
  const perRound = patients.length * 6 + 1;
  const rounds = Math.ceil(events / perRound);
  const purpose = zeroPadBytes(toUtf8Bytes('TREAT'), 16);
  const farFuture = 2n ** 40n;
  // Explicit nonces: Hardhat may handle the requests of one batch concurrently.
  const nonces = new Map<string, number>();
  for (const account of [auditor, ...patients]) nonces.set(account, Number(await rpc<string>(url, 'eth_getTransactionCount', [account, 'pending'])));
  const tx = (from: string, to: string, data: string) => {
    const nonce = nonces.get(from)!;
    nonces.set(from, nonce + 1);
    return { method: 'eth_sendTransaction', params: [{ from, to, data, gas: '0x61a80', nonce: `0x${nonce.toString(16)}` }] };
  };

  await rpc(url, 'evm_setAutomine', [false]);
  try {
    for (let round = 0; round < rounds; round++) {
      const category = encodeBytes32String(`category-${round % 7}`);
      const batch: { method: string; params: unknown[] }[] = [];
      patients.forEach((patient, i) => {
        const recordId = keccak256(solidityPacked(['address', 'uint256'], [patient, round]));
        const first = keccak256(solidityPacked(['bytes32', 'uint8'], [recordId, 1]));
        const second = keccak256(solidityPacked(['bytes32', 'uint8'], [recordId, 2]));
        const grantee = accounts[round % 3];
        const guardian = patients[(i + 1) % patients.length];
        batch.push(tx(patient, addresses.RecordRegistry, records.encodeFunctionData('anchorRecord', [recordId, patient, category, first, `0x${'00'.repeat(32)}`])));
        batch.push(tx(patient, addresses.RecordRegistry, records.encodeFunctionData('amendRecord', [recordId, patient, category, first, second])));
        batch.push(tx(patient, addresses.ConsentManager, consents.encodeFunctionData('grantConsent', [[patient, grantee, category, 1, purpose, farFuture]])));
        batch.push(tx(patient, addresses.ConsentManager, consents.encodeFunctionData('renewConsent', [patient, grantee, category, farFuture + 1n])));
        batch.push(tx(patient, addresses.ConsentManager, consents.encodeFunctionData('revokeConsent', [patient, grantee, category])));
        batch.push(tx(patient, addresses.ConsentManager, consents.encodeFunctionData('appointGuardian', [guardian, 0])));
      });
      batch.push(tx(auditor, addresses.AuditAnchor, audit.encodeFunctionData('anchorAuditBatch', [keccak256(solidityPacked(['uint256'], [round + 1])), 10, 1, 2])));
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(batch.map((call, id) => ({ jsonrpc: '2.0', id, ...call }))),
      });
      const results = (await response.json()) as { error?: { message: string } }[];
      const failed = results.find((r) => r.error);
      if (failed) throw new Error(`sending round ${round} failed: ${failed.error!.message}`);
      await rpc(url, 'evm_mine');
    }
  } finally {
    await rpc(url, 'evm_setAutomine', [true]);
  }
  return addresses;
}
