/**
 * The web client's availability banner in a real Chromium on the stack `npm start` runs: when the
 * stack's FerretDB stops answering (SIGSTOP: the process stays, so the launcher does not restart it and
 * the outage lasts exactly as long as the test wants), the API's /readyz says the database is down and
 * the banner says so, at desktop and phone sizes, covering no control; after SIGCONT it disappears by
 * itself, without a reload. With the indexer stopped the same way, on a phone, the banner and the
 * notices of failed sign-ins stay a small strip of the screen.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { quietProgress } from '../../stack/progress';
import { loadStackConfig } from '../../stack/stack-config';
import { startStack, type RunningStack } from '../../stack/launcher';
import { openAs, signInAs, type Actor } from './support/actors';
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

test('with the indexer down on a phone, the banner and the notices of failed sign-ins stay a small strip of the screen', async () => {
  const visitor = await openAs(browser!, { webUrl: stack!.urls.web, rpcUrl: stack!.urls.rpc, chainId: stack!.chainId, index: 5, name: 'Visitor', viewport: 'phone' });
  try {
    const { page } = visitor;
    const banner = page.locator('#availability');
    await page.waitForSelector('[data-action="connect"]');
    stopped = stack!.graphNodePid!;
    process.kill(stopped, 'SIGSTOP');
    await banner.waitFor({ state: 'visible', timeout: 60_000 });
    expect(await banner.innerText()).toMatch(/the indexer/);
    // Signing in reads the account's roles from the index: each attempt fails with a notice, up to the three shown.
    for (let attempt = 1; attempt <= 4; attempt += 1) {
      await page.click('[data-action="connect"]');
      await page.waitForFunction(
        (count) => document.querySelectorAll('#notices .notice[data-kind="error"]').length >= count && !document.querySelector('[data-action="connect"]:disabled'),
        Math.min(attempt, 3),
        { timeout: 60_000 },
      );
    }
    const screen = VIEWPORTS.phone.height;
    const bannerBox = (await banner.boundingBox())!;
    const noticesBox = (await page.locator('#notices').boundingBox())!;
    expect(await page.locator('#notices .notice').count()).toBe(3);
    // Each a strip, and the two together under a quarter of the screen: the page stays usable.
    expect(bannerBox.height).toBeLessThanOrEqual(screen * 0.12);
    expect(noticesBox.height).toBeLessThanOrEqual(screen * 0.2);
    expect(bannerBox.height + noticesBox.height).toBeLessThanOrEqual(screen * 0.25);
    // Every notice can still be reached and dismissed (the area scrolls).
    const newest = page.locator('#notices .notice').first();
    expect(await newest.locator('button[aria-label="Dismiss"]').isVisible()).toBe(true);
    await look(page, 'availability-indexer-down');
    process.kill(stopped, 'SIGCONT');
    stopped = undefined;
    await banner.waitFor({ state: 'hidden', timeout: 60_000 });
  } finally {
    await visitor.close();
  }
});
