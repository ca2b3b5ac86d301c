import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Answers graph-node's IPFS probe on 127.0.0.1. graph-node asks its IPFS endpoint
 * `POST /api/v0/version` at start and panics ("unknown server kind") when nothing answers. This
 * project's subgraph reads no IPFS files (no `ipfs.cat`, no file data sources) and `gnd dev` loads
 * the build from disk, so the version answer is all graph-node needs here; every other request gets
 * 404. A subgraph that used IPFS files would need a real IPFS node (a production concern).
 */
export async function startIpfsProbe(): Promise<{ address: string; close(): Promise<void> }> {
  const server = http.createServer((request, response) => {
    if (request.method === 'POST' && request.url?.startsWith('/api/v0/version')) {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ Version: '0.0.0-graph-node-probe', Commit: '', Repo: '', System: '', Golang: '' }));
      return;
    }
    response.writeHead(404).end();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    address: `127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
