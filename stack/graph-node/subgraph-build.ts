import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseDocument } from 'yaml';
import type { Deployment } from '../../contracts/deployment/deployment';
import { REPO_ROOT } from '../../api/src/config';
import { BuildStamp, hashInputs } from '../process/build-cache';
import { buildSummaryLine, runCommand } from '../process/run-command';

/** Everything `npm run build:subgraph` reads: the subgraph's sources, the deploy's networks.json, the ABIs. */
const SUBGRAPH_INPUTS = ['subgraph/schema.graphql', 'subgraph/subgraph.yaml', 'subgraph/networks.json', 'subgraph/src', 'subgraph/package.json', 'artifacts/contracts'];

export const SUBGRAPH_BUILD_DIR = path.join(REPO_ROOT, 'subgraph', 'build');

/**
 * Builds the subgraph (`npm run build:subgraph`: graph codegen + graph build) for `network`, unless
 * its inputs are unchanged since the last build. Returns whether it built.
 */
export async function buildSubgraphIfChanged(options: { network: string; stampDir: string; log: (line: string) => void; reuse?: boolean }): Promise<boolean> {
  const hash = await hashInputs(REPO_ROOT, SUBGRAPH_INPUTS, (file) => !file.endsWith('.dbg.json'));
  const stamp = new BuildStamp(path.join(options.stampDir, `subgraph-${options.network}.sha256`));
  const manifest = path.join(SUBGRAPH_BUILD_DIR, 'subgraph.yaml');
  if (options.reuse && existsSync(manifest)) return false;
  if (existsSync(manifest) && (await stamp.matches(`${options.network}:${hash}`))) return false;
  await runCommand('The subgraph build', 'npm', ['run', '--silent', 'build:subgraph'], {
    cwd: REPO_ROOT,
    env: { ...process.env, GRAPH_NETWORK: options.network },
    onLine: (line) => {
      const summary = buildSummaryLine(line);
      if (summary) options.log(summary);
    },
  });
  await stamp.record(`${options.network}:${hash}`);
  return true;
}

/**
 * A copy of `graph build`'s output whose data sources point at this test's deployment (addresses and
 * start blocks), leaving the project's build folder untouched. Builds the subgraph first if needed.
 */
export function subgraphBuildFor(deployment: Deployment, folder: string): string {
  if (!existsSync(path.join(SUBGRAPH_BUILD_DIR, 'subgraph.yaml'))) {
    execFileSync('npm', ['run', '--silent', 'build:subgraph'], { cwd: REPO_ROOT, stdio: 'inherit' });
  }
  cpSync(SUBGRAPH_BUILD_DIR, folder, { recursive: true });
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
