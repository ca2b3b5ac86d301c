/**
 * The whole system in a browser: the stack `npm start` runs (chain, contracts, graph-node, FerretDB,
 * API, web client, demo data) on free ports, Debian's Chromium driven by playwright-core, and an
 * injected EIP-1193 wallet in place of MetaMask that signs with the demo's test keys. Each flow is a
 * user's action through the UI; the assertions read what the UI then shows.
 */
import type { Browser } from 'playwright-core';
import { demoWallets } from '../../stack/demo-accounts';
import type { RunningStack } from '../../stack/stack';
import { signInAs, openTab, waitForConfirmed, type Actor } from './support/actors';
import { screenshot } from './support/browser';
import { startBrowserStack, type BrowserStack } from './support/stack';

jest.setTimeout(240_000);

const people = Object.fromEntries(demoWallets().map((account) => [account.name, account]));
const alice = people['Alice Martin']!;
const bob = people['Bob Okafor']!;
const carla = people['Carla Lopez']!;
const dani = people['Dani Lopez']!;
const femi = people['Dr. Femi Adeyemi']!;
const grace = people['Grace Chen']!;

let running: BrowserStack;
let stack: RunningStack;
let browser: Browser;
const actors: Actor[] = [];

async function as(person: { index: number; name: string }): Promise<Actor> {
  const actor = await signInAs(browser, { webUrl: stack.urls.web, rpcUrl: stack.urls.rpc, chainId: stack.chainId, index: person.index, name: person.name });
  actors.push(actor);
  return actor;
}

beforeAll(async () => {
  running = await startBrowserStack();
  ({ stack, browser } = running);
}, 600_000);

afterAll(async () => {
  for (const actor of actors) await actor.close().catch(() => undefined);
  await running?.stop();
}, 120_000);

