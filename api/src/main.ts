/**
 * The API's production entry point, run compiled: `npm run build:api && npm run start:api`
 * (`node dist/api/src/main.js`). Settings come from the environment and the command line
 * (`loadApiProcessConfig` in config.ts: the server's variables, `API_PORT`, default 4000, and `HOST`,
 * default 127.0.0.1). When it listens it prints one JSON line on
 * stdout, `{"event":"ready","url":...,"pid":...,"startupMs":...}` (startupMs: from the process's start);
 * everything else it logs goes to stderr. SIGTERM or SIGINT closes the server and the database and
 * exits 0. A configuration error prints one line saying what to fix and exits 1.
 *
 * `--exit-with-stdin`: also stop when standard input closes (the launcher holds that pipe, so the API
 * never outlives `npm start`, even when the launcher is killed).
 */
import { createServer, type ApiServer } from './app/server';
import { ConfigError, loadApiProcessConfig } from './config';

async function main(): Promise<void> {
  const { port, host, exitWithStdin, server: config } = loadApiProcessConfig(process.env, process.argv.slice(2));

  // Apollo Server installs SIGINT/SIGTERM handlers that stop it and re-raise the signal, which would end
  // the process before the database is closed; this process stops everything itself, in order.
  const before = new Set([...process.listeners('SIGINT'), ...process.listeners('SIGTERM')]);
  const api: ApiServer = await createServer(config);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    for (const listener of process.listeners(signal)) if (!before.has(listener)) process.removeListener(signal, listener);
  }

  let stopping: Promise<void> | undefined;
  const stop = (why: string) => {
    stopping ??= (async () => {
      process.stderr.write(`[api] ${why}: closing the server and the database\n`);
      try {
        await api.close();
        process.exit(0);
      } catch (error) {
        process.stderr.write(`[api] closing failed: ${(error as Error).message}\n`);
        process.exit(1);
      }
    })();
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  if (exitWithStdin) {
    process.stdin.on('end', () => stop('standard input closed'));
    process.stdin.on('close', () => stop('standard input closed'));
    process.stdin.resume();
  }

  const { url } = await api.listen(port, host);
  process.stdout.write(`${JSON.stringify({ event: 'ready', url, pid: process.pid, startupMs: Math.round(performance.now()) })}\n`);
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    process.stderr.write(`The API cannot start; fix these settings: ${error.problems.join(' ')}\n`);
  } else {
    process.stderr.write(`The API could not start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  }
  process.exit(1);
});
