/**
 * `npm run subgraph:node -- <build folder or manifest> --rpc <url> [--name <n>] [--port <p>]
 *   [--data-dir <dir>] [--block-range <n>] [--debug]`
 *
 * Runs the local subgraph node until interrupted (Ctrl-C stops it cleanly).
 */
import { parseArgs } from 'node:util';
import { ManifestError, consoleLogger, startLocalNode } from './index';

const USAGE =
  'usage: npm run subgraph:node -- <build folder or subgraph.yaml> --rpc <url> [--name <name>] [--port <port>] [--data-dir <dir>] [--block-range <n>] [--debug]';

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      rpc: { type: 'string' },
      name: { type: 'string' },
      port: { type: 'string' },
      'data-dir': { type: 'string' },
      'block-range': { type: 'string' },
      debug: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const build = positionals[0];
  const rpcUrl = values.rpc ?? process.env.RPC_URL;
  if (!build || !rpcUrl) throw new Error(`a build folder and --rpc (or RPC_URL) are required\n${USAGE}`);
  const port = values.port === undefined ? 8000 : Number(values.port);
  if (!Number.isInteger(port) || port < 0) throw new Error(`--port ${values.port} is not a port number`);
  const logger = consoleLogger({ debug: values.debug });
  const node = await startLocalNode({
    build,
    rpcUrl,
    name: values.name ?? 'local',
    port,
    dataDir: values['data-dir'],
    blockRange: values['block-range'] ? Number(values['block-range']) : undefined,
    logger,
  });
  const shutdown = (): void => {
    logger.info('stopping');
    node.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error(String(error));
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

main().catch((error: unknown) => {
  // A subgraph the node refuses is the user's to fix: its message says how. Anything else is a bug.
  const text = error instanceof ManifestError ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error);
  process.stderr.write(`${text}\n`);
  process.exit(1);
});
