import net from 'node:net';

/** Every port `freePort` handed out in this process: each goes to one server only. */
const handedOut = new Set<number>();

/** A port the system says is free on `host` now (it may hand the same one out again until it is used). */
function unusedPort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, host, () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * A port that is free on `host` right now and was not handed out before by this process. Used when a
 * port is configured as 0 but must be known before its server starts (the API must know the web
 * client's origin for SIWE): the API's port is chosen before graph-node's, and the system would
 * otherwise offer the same free port again for graph-node (seen: the API then failed with EADDRINUSE).
 * Also used by the benches and tests for the servers they start. The one copy of it.
 */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  for (;;) {
    const port = await unusedPort(host);
    if (handedOut.has(port)) continue;
    handedOut.add(port);
    return port;
  }
}

/** Throws a message naming the variable to change when `port` is taken on `host`. */
export async function assertPortFree(host: string, port: number, variable: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const server = net.createServer();
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'EADDRINUSE'
          ? new Error(`Port ${port} on ${host} is in use (another \`npm start\`?). Stop what holds it, or set ${variable} to another port.`)
          : error,
      ),
    );
    server.listen(port, host, () => server.close(() => resolve()));
  });
}
