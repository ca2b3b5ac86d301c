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
import { startStack, type RunningStack } from './launcher';

/**
 * A terminal's Ctrl-C reaches npm and the launcher at once, and npm forwards its own copy: the launcher
 * gets two SIGINTs for one key press (SIGTERM to npm likewise). A signal that arrives within this time
 * of the acknowledgement printed for the first is that same request; only a later one, sent after the
 * user could read the acknowledgement, forces.
 */
const SAME_REQUEST_MS = 1_000;

async function main(): Promise<void> {
  const config = loadStackConfig(process.env, process.argv.slice(2));
  const running: { stack?: RunningStack } = {};
  let stopping = false;
  let acknowledgedAt = 0;
  const aborted = new AbortController();
  const shutdown = async (signal: string) => {
    if (stopping) {
      if (signal === 'crash' || Date.now() - acknowledgedAt < SAME_REQUEST_MS) return;
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
    const again = signal === 'crash' ? '' : ' (Ctrl-C again to force)';
    process.stdout.write(`\n${signal}: stopping every part…${again}\n`);
    acknowledgedAt = Date.now();
    // Still starting: the start gives up at its next step and stops what it started (below).
    if (!running.stack) return aborted.abort();
    await running.stack.stop();
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
  let stack: RunningStack;
  try {
    stack = await startStack({ config, progress: consoleProgress(), onCrash, reuseBuilds: process.env.STACK_REUSE_BUILDS === 'true', signal: aborted.signal });
  } catch (error) {
    if (!aborted.signal.aborted) throw error;
    process.stdout.write('Stopped.\n');
    process.exit(0);
  }
  running.stack = stack;
  if (stopping) {
    await stack.stop();
    process.stdout.write('Stopped.\n');
    process.exit(0);
  }
  process.stdout.write(readyBanner(stack, { demo: config.demo }));
}

main().catch((error: unknown) => {
  process.stderr.write(`\nnpm start failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
