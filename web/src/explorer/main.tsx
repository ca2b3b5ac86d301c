/**
 * The GraphQL explorer: GraphiQL with the explorer plugin, bundled from npm by the web build, so it
 * works with no internet (no CDN script, style or font). The API serves it at its /graphql for
 * browsers; the web client serves it at /explorer.html, with a switch between the API and the subgraph.
 */
import 'graphiql/setup-workers/vite';
import 'graphiql/style.css';
import '@graphiql/plugin-explorer/style.css';
import './explorer.css';
import { explorerPlugin } from '@graphiql/plugin-explorer';
import { GraphiQL } from 'graphiql';
import { StrictMode, useMemo, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { discoverEndpoints, fetcherFor, type Endpoint } from './endpoints';

const plugins = [explorerPlugin()];

function Explorer({ endpoints }: { endpoints: Endpoint[] }) {
  const [endpoint, setEndpoint] = useState(endpoints[0]!);
  const fetcher = useMemo(() => fetcherFor(endpoint), [endpoint]);
  return (
    <div className="explorer">
      <header className="explorer-bar">
        <h1>GraphQL explorer</h1>
        {endpoints.length > 1 ? (
          <label>
            Endpoint{' '}
            <select name="endpoint" value={endpoint.id} onChange={(event) => setEndpoint(endpoints.find((e) => e.id === event.target.value)!)}>
              {endpoints.map((option) => (
                <option key={option.id} value={option.id}>
                  {option.label} ({option.url})
                </option>
              ))}
            </select>
          </label>
        ) : (
          <span className="explorer-endpoint">{endpoint.url}</span>
        )}
      </header>
      {/* One GraphiQL per endpoint: switching loads the other schema, and each keeps its own tabs. */}
      <GraphiQL key={endpoint.id} fetcher={fetcher} plugins={plugins} defaultQuery={endpoint.sampleQuery} storage={namespaced(endpoint.id)} />
    </div>
  );
}

/** GraphiQL's saved tabs and history, kept apart per endpoint (`clear` clears this endpoint's only). */
function namespaced(prefix: string): Storage {
  const namespace = `explorer:${prefix}:`;
  const names = () => Object.keys(localStorage).filter((name) => name.startsWith(namespace)).map((name) => name.slice(namespace.length));
  return {
    get length() {
      return names().length;
    },
    clear: () => names().forEach((name) => localStorage.removeItem(namespace + name)),
    key: (index) => names()[index] ?? null,
    getItem: (name) => localStorage.getItem(namespace + name),
    setItem: (name, value) => localStorage.setItem(namespace + name, value),
    removeItem: (name) => localStorage.removeItem(namespace + name),
  };
}

const root = document.getElementById('explorer')!;
discoverEndpoints(window.location).then(
  (endpoints) =>
    createRoot(root).render(
      <StrictMode>
        <Explorer endpoints={endpoints} />
      </StrictMode>,
    ),
  (error: unknown) => {
    root.textContent = `The explorer cannot start: ${(error as Error).message}`;
    root.setAttribute('role', 'alert');
  },
);
