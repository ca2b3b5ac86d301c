import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { quietProgress } from '../../../stack/progress';
import { loadStackConfig } from '../../../stack/stack-config';
import { startStack, type RunningStack } from '../../../stack/launcher';
import { launchChromium } from './browser';
import { testStackEnvironment } from '../../fixtures/stack-env';

export interface BrowserStack {
  stack: RunningStack;
  browser: Browser;
  /** Closes the browser, stops the stack (checking every child it started has exited) and deletes its data. */
  stop(): Promise<void>;
}

/**
 * The stack a newcomer gets from `npm start` (every port free, everything embedded, the demo seeded)
 * in a fresh data folder, except that graph-node's database is on the run's shared PostgreSQL
 * (test/global-setup.ts), and Chromium. `npm test` and `npm run test:e2e` build the subgraph and the
 * web client first; the stack reuses those builds.
 */
export async function startBrowserStack(): Promise<BrowserStack> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'health-records-e2e-'));
  const config = loadStackConfig(testStackEnvironment(dataDir), []);
  const progress: string[] = [];
  let stack: RunningStack;
  try {
    stack = await startStack({ config, progress: quietProgress(progress), reuseBuilds: true });
  } catch (error) {
    await rm(dataDir, { recursive: true, force: true });
    throw new Error(`The stack did not start: ${(error as Error).message}\nProgress:\n${progress.join('\n')}`);
  }
  const browser = await launchChromium();
  return {
    stack,
    browser,
    async stop() {
      await browser.close();
      await stack.stop();
      for (const pid of stack.pids) {
        // Every child the stack started has exited.
        expect(() => process.kill(pid, 0)).toThrow();
      }
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
