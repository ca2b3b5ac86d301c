import { demoWallets } from './chain/demo-accounts';
import type { RunningStack } from './launcher';

/** The ready block: every URL, and the demo accounts with their roles and test-only keys. */
export function readyBanner(stack: RunningStack, options: { demo: boolean }): string {
  const lines = [
    '',
    '────────────────────────────────────────────────────────────────────────────',
    ' Health records: everything is running. Ctrl-C stops it all.',
    '',
    ` Web client        ${stack.urls.web}`,
    ` GraphQL API       ${stack.urls.graphql}   (also ${stack.urls.web}/graphql; process ${stack.apiPid}, ready ${stack.apiStartupMs} ms after its start)`,
    ` API readiness     ${stack.urls.web}/readyz   (database, chain, graph-node; /healthz: liveness)`,
    ` GraphQL explorer  ${stack.urls.web}/explorer.html   (API and subgraph, offline; a browser opening the API's /graphql gets it too)`,
    ` Subgraph explorer ${stack.urls.web}/subgraph   (the explorer on the subgraph; queries POSTed there go to graph-node)`,
    ` Subgraph queries  ${stack.urls.subgraph}   (graph-node's own endpoint; its GraphiQL page loads from a CDN)`,
    ...(stack.urls.subgraphStatus ? [` Indexing status   ${stack.urls.subgraphStatus}   (graph-node's index-node API)`] : []),
    ...(stack.urls.graphNodeLog ? [` graph-node log    ${stack.urls.graphNodeLog}`] : []),
    ` Chain JSON-RPC    ${stack.urls.rpc}   (chain id ${stack.chainId})`,
    ` Database          ${stack.urls.mongodb}`,
  ];
  if (stack.embedded.chain) {
    lines.push(
      '',
      ' Demo accounts: Hardhat\'s well-known TEST keys. Public knowledge: never use them on a real chain.',
      ' Import a key into MetaMask, add the network above (chain id 31337), then sign in.',
      '',
    );
    for (const account of demoWallets()) {
      lines.push(` ${account.role.padEnd(10)} ${account.name.padEnd(17)} ${account.address}  ${account.note}`);
      lines.push(` ${''.padEnd(28)} key ${account.privateKey}`);
    }
    if (!options.demo) lines.push('', ' Demo data was skipped (--no-demo): only the deployer, registrar, auditor and relayer hold roles; the Registrar key verifies providers and researchers.');
  }
  lines.push('────────────────────────────────────────────────────────────────────────────', '');
  return lines.join('\n');
}
