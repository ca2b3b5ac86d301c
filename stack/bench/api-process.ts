/**
 * The API as its own process for the benchmark, until the production entry (compiled) runs it:
 * settings from the environment (`loadServerConfig`), `createServer`, listen on PORT. Prints
 * `{"event":"ready","url":...,"pid":N,"startupMs":M}` once it listens, and exits when stdin closes.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import path from 'node:path';
import { createServer } from '../../api/src/app/server';
import { loadServerConfig } from '../../api/src/server-config';

async function main(): Promise<void> {
  const server = await createServer(loadServerConfig());
  const { url } = await server.listen(Number(process.env.PORT), '127.0.0.1');
  process.stdout.write(`${JSON.stringify({ event: 'ready', url, pid: process.pid, startupMs: Math.round(process.uptime() * 1000) })}\n`);
  const stop = () => {
    setTimeout(() => process.exit(0), 3000).unref();
    server.close().finally(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.stdin.on('end', stop);
  process.stdin.on('close', stop);
  process.stdin.resume();
  if (process.env.BENCH_API_PROFILE_DIR) profileOnSignal(process.env.BENCH_API_PROFILE_DIR);
}

/**
 * BENCH_API_PROFILE_DIR: the first SIGUSR2 starts V8's CPU profiler, the next writes the profile
 * (open it in Chrome DevTools), so the profile covers the measured load only, not start-up or seeding.
 */
function profileOnSignal(folder: string): void {
  const session = new Session();
  session.connect();
  let running = false;
  process.on('SIGUSR2', () => {
    void (async () => {
      if (!running) {
        running = true;
        await session.post('Profiler.enable');
        await session.post('Profiler.setSamplingInterval', { interval: 200 });
        await session.post('Profiler.start');
        return;
      }
      running = false;
      const { profile } = await session.post('Profiler.stop');
      const file = path.join(folder, `api-${process.pid}-${Date.now()}.cpuprofile`);
      writeFileSync(file, JSON.stringify(profile));
      process.stdout.write(`${JSON.stringify({ event: 'profile', file })}\n`);
    })();
  });
}

main().catch((error: unknown) => {
  process.stderr.write(`The API could not start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
