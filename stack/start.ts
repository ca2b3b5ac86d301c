/**
 * `npm start`: the whole system on one machine with no configuration, or pointed at existing parts by
 * environment (RPC_URL, SUBGRAPH_URL, MONGODB_URI, ports: see stack-config.ts). `npm start -- --no-demo`
 * skips the demo data. Ctrl-C stops every process it started.
 */
import { consoleProgress } from './progress';
import { loadStackConfig } from './stack-config';
import { readyBanner } from './ready-banner';
import { startStack, type RunningStack } from './stack';

async function main(): Promise<void> {
  const config = loadStackConfig(process.env, process.argv.slice(2));
  const running: { stack?: RunningStack } = {};
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) {
      process.stdout.write(`\n${signal} again: exiting now. The chain and the database exit by themselves when this process is gone.\n`);
      process.exit(130);
    }
    stopping = true;
    process.stdout.write(`\n${signal}: stopping every part…\n`);
    await running.stack?.stop();
    process.stdout.write('Stopped.\n');
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));

  const stack = await startStack({ config, progress: consoleProgress() });
  running.stack = stack;
  if (stopping) {
    await stack.stop();
    return;
  }
  process.stdout.write(readyBanner(stack, { demo: config.demo }));
}

main().catch((error: unknown) => {
  process.stderr.write(`\nnpm start failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
