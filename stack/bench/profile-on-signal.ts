/**
 * Preloaded into the API process by `bench:api` when BENCH_API_PROFILE_DIR is set (Node refuses
 * --cpu-prof in NODE_OPTIONS): the first SIGUSR2 starts V8's CPU profiler, the next writes the profile
 * to that folder (open it in Chrome DevTools), so it covers the measured load only, not start-up or
 * seeding. The API's own code still runs compiled from dist/.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import path from 'node:path';

const folder = process.env.BENCH_API_PROFILE_DIR;
if (folder) {
  const session = new Session();
  session.connect();
  let running = false;
  process.on('SIGUSR2', () => {
    void (async () => {
      if (!running) {
        running = true;
        await session.post('Profiler.enable');
        await session.post('Profiler.setSamplingInterval', { interval: 250 });
        await session.post('Profiler.start');
        return;
      }
      running = false;
      const { profile } = await session.post('Profiler.stop');
      const file = path.join(folder, `api-${process.pid}-${Date.now()}.cpuprofile`);
      writeFileSync(file, JSON.stringify(profile));
      process.stderr.write(`[bench:api] CPU profile of the measured load: ${file}\n`);
    })();
  });
}
