/**
 * The API as its own process for the benchmark: settings from the environment (`loadServerConfig`),
 * `createServer`, listen on PORT. Prints `{"event":"ready","url":...}` and exits when stdin closes.
 */
import { createServer } from '../src/server';
import { loadServerConfig } from '../src/server-config';

async function main(): Promise<void> {
  const server = await createServer(loadServerConfig());
  const { url } = await server.listen(Number(process.env.PORT), '127.0.0.1');
  process.stdout.write(`${JSON.stringify({ event: 'ready', url, pid: process.pid })}\n`);
  const stop = () => {
    setTimeout(() => process.exit(0), 3000).unref();
    server.close().finally(() => process.exit(0));
  };
  process.stdin.on('end', stop);
  process.stdin.on('close', stop);
  process.stdin.resume();
  process.on('SIGTERM', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`The API could not start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
