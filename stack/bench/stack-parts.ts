/**
 * Pieces the API's end-to-end tests and its benchmark both need to stand up a stack: Hardhat's test
 * keys, free ports, the API's environment, and a copy of the subgraph build pointed at a fresh deployment.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { HDNodeWallet, Mnemonic } from 'ethers';
import { parseDocument } from 'yaml';
import type { Deployment } from '../../contracts/deployment/deployment';

import { REPO_ROOT } from '../../contracts/deployment/deployment';

export { REPO_ROOT };
const SUBGRAPH_BUILD = path.join(REPO_ROOT, 'subgraph', 'build');

/** Hardhat's default accounts, as keys: the API's relayer and auditor keys come from here. */
export function hardhatKey(index: number): string {
  const mnemonic = Mnemonic.fromPhrase('test test test test test test test test test test test junk');
  return HDNodeWallet.fromMnemonic(mnemonic, `m/44'/60'/0'/0/${index}`).privateKey;
}

export { freePort } from '../process/free-port';

/**
 * The API's environment (what `loadServerConfig` reads) for a throw-away stack on the embedded chain:
 * its URLs, fresh secrets, Hardhat's auditor and relayer keys, and no periodic audit anchoring.
 */
export function scratchApiEnvironment(parts: { rpcUrl: string; subgraphUrl: string; mongodbUri: string; deploymentFile: string; dataDir: string; port: number }): Record<string, string> {
  return {
    RPC_URL: parts.rpcUrl,
    SUBGRAPH_URL: parts.subgraphUrl,
    MONGODB_URI: parts.mongodbUri,
    DEPLOYMENTS_FILE: parts.deploymentFile,
    DATA_DIR: parts.dataDir,
    SESSION_SECRET: randomBytes(32).toString('hex'),
    MASTER_KEY: randomBytes(32).toString('hex'),
    AUDITOR_PRIVATE_KEY: hardhatKey(2),
    RELAYER_PRIVATE_KEY: hardhatKey(9),
    PUBLIC_URL: `http://127.0.0.1:${parts.port}`,
    AUDIT_ANCHOR_INTERVAL_MS: '0',
  };
}

/**
 * A copy of `graph build`'s output whose data sources point at this test's deployment (addresses and
 * start blocks), leaving the project's build folder untouched. Builds the subgraph first if needed.
 */
export function subgraphBuildFor(deployment: Deployment, folder: string): string {
  if (!existsSync(path.join(SUBGRAPH_BUILD, 'subgraph.yaml'))) {
    execFileSync('npm', ['run', '--silent', 'build:subgraph'], { cwd: REPO_ROOT, stdio: 'inherit' });
  }
  cpSync(SUBGRAPH_BUILD, folder, { recursive: true });
  const manifestPath = path.join(folder, 'subgraph.yaml');
  const manifest = parseDocument(readFileSync(manifestPath, 'utf8'));
  const dataSources = manifest.get('dataSources') as { items: { get(key: string): unknown }[] };
  for (const dataSource of dataSources.items) {
    const name = dataSource.get('name') as keyof Deployment['contracts'];
    const contract = deployment.contracts[name];
    if (!contract) throw new Error(`The subgraph has a data source ${name} that the deployment lacks.`);
    manifest.setIn(['dataSources', dataSources.items.indexOf(dataSource), 'source', 'address'], contract.address);
    manifest.setIn(['dataSources', dataSources.items.indexOf(dataSource), 'source', 'startBlock'], contract.blockNumber);
  }
  writeFileSync(manifestPath, manifest.toString());
  return folder;
}


/**
 * CPU seconds (user + system) used so far by a process and its descendants still running (e.g. the
 * workers of a node:cluster primary), from Linux's /proc. Null where /proc is not available.
 */
export function processTreeCpuSeconds(pid: number): number | null {
  const ticksPerSecond = 100; // USER_HZ, 100 on every Linux architecture Node runs on
  const read = (id: number): number => {
    let ticks = 0;
    try {
      // Fields after the command name (which may contain spaces) start at `state`; utime and stime
      // are fields 14 and 15 of the whole line.
      const stat = readFileSync(`/proc/${id}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
      const children = readFileSync(`/proc/${id}/task/${id}/children`, 'utf8').trim();
      for (const child of children ? children.split(' ') : []) ticks += read(Number(child));
    } catch {
      // The process ended meanwhile.
    }
    return ticks;
  };
  if (!existsSync(`/proc/${pid}/stat`)) return null;
  return read(pid) / ticksPerSecond;
}
