/**
 * The environment of a test's `npm start`: every port free (0), everything embedded, the state in
 * `dataDir`, graph-node's database on the run's shared PostgreSQL (test/global-setup.ts).
 */
export function testStackEnvironment(dataDir: string): NodeJS.ProcessEnv {
  return {
    CHAIN_PORT: '0',
    SUBGRAPH_PORT: '0',
    INDEX_NODE_PORT: '0',
    GRAPH_ADMIN_PORT: '0',
    GRAPH_METRICS_PORT: '0',
    API_PORT: '0',
    WEB_PORT: '0',
    DATA_DIR: dataDir,
    GRAPH_NODE_POSTGRES_URL: process.env.GRAPH_NODE_POSTGRES_URL!,
  };
}
