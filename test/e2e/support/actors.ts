import type { Browser, BrowserContext, Page } from 'playwright-core';
import { testWallet } from '../../../stack/chain/demo-accounts';
import { VIEWPORTS, type ViewportName } from './browser';
import { InjectedWallet } from './injected-wallet';

/** One person at their own browser: a context with their wallet injected, signed in to the client. */
export interface Actor {
  name: string;
  address: string;
  page: Page;
  context: BrowserContext;
  /** Uncaught exceptions and console errors of the page (a Content-Security-Policy refusal is one). */
  errors: string[];
  close(): Promise<void>;
}

export interface ActorOptions {
  webUrl: string;
  rpcUrl: string;
  chainId: number;
  index: number;
  name: string;
  viewport: ViewportName;
  /** A wallet on another chain, without the deployment's (see InjectedWallet). */
  startOnChain?: number;
}

/** Opens the client as demo account `index` in a browser of the given screen size, with its wallet injected. */
export async function openAs(browser: Browser, options: ActorOptions): Promise<Actor & { wallet: InjectedWallet }> {
  const key = testWallet(options.index).privateKey;
  const wallet = new InjectedWallet(options.rpcUrl, options.chainId, key, { startOnChain: options.startOnChain });
  const context = await browser.newContext({ viewport: VIEWPORTS[options.viewport] });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: options.webUrl });
  await wallet.install(context);
  const page = await context.newPage();
  const pageErrors: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') pageErrors.push(message.text());
  });
  await page.goto(options.webUrl);
  return {
    name: options.name,
    address: wallet.address.toLowerCase(),
    page,
    context,
    wallet,
    errors: pageErrors,
    async close() {
      await context.close();
      wallet.destroy();
    },
  };
}

/** Opens the client as demo account `index`, connects the wallet and signs in with SIWE. */
export async function signInAs(browser: Browser, options: ActorOptions): Promise<Actor> {
  const actor = await openAs(browser, options);
  const { page, wallet, errors: pageErrors } = actor;
  await page.click('[data-action="connect"]');
  try {
    await page.waitForSelector(`[data-signed-in="${wallet.address.toLowerCase()}"]`, { timeout: 30_000 });
  } catch (error) {
    const notices = await page.locator('#notices').innerText().catch(() => '');
    throw new Error(`${options.name} could not sign in: ${(error as Error).message}\nNotices: ${notices}\nPage errors: ${pageErrors.join('; ')}`);
  }
  return actor;
}

/** Answers the client's confirmation dialog (revoke, approve, break-glass…) and returns what it asked. */
export async function confirmDialog(page: Page, answer: 'ok' | 'cancel' = 'ok'): Promise<string> {
  const dialog = page.locator('dialog.confirm[open]');
  await dialog.waitFor();
  const text = await dialog.innerText();
  await dialog.locator(`[data-confirm="${answer}"]`).click();
  await dialog.waitFor({ state: 'detached' });
  return text;
}

/** Opens a tab of the client and waits until its view has rendered. */
export async function openTab(page: Page, tab: string, view: string): Promise<void> {
  await page.click(`[data-tab="${tab}"]`);
  // The click marks the tab body busy at once; the view is ready when it is no longer busy.
  await page.waitForSelector(`.tab-body:not([aria-busy]) > [data-view="${view}"]`, { timeout: 30_000 });
}

/** Waits for the transaction notice of `label` to say it is confirmed (and indexed), or fails with its text. */
export async function waitForConfirmed(page: Page, label: string): Promise<void> {
  const notice = page.locator('.notice', { hasText: label }).first();
  await notice.waitFor({ timeout: 30_000 });
  await page.waitForFunction(
    (text) => {
      const element = Array.from(document.querySelectorAll(".notice")).find((item) => item.textContent?.includes(text));
      return element && (element.getAttribute('data-kind') === 'success' || element.getAttribute('data-kind') === 'error');
    },
    label,
    { timeout: 60_000 },
  );
  const kind = await notice.getAttribute('data-kind');
  if (kind !== 'success') throw new Error(`"${label}" did not succeed: ${await notice.innerText()}`);
}
