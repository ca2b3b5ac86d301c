/**
 * The local subgraph node as its own process for the benchmark, as graph-node would be: argv
 * <build folder> <rpc url> <port>. Prints `{"event":"ready","url":...}` and exits when stdin closes.
 */
import { silentLogger, startLocalNode } from '../../subgraph/local-node';

async function main(): Promise<void> {
  const [build, rpcUrl, port] = process.argv.slice(2);
  if (!build || !rpcUrl || !port) throw new Error('usage: subgraph-node-process <build> <rpc url> <port>');
  const node = await startLocalNode({ build, rpcUrl, name: 'health-records', port: Number(port), logger: silentLogger, pollIntervalMs: 100 });
  process.stdout.write(`${JSON.stringify({ event: 'ready', url: node.queryUrl, pid: process.pid })}\n`);
  const stop = () => {
    node.stop().finally(() => process.exit(0));
  };
  process.stdin.on('end', stop);
  process.stdin.on('close', stop);
  process.stdin.resume();
  process.on('SIGTERM', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`The subgraph node could not start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
