/**
 * The API as its own process for the benchmark: settings from the environment (`loadServerConfig`),
 * `createServer`, listen on PORT. With API_WORKERS=n (n > 1) it runs n instances of the stateless
 * server with node:cluster on the one port, as a deployment runs one per core. Prints
 * `{"event":"ready","url":...}` once every instance listens, and exits when stdin closes.
 */
import cluster from 'node:cluster';
import { createServer } from '../../api/src/app/server';
import { loadServerConfig } from '../../api/src/server-config';

const workers = Math.max(1, Number(process.env.API_WORKERS ?? 1));
const port = Number(process.env.PORT);

async function serve(): Promise<string> {
  const server = await createServer(loadServerConfig());
  const { url } = await server.listen(port, '127.0.0.1');
  const stop = () => {
    setTimeout(() => process.exit(0), 3000).unref();
    server.close().finally(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('disconnect', stop);
  return url;
}

function stopOnStdinClose(stop: () => void): void {
  process.stdin.on('end', stop);
  process.stdin.on('close', stop);
  process.stdin.resume();
}

async function main(): Promise<void> {
  if (workers === 1) {
    const url = await serve();
    process.stdout.write(`${JSON.stringify({ event: 'ready', url, pid: process.pid })}\n`);
    stopOnStdinClose(() => process.kill(process.pid, 'SIGTERM'));
    return;
  }
  if (cluster.isPrimary) {
    let listening = 0;
    cluster.on('listening', () => {
      listening += 1;
      if (listening === workers) {
        process.stdout.write(`${JSON.stringify({ event: 'ready', url: `http://127.0.0.1:${port}`, pid: process.pid, workers })}\n`);
      }
    });
    cluster.on('exit', (worker, code) => {
      if (code !== 0) process.stderr.write(`API worker ${worker.process.pid} exited with ${code}\n`);
    });
    for (let i = 0; i < workers; i += 1) cluster.fork();
    stopOnStdinClose(() => {
      for (const worker of Object.values(cluster.workers ?? {})) worker?.kill('SIGTERM');
      setTimeout(() => process.exit(0), 3500).unref();
      cluster.on('exit', () => {
        if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0);
      });
    });
    return;
  }
  await serve();
}

main().catch((error: unknown) => {
  process.stderr.write(`The API could not start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
