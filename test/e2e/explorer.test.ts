/**
 * The GraphQL explorer offline: the stack `npm start` runs, Debian's Chromium with every request that
 * is not to 127.0.0.1 aborted (and recorded: the test fails if the page tried any). The explorer
 * renders GraphiQL from the web build's own files, runs a query against the API and the subgraph and
 * shows the answers, sends the session cookie of a signed-in user, and leaves Apollo's CSRF
 * prevention on.
 */
import { readFileSync } from 'node:fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { demoWallets } from '../../stack/chain/demo-accounts';
import type { RunningStack } from '../../stack/launcher';
import { signInAs } from './support/actors';
import { look, screenshot } from './support/browser';
import { startBrowserStack, type BrowserStack } from './support/stack';

jest.setTimeout(240_000);

/** axe-core, injected into the page under test. */
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

let running: BrowserStack;
let stack: RunningStack;
let browser: Browser;

beforeAll(async () => {
  running = await startBrowserStack();
  ({ stack, browser } = running);
}, 600_000);

afterAll(async () => {
  await running?.stop();
}, 120_000);

/** Aborts every request of `context` that leaves the loopback address; returns the ones attempted. */
async function loopbackOnly(context: BrowserContext): Promise<string[]> {
  const attempted: string[] = [];
  await context.route('**/*', async (route) => {
    const url = new URL(route.request().url());
    if (url.hostname === '127.0.0.1') {
      await route.continue();
    } else {
      attempted.push(url.href);
      await route.abort('internetdisconnected');
    }
  });
  return attempted;
}

/** Page errors and console errors (a Content-Security-Policy refusal is one). */
function collectErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  return errors;
}

/**
 * Waits for GraphiQL's editors, runs the operation in the editor and returns the response pane's text,
 * as one line, once it shows `expected` (the editor renders spaces as no-break spaces, and wraps long
 * lines marking the break with a middle dot).
 */
async function runQuery(page: Page, expected: string): Promise<string> {
  await page.locator('.graphiql-container .graphiql-query-editor .monaco-editor').first().waitFor({ timeout: 60_000 });
  await page.locator('.graphiql-execute-button').click();
  const read = () => (document.querySelector('.graphiql-response .result-window')?.textContent ?? '').replace(/[\s\u00a0\u00b7]+/g, ' ');
  try {
    const shown = await page.waitForFunction(
      (text) => {
        const response = (document.querySelector('.graphiql-response .result-window')?.textContent ?? '').replace(/[\s\u00a0\u00b7]+/g, ' ');
        return response.includes(text) ? response : false;
      },
      expected,
      { timeout: 60_000 },
    );
    return (await shown.jsonValue()) as string;
  } catch (error) {
    // What the response pane showed instead, so a failure says what went wrong.
    throw new Error(`The explorer did not answer with ${expected}: ${(error as Error).message}\nIt shows: ${await page.evaluate(read).catch(() => '(nothing)')}`);
  }
}

