/** What the server hosting the client says about the deployment (`/config.json`). */
export interface ClientConfig {
  chainId: number;
  rpcUrl: string;
  graphqlUrl: string;
  authUrl: string;
  contracts: { ConsentManager: string; RecordRegistry: string; ProviderDirectory: string; AuditAnchor: string };
}

export async function loadConfig(): Promise<ClientConfig> {
  const response = await fetch('/config.json', { cache: 'no-store' });
  if (!response.ok) {
    throw new Error(`The site has no /config.json (HTTP ${response.status}): serve the client with \`npm start\`, or publish a config.json next to index.html.`);
  }
  return (await response.json()) as ClientConfig;
}
