import { parseWebRuntimeConfig, type WebRuntimeConfig } from '../config-json';

/** Reads the site's `/config.json` (where the API and the chain are), checked field by field. */
export async function loadConfig(): Promise<WebRuntimeConfig> {
  const response = await fetch('/config.json', { cache: 'no-store' });
  if (!response.ok) {
    throw new Error(`The site has no /config.json (HTTP ${response.status}): serve the client with \`npm start\`, or publish a config.json next to index.html.`);
  }
  return parseWebRuntimeConfig(await response.json());
}
