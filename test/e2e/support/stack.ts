import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { quietProgress } from '../../../stack/progress';
import { loadStackConfig } from '../../../stack/stack-config';
import { startStack, type RunningStack } from '../../../stack/stack';
import { launchChromium } from './browser';

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
  const config = loadStackConfig(
    {
      CHAIN_PORT: '0',
      SUBGRAPH_PORT: '0',
      INDEX_NODE_PORT: '0',
      GRAPH_ADMIN_PORT: '0',
      GRAPH_METRICS_PORT: '0',
      API_PORT: '0',
      WEB_PORT: '0',
      DATA_DIR: dataDir,
      GRAPH_NODE_POSTGRES_URL: process.env.GRAPH_NODE_POSTGRES_URL!,
    },
    [],
  );
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