describe('the GraphQL explorer, offline', () => {
  test('at the web client, it runs a query against the API and against the subgraph', async () => {
    const context = await browser.newContext({ viewport: { width: 1366, height: 900 } });
    const attempted = await loopbackOnly(context);
    const page = await context.newPage();
    const errors = collectErrors(page);
    const requests: string[] = [];
    page.on('request', (request) => requests.push(request.url()));
    try {
      await page.goto(`${stack.urls.web}/explorer.html`);
      const endpoint = page.locator('select[name="endpoint"]');
      expect(await endpoint.inputValue()).toBe('api');
      const apiAnswer = await runQuery(page, '"ok": true');
      expect(apiAnswer).toContain(`"chainId": ${stack.chainId}`);
      // Signed out, the API answers `me` with null rather than an error.
      expect(apiAnswer).toContain('"me": null');
      await screenshot(page, 'explorer-01-api');

      await endpoint.selectOption('subgraph');
      const subgraphAnswer = await runQuery(page, '"_meta"');
      expect(subgraphAnswer).toMatch(/"number": \d+/);
      expect(subgraphAnswer).toContain('"memberKind"');
      // The explorer plugin lists the subgraph's root fields, from its schema.
      await page.click('[aria-label="Show GraphiQL Explorer"]');
      await page.locator('.graphiql-plugin', { hasText: 'recordVersions' }).waitFor();
      await screenshot(page, 'explorer-02-subgraph');

      expect(attempted).toEqual([]);
      expect(requests.filter((url) => !url.startsWith('data:') && !url.startsWith('blob:') && new URL(url).hostname !== '127.0.0.1')).toEqual([]);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  test("at the API's /graphql, a browser gets the explorer instead of Apollo's CDN landing page", async () => {
    const context = await browser.newContext({ viewport: { width: 1366, height: 900 } });
    const attempted = await loopbackOnly(context);
    const page = await context.newPage();
    const errors = collectErrors(page);
    try {
      const answer = await page.goto(stack.urls.graphql);
      expect(answer?.headers()['content-type']).toContain('text/html');
      expect(answer?.headers()['content-security-policy']).toContain("default-src 'self'");
      // One endpoint here: the API itself, and no switch.
      expect(await page.locator('select[name="endpoint"]').count()).toBe(0);
      expect(await runQuery(page, '"ok": true')).toContain('"providers"');
      expect(attempted).toEqual([]);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
    // The page and its styles name no remote asset (no CDN script, style sheet or font).
    const html = await (await fetch(stack.urls.graphql, { headers: { accept: 'text/html' } })).text();
    const styles = [...html.matchAll(/<link rel="stylesheet"[^>]* href="([^"]+)"/g)].map((match) => match[1]!);
    expect(styles.length).toBeGreaterThan(0);
    for (const text of [html, ...(await Promise.all(styles.map(async (href) => (await fetch(new URL(href, stack.urls.graphql))).text())))]) {
      expect(text).not.toMatch(/https?:\/\//);
    }
    // Clients asking for JSON still reach Apollo, with its CSRF prevention on.
    const get = await fetch(`${stack.urls.graphql}?query=${encodeURIComponent('{ health { ok } }')}`);
    expect(get.status).toBe(400);
    expect(await get.text()).toMatch(/Cross-Site Request Forgery/i);
  });

  test("at the web origin's /subgraph, a browser gets the explorer on the subgraph (at phone size), while queries still reach graph-node", async () => {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
    const attempted = await loopbackOnly(context);
    const page = await context.newPage();
    const errors = collectErrors(page);
    try {
      const answer = await page.goto(`${stack.urls.web}/subgraph`);
      expect(answer?.headers()['content-type']).toContain('text/html');
      expect(answer?.headers()['content-security-policy']).toContain("default-src 'self'");
      // The explorer, not the patient app, opened on the subgraph.
      expect(await page.locator('#app').count()).toBe(0);
      expect(await page.locator('select[name="endpoint"]').inputValue()).toBe('subgraph');
      // The answer is the subgraph's (the API has no `accounts`); on a phone the pane shows its first lines only.
      expect(await runQuery(page, '"memberKind"')).toMatch(/"accounts": \[/);
      await look(page, 'explorer-04-subgraph-path');
      expect(attempted).toEqual([]);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
    // A GraphQL client's POST is graph-node's answer.
    const posted = await fetch(`${stack.urls.web}/subgraph`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ _meta { block { number } } }' }) });
    expect(posted.headers.get('content-type')).toContain('json');
    expect(((await posted.json()) as { data: { _meta: { block: { number: number } } } }).data._meta.block.number).toBeGreaterThan(0);
  });

  test('a signed-in user explores with their own session, and a request without a JSON body is refused', async () => {
    const alice = demoWallets().find((account) => account.name === 'Alice Martin')!;
    const actor = await signInAs(browser, { webUrl: stack.urls.web, rpcUrl: stack.urls.rpc, chainId: stack.chainId, index: alice.index, name: alice.name, viewport: 'desktop' });
    try {
      const attempted = await loopbackOnly(actor.context);
      const page = await actor.context.newPage();
      const errors = collectErrors(page);
      await page.goto(`${stack.urls.web}/explorer.html`);
      expect(await runQuery(page, '"ok": true')).toContain(`"address": "${actor.address}"`);
      expect(errors).toEqual([]);
      // What a cross-site form could send (no JSON content type, no preflight header) is blocked.
      const forged = await page.evaluate(async () => {
        const response = await fetch('/graphql', { method: 'POST', credentials: 'same-origin', headers: { 'content-type': 'text/plain' }, body: '{"query":"{ me { address } }"}' });
        return { status: response.status, body: await response.text() };
      });
      expect(forged.status).toBe(400);
      expect(forged.body).toMatch(/Cross-Site Request Forgery/i);
      expect(attempted).toEqual([]);
    } finally {
      await actor.close();
    }
  });

  test('has no serious or critical accessibility finding (axe-core), at desktop and phone sizes', async () => {
    for (const viewport of [{ width: 1366, height: 900 }, { width: 390, height: 844 }]) {
      // The page's policy forbids inline scripts, and axe is injected as one: only this check bypasses it.
      const context = await browser.newContext({ viewport, bypassCSP: true });
      const attempted = await loopbackOnly(context);
      const page = await context.newPage();
      try {
        await page.goto(`${stack.urls.web}/explorer.html`);
        await runQuery(page, '"ok": true');
        await page.addScriptTag({ content: AXE_SOURCE });
        const violations = await page.evaluate(async () => {
          type Violation = { id: string; impact: string | null; help: string; nodes: { html: string; failureSummary?: string }[] };
          const axe = (window as unknown as { axe: { run(context: Document, options: object): Promise<{ violations: Violation[] }> } }).axe;
          const results = await axe.run(document, { resultTypes: ['violations'] });
          // Each finding with the elements at fault and why, so a failure says what to fix.
          return results.violations.map((violation) => ({
            id: violation.id,
            impact: violation.impact,
            help: violation.help,
            nodes: violation.nodes.map((node) => `${node.html}: ${node.failureSummary ?? ''}`),
          }));
        });
        await screenshot(page, `explorer-03-${viewport.width}x${viewport.height}`);
        expect(violations.filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')).toEqual([]);
        expect(attempted).toEqual([]);
      } finally {
        await context.close();
      }
    }
  });
});
