/**
 * The embedded chain, run as its own process by `chain.ts`: Hardhat's network (chain id 31337, the
 * well-known test accounts) served over JSON-RPC. It is a separate process so that the launcher's own
 * work (the API, the web server, seeding) never delays the chain's answers to graph-node.
 *
 * argv: <host> <port>. Prints one JSON line `{"event":"ready","url":...}` when listening, and exits
 * when its standard input closes, so it never outlives the stack, even when the stack crashes.
 */
import hre from 'hardhat';
import { JsonRpcServer } from 'hardhat/internal/hardhat-network/jsonrpc/server';

async function main(): Promise<void> {
  const [host = '127.0.0.1', portText = '8545'] = process.argv.slice(2);
  const server = new JsonRpcServer({ hostname: host, port: Number(portText), provider: hre.network.provider });
  const { address, port } = await server.listen();
  process.stdout.write(`${JSON.stringify({ event: 'ready', url: `http://${address}:${port}`, pid: process.pid })}\n`);

  const stop = async () => {
    await server.close().catch(() => undefined);
    process.exit(0);
  };
  process.stdin.on('end', stop);
  process.stdin.on('close', stop);
  process.stdin.resume();
  process.on('SIGTERM', stop);
  process.on('SIGINT', () => undefined); // the stack stops this process itself, after the parts that use it
}

main().catch((error: unknown) => {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`The chain could not start: ${message}\n`);
  if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
    process.stderr.write('Another process holds that port: stop it, or set CHAIN_PORT (or RPC_URL for an existing chain).\n');
  }
  process.exit(1);
});
