/**
 * `npm start`: the whole system on one machine with no configuration, or pointed at existing parts by
 * environment (RPC_URL, SUBGRAPH_URL, MONGODB_URI, ports: see stack-config.ts). `npm start -- --no-demo`
 * skips the demo data. Ctrl-C stops every process it started.
 *
 * STACK_REUSE_BUILDS=true uses subgraph/build, web/dist and dist/ as they are (the tests' launcher runs,
 * whose `npm test` built them once beforehand, so no run rebuilds a folder another test reads).
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
      process.stdout.write(`\n${signal} again: killing every part now.\n`);
      // The parts run in process groups of their own, so a terminal's signal does not reach them.
      for (const pid of running.stack?.pids ?? []) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      process.exit(130);
    }
    stopping = true;
    process.stdout.write(`\n${signal}: stopping every part…\n`);
    await running.stack?.stop();
    process.stdout.write('Stopped.\n');
    if (signal !== 'crash') process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));

  // A part the supervisors could not bring back stops the whole stack, after saying why.
  const onCrash = (message: string) => {
    if (stopping) return;
    if (!running.stack) {
      // Still starting: startStack fails on its own and stops what it started.
      process.stderr.write(`\n${message}\n`);
      return;
    }
    process.stderr.write(`\n${message}\nStopping the stack.\n`);
    void shutdown('crash').then(() => process.exit(1));
  };
  const stack = await startStack({ config, progress: consoleProgress(), onCrash, reuseBuilds: process.env.STACK_REUSE_BUILDS === 'true' });
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
