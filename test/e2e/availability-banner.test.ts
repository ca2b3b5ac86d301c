/**
 * The web client's availability banner in a real Chromium on the stack `npm start` runs: when the
 * stack's FerretDB stops answering (SIGSTOP: the process stays, so the launcher does not restart it and
 * the outage lasts exactly as long as the test wants), the API's /readyz says the database is down and
 * the banner says so, at desktop and phone sizes, covering no control; after SIGCONT it disappears by
 * itself, without a reload.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { quietProgress } from '../../stack/progress';
import { loadStackConfig } from '../../stack/stack-config';
import { startStack, type RunningStack } from '../../stack/launcher';
import { signInAs, type Actor } from './support/actors';
import { launchChromium, look, VIEWPORTS } from './support/browser';
import { testStackEnvironment } from '../fixtures/stack-env';

jest.setTimeout(300_000);

let dataDir: string;
let stack: RunningStack | undefined;
let browser: Browser | undefined;
let actor: Actor | undefined;
let stopped: number | undefined;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'health-records-banner-'));
  stack = await startStack({ config: loadStackConfig(testStackEnvironment(dataDir), ['--no-demo']), progress: quietProgress([]), reuseBuilds: true });
  browser = await launchChromium();
}, 300_000);

afterAll(async () => {
  if (stopped) process.kill(stopped, 'SIGCONT');
  await actor?.close();
  await browser?.close();
  await stack?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

test('the banner says the database is unavailable while it is, and goes away by itself when it is back', async () => {
  actor = await signInAs(browser!, { webUrl: stack!.urls.web, rpcUrl: stack!.urls.rpc, chainId: stack!.chainId, index: 4, name: 'Alice', viewport: 'desktop' });
  const { page } = actor;
  const banner = page.locator('#availability');
  await page.waitForSelector('.tab-body:not([aria-busy])');
  expect(await banner.isHidden()).toBe(true);

  stopped = stack!.databasePid!;
  process.kill(stopped, 'SIGSTOP');
  await banner.waitFor({ state: 'visible', timeout: 60_000 });
  expect(await banner.getAttribute('role')).toBe('status');
  expect(await banner.innerText()).toMatch(/Temporarily unavailable: the database .*comes back by itself/);
  await look(page, 'availability-banner');
  // The banner is in view at both sizes and covers none of the header's controls.
  for (const size of ['desktop', 'phone'] as const) {
    await page.setViewportSize(VIEWPORTS[size]);
    const box = (await banner.boundingBox())!;
    expect(box.y).toBeGreaterThanOrEqual(0);
    expect(box.y + box.height).toBeLessThanOrEqual(VIEWPORTS[size].height);
    expect(box.width).toBeLessThanOrEqual(VIEWPORTS[size].width);
    const signOut = (await page.getByRole('button', { name: 'Sign out' }).boundingBox())!;
    expect(signOut.y + signOut.height <= box.y || signOut.y >= box.y + box.height).toBe(true);
  }
  await look(page, 'availability-banner');

  process.kill(stopped, 'SIGCONT');
  stopped = undefined;
  await banner.waitFor({ state: 'hidden', timeout: 60_000 });
  expect(await banner.innerText()).toBe('');
});
