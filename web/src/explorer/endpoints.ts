import { GraphQLError, type ExecutionResult } from 'graphql';
import { parseWebRuntimeConfig } from '../config-json';

/** A GraphQL endpoint the explorer can send operations to. */
export interface Endpoint {
  id: 'api' | 'subgraph';
  label: string;
  url: string;
  /** The operation shown in a new tab, runnable as it is (it needs no sign-in). */
  sampleQuery: string;
}

const API_SAMPLE = `# The health-records API. Signed in on this site, you explore with your own permissions.
query Explore {
  health { ok chainId subgraphBlock }
  me { address sessionExpiresAt }
  providers(first: 5) { nodes { address kind providerProfile { displayName organization } } }
}
`;

const SUBGRAPH_SAMPLE = `# The subgraph: the chain's events as graph-node indexes them (public by design).
query Indexed {
  _meta { block { number } }
  accounts(first: 5) { id memberKind memberStatus }
}
`;

export function apiEndpoint(url: string): Endpoint {
  return { id: 'api', label: 'API', url, sampleQuery: API_SAMPLE };
}

export function subgraphEndpoint(url: string): Endpoint {
  return { id: 'subgraph', label: 'Subgraph', url, sampleQuery: SUBGRAPH_SAMPLE };
}

/**
 * Which endpoints this page explores, the one shown first first. Served by the API at its own GraphQL
 * path, only that one; served by the web client, the API and the subgraph named by the site's
 * /config.json, the subgraph first when the page was opened at the subgraph's own path.
 */
export async function discoverEndpoints(location: Location): Promise<Endpoint[]> {
  if (location.pathname.replace(/\/$/, '').endsWith('/graphql')) return [apiEndpoint(location.pathname)];
  const response = await fetch('/config.json', { cache: 'no-store' });
  if (!response.ok) {
    throw new Error(`The site has no /config.json (HTTP ${response.status}): serve the web client with \`npm start\`, or open the API's /graphql.`);
  }
  const config = parseWebRuntimeConfig(await response.json());
  if (!config.subgraphUrl) return [apiEndpoint(config.graphqlUrl)];
  const endpoints = [apiEndpoint(config.graphqlUrl), subgraphEndpoint(config.subgraphUrl)];
  const atSubgraph = new URL(config.subgraphUrl, location.href).pathname.replace(/\/$/, '') === location.pathname.replace(/\/$/, '');
  return atSubgraph ? endpoints.reverse() : endpoints;
}

/**
 * GraphiQL's fetcher for `endpoint`: JSON over POST with the site's cookies (the session, so a signed-in
 * user explores with their own permissions). `content-type: application/json` is what Apollo's CSRF
 * prevention accepts from a browser; the page's own origin is the only one the session cookie goes to.
 */
export function fetcherFor(endpoint: Endpoint) {
  return async (params: unknown, options?: { headers?: Record<string, string> }): Promise<ExecutionResult> => {
    const response = await fetch(endpoint.url, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { ...options?.headers, 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json' },
      body: JSON.stringify(params),
    });
    const text = await response.text();
    try {
      return JSON.parse(text) as ExecutionResult;
    } catch {
      return { errors: [new GraphQLError(`${endpoint.label} at ${endpoint.url} answered HTTP ${response.status} without JSON: ${text.slice(0, 200)}`)] };
    }
  };
}