describe('the web client on the whole stack', () => {
  let patient: Actor;
  let provider: Actor;

  test('a patient signs in with Ethereum and sees their records', async () => {
    patient = await as(alice);
    await patient.page.waitForSelector('[data-view="patient"]');
    expect(await patient.page.textContent('.view-title')).toContain('Alice Martin');
    // The seeded records are all anchored and match their commitments.
    const badges = await patient.page.locator('[data-section="Records"] [data-integrity]').allTextContents();
    expect(badges.length).toBeGreaterThan(0);
    expect(new Set(badges)).toEqual(new Set(['verified']));
    await screenshot(patient.page, '01-patient-signed-in');

    // A reload keeps the session: same account in the wallet, no new signature.
    await patient.page.reload();
    await patient.page.waitForSelector(`[data-signed-in="${patient.address}"]`);
    await patient.page.waitForSelector('.tab-body:not([aria-busy]) > [data-view="patient"]');
  });

  test('the patient grants and renews a consent with wallet transactions', async () => {
    const page = patient.page;
    const form = page.locator('form[name="grant-consent"]');
    await form.locator('select[name="grantee"]').selectOption(femi.address.toLowerCase());
    await form.locator('select[name="scope"]').selectOption('Observation');
    await form.locator('select[name="purpose"]').selectOption('TREAT');
    await form.locator('input[name="write"]').check();
    await form.locator('button[type="submit"]').click();
    await waitForConfirmed(page, 'Grant consent');
    const key = `${femi.address.toLowerCase()}:Observation`;
    await page.waitForSelector(`[data-revoke="${key}"]`);
    await screenshot(page, '02-patient-granted-consent');

    // Renewing moves the expiry 90 days further.
    const before = Date.parse(await page.locator(`[data-expires="${key}"]`).innerText());
    await page.click(`[data-renew="${key}"]`);
    await waitForConfirmed(page, 'Renew consent');
    const after = Date.parse(await page.locator(`[data-expires="${key}"]`).innerText());
    expect(Math.round((after - before) / 86_400_000)).toBe(90);
  });

  test('the patient signs a consent that the API relays, paying no gas', async () => {
    const page = patient.page;
    const form = page.locator('form[name="grant-consent"]');
    await form.locator('select[name="grantee"]').selectOption(grace.address.toLowerCase());
    await form.locator('select[name="scope"]').selectOption('Condition');
    await form.locator('select[name="purpose"]').selectOption('HRESCH');
    await form.locator('input[name="write"]').uncheck();
    await page.click('[data-action="relay-consent"]');
    await waitForConfirmed(page, 'Signed consent');
    await page.waitForSelector(`[data-revoke="${grace.address.toLowerCase()}:Condition"]`);
  });

  test('the provider adds a record: prepared by the API, anchored by a wallet transaction', async () => {
    provider = await as(femi);
    await provider.page.waitForSelector('[data-view="provider"]');
    const form = provider.page.locator('form[name="add-record"]');
    await form.locator('input[name="patient"]').fill(alice.address);
    await form.locator('select[name="category"]').selectOption('Observation');
    await form.locator('select[name="category"]').dispatchEvent('change');
    await form.locator('button[type="submit"]').click();
    await waitForConfirmed(provider.page, 'Anchor record');
    await screenshot(provider.page, '03-provider-added-record');
  });

  test('the patient sees the new record verified against the chain', async () => {
    const page = patient.page;
    await openTab(page, 'patient', 'patient');
    const row = page.locator('[data-section="Records"] tr', { hasText: 'Dr. Femi Adeyemi' });
    await row.waitFor();
    expect(await row.locator('[data-integrity]').getAttribute('data-integrity')).toBe('VERIFIED');
    await row.locator('button', { hasText: 'Open' }).click();
    const content = page.locator('[data-section="Records"] pre.content');
    await content.waitFor();
    expect(JSON.parse(await content.innerText())).toMatchObject({ resourceType: 'Observation', status: 'final' });
    await screenshot(page, '04-patient-record-verified');
  });

  test('the patient revokes the consent', async () => {
    const page = patient.page;
    await page.click(`[data-revoke="${femi.address.toLowerCase()}:Observation"]`);
    await waitForConfirmed(page, 'Revoke consent');
    // The view re-renders from the API once the index has the revocation.
    await page.waitForSelector(`[data-revoke="${femi.address.toLowerCase()}:Observation"]`, { state: 'detached' });
    const row = page.locator('[data-section="Consents"] tr', { hasText: 'Dr. Femi Adeyemi' }).filter({ hasText: 'Observation' });
    expect(await row.locator('[data-consent-state]').getAttribute('data-consent-state')).toBe('revoked');
    await screenshot(page, '05-patient-revoked');
  });

  test('the provider is denied once the consent is revoked', async () => {
    const page = provider.page;
    await openTab(page, 'provider', 'provider');
    const form = page.locator('form[name="browse-records"]');
    await form.locator('input[name="patient"]').fill(alice.address);
    await form.locator('select[name="category"]').selectOption('Observation');
    await form.locator('button[type="submit"]').click();
    const denial = page.locator('[data-section="Records by category"] [role="alert"]');
    await denial.waitFor();
    expect(await denial.innerText()).toMatch(/no active read consent/i);
    await screenshot(page, '06-provider-denied');
  });

  test('under emergency access the provider reads as emergency treatment (ETREAT)', async () => {
    // The demo seed had Dr. Femi Adeyemi open break-glass access to Bob Okafor.
    const page = provider.page;
    const form = page.locator('form[name="browse-records"]');
    await form.locator('input[name="patient"]').fill(bob.address);
    await form.locator('select[name="category"]').selectOption('Observation');
    await form.locator('select[name="purpose"]').selectOption('ETREAT');
    await form.locator('button[type="submit"]').click();
    const open = page.locator('[data-section="Records by category"] [data-open-record]').first();
    await open.click();
    const content = page.locator('[data-section="Records by category"] pre.content');
    await content.waitFor();
    expect(JSON.parse(await content.innerText())).toMatchObject({ resourceType: 'Observation' });
    await screenshot(page, '07-provider-emergency-read');
  });

  test('a guardian approves a treatment for the minor they care for', async () => {
    const guardian = await as(carla);
    const page = guardian.page;
    await openTab(page, `ward-${dani.address.toLowerCase()}`, 'guardian');
    const approve = page.locator('[data-approve]').first();
    await approve.waitFor();
    const treatmentId = await approve.getAttribute('data-approve');
    await approve.click();
    await waitForConfirmed(page, 'Approve treatment');
    await page.waitForSelector(`[data-approve="${treatmentId}"]`, { state: 'detached' });
    const statuses = await page.locator('[data-section="Treatments"] [data-treatment-status]').evaluateAll((items) => items.map((item) => item.getAttribute('data-treatment-status')));
    expect(statuses).toEqual(['APPROVED']);
    await screenshot(page, '08-guardian-approved-treatment');
  });

  test('a researcher opens the consent graph and travels back in time', async () => {
    const researcher = await as(grace);
    const page = researcher.page;
    await page.waitForSelector('[data-view="researcher"] svg.consent-graph');
    const edgesNow = await page.locator('svg.consent-graph path.edge').count();
    expect(edgesNow).toBeGreaterThan(0);
    // Pseudonyms, not addresses, for a researcher.
    const labels = await page.locator('svg.consent-graph .node title').allTextContents();
    expect(labels.some((label) => label.toLowerCase() === alice.address.toLowerCase())).toBe(false);
    await screenshot(page, '09-researcher-consent-graph');

    // As of the block the contracts were deployed in, nobody had consented to anything.
    const slider = page.locator('input[name="block"]');
    await slider.evaluate((element: HTMLInputElement, block) => {
      element.value = String(block);
      element.dispatchEvent(new Event('input'));
    }, stack.deployment.contracts.ConsentManager.blockNumber);
    await page.waitForFunction((block) => document.querySelector('[data-graph-caption]')?.textContent?.includes(`block ${block} `), stack.deployment.contracts.ConsentManager.blockNumber);
    expect(await page.locator('svg.consent-graph path.edge').count()).toBe(0);
    // The aggregates follow the slider: before any consent, no consent was granted.
    await page.waitForSelector(`.charts[data-block="${stack.deployment.contracts.ConsentManager.blockNumber}"]`);
    expect(await page.locator('.charts svg[aria-label="Consents granted, by purpose"] rect').count()).toBe(0);
    await screenshot(page, '10-researcher-time-travel');
  });

  test('no page threw or logged an error along the way', () => {
    expect(actors.map((actor) => ({ who: actor.name, errors: actor.errors }))).toEqual(actors.map((actor) => ({ who: actor.name, errors: [] })));
  });
});
