/**
 * `/config.json`: what the site hosting the web client says about the deployment. The local stack's web
 * server writes it (stack/web/web-server.ts, from deployments/<network>.json); another host publishes it
 * next to index.html. The client reads it at start (lib/config.ts) and so does the explorer
 * (explorer/endpoints.ts). This file imports nothing, so the stack can import it too: one type for the
 * writer and both readers.
 */
export interface WebRuntimeConfig {
  /** Chain id the wallet must be on. */
  chainId: number;
  /** JSON-RPC URL a wallet can add for that chain. */
  rpcUrl: string;
  /** The API's GraphQL path or URL (same origin through the web server: `/graphql`). */
  graphqlUrl: string;
  /** Where SIWE starts (`/auth`). */
  authUrl: string;
  /**
   * The subgraph's GraphQL path on the site (`/subgraph`, forwarded to the subgraph), for the explorer.
   * A host that forwards no subgraph leaves it out; the explorer then explores the API alone.
   */
  subgraphUrl?: string;
  /** Contract addresses, from deployments/<network>.json. */
  contracts: { ConsentManager: string; RecordRegistry: string; ProviderDirectory: string; AuditAnchor: string };
}

const CONTRACTS = ['ConsentManager', 'RecordRegistry', 'ProviderDirectory', 'AuditAnchor'] as const;

/**
 * `value` (a parsed /config.json) as a `WebRuntimeConfig`, or an error naming every field that is
 * missing or of the wrong kind, so a hand-published file that is wrong says where at once instead of
 * failing later at sign-in or at the first transaction.
 */
export function parseWebRuntimeConfig(value: unknown): WebRuntimeConfig {
  const problems: string[] = [];
  const record = (candidate: unknown): Record<string, unknown> | null => (typeof candidate === 'object' && candidate !== null && !Array.isArray(candidate) ? (candidate as Record<string, unknown>) : null);
  const config = record(value);
  if (!config) throw new Error('/config.json is not a JSON object.');
  const text = (name: string, optional = false) => {
    const field = config[name];
    if (field === undefined && optional) return;
    if (typeof field !== 'string' || field.trim() === '') problems.push(`${name} must be a non-empty string`);
  };
  if (typeof config.chainId !== 'number' || !Number.isSafeInteger(config.chainId) || config.chainId <= 0) problems.push('chainId must be a positive integer');
  text('rpcUrl');
  text('graphqlUrl');
  text('authUrl');
  text('subgraphUrl', true);
  const contracts = record(config.contracts);
  if (!contracts) problems.push('contracts must be an object of contract addresses');
  else for (const name of CONTRACTS) if (typeof contracts[name] !== 'string' || !/^0x[0-9a-fA-F]{40}$/.test(contracts[name])) problems.push(`contracts.${name} must be an address (0x and 40 hex digits)`);
  if (problems.length > 0) throw new Error(`/config.json does not describe a deployment: ${problems.join('; ')}.`);
  return config as unknown as WebRuntimeConfig;
}
