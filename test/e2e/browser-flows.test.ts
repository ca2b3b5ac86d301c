/**
 * The whole system in a browser: the stack `npm start` runs (chain, contracts, graph-node, FerretDB,
 * API, web client, demo data) on free ports, Debian's Chromium driven by playwright-core, and an
 * injected EIP-1193 wallet in place of MetaMask that signs with the demo's test keys. Each flow is a
 * user's action through the UI; the assertions read what the UI then shows.
 *
 * Every flow runs at a laptop's and a phone's screen size (E2E_VIEWPORTS=phone, or desktop, runs one),
 * each on a fresh stack. After each step `look` saves a screenshot in test-results/e2e/<size>/ and
 * fails on axe-core's serious or critical findings and on anything running off the screen.
 */
import path from 'node:path';
import { JsonRpcProvider } from 'ethers';
import type { Browser } from 'playwright-core';
import { demoWallets } from '../../stack/chain/demo-accounts';
import type { RunningStack } from '../../stack/launcher';
import { confirmDialog, openAs, openTab, signInAs, waitForConfirmed, type Actor } from './support/actors';
import { look, SCREENSHOT_DIR, VIEWPORTS, type ViewportName } from './support/browser';
import { startBrowserStack, type BrowserStack } from './support/stack';

jest.setTimeout(240_000);

const people = Object.fromEntries(demoWallets().map((account) => [account.name, account]));
const alice = people['Alice Martin']!;
const carla = people['Carla Lopez']!;
const dani = people['Dani Lopez']!;
const eva = people['Dr. Eva Novak']!;
const femi = people['Dr. Femi Adeyemi']!;
const grace = people['Grace Chen']!;

const sizes = (process.env.E2E_VIEWPORTS ?? 'desktop,phone').split(',').map((name) => name.trim()) as ViewportName[];
for (const size of sizes) {
  if (!(size in VIEWPORTS)) throw new Error(`E2E_VIEWPORTS names ${size}; use ${Object.keys(VIEWPORTS).join(', ')}.`);
}

describe.each(sizes)('the web client on the whole stack, at %s size', (size) => {
  let stack: RunningStack;
  let browser: Browser;
  const actors: Actor[] = [];
  const options = (person: { index: number; name: string }) => ({ webUrl: stack.urls.web, rpcUrl: stack.urls.rpc, chainId: stack.chainId, index: person.index, name: person.name, viewport: size });

  async function as(person: { index: number; name: string }): Promise<Actor> {
    const actor = await signInAs(browser, options(person));
    actors.push(actor);
    return actor;
  }

  let running: BrowserStack;
  beforeAll(async () => {
    // Sign-in is limited per client IP (AUTH_RATE_LIMIT, 30 a minute; test/api/auth.test.ts tests it).
    // Here the demo seed signs in its 13 accounts and then six people sign in within about a minute,
    // all from 127.0.0.1: room for those, as for one small clinic behind one address.
    process.env.AUTH_RATE_LIMIT ??= '60';
    running = await startBrowserStack();
    ({ stack, browser } = running);
  }, 600_000);

  afterAll(async () => {
    for (const actor of actors) await actor.close().catch(() => undefined);
    await running?.stop();
    process.stdout.write(`Screenshots (${size}): ${path.join(SCREENSHOT_DIR, size)}\n`);
  }, 120_000);

  let patient: Actor;
  let provider: Actor;

  test('a patient signs in with Ethereum and sees their records', async () => {
    patient = await as(alice);
    await patient.page.waitForSelector('[data-view="patient"]');
    expect(await patient.page.textContent('.view-title')).toContain('Alice Martin');
    // The seeded records are all anchored and match their commitments.
    const badges = await patient.page.locator('[data-section="Records"] [data-integrity]').allTextContents();
    expect(badges.length).toBeGreaterThan(0);
    expect(new Set(badges)).toEqual(new Set(['Verified']));
    // Tabs are a tab list: the current one is selected.
    expect(await patient.page.locator('[role="tablist"] [role="tab"][aria-selected="true"]').innerText()).toBe('My records');
    await look(patient.page, '01-patient-signed-in');
    // Keyboard focus shows a ring.
    await patient.page.keyboard.press('Tab');
    expect(await patient.page.evaluate(() => document.activeElement && getComputedStyle(document.activeElement).outlineStyle)).toBe('solid');

    // A reload keeps the session: same account in the wallet, no new signature.
    await patient.page.reload();
    await patient.page.waitForSelector(`[data-signed-in="${patient.address}"]`);
    await patient.page.waitForSelector('.tab-body:not([aria-busy]) > [data-view="patient"]');
  });

  test('the patient grants consents with wallet transactions and renews one', async () => {
    const page = patient.page;
    const form = page.locator('form[name="grant-consent"]');
    // Observations to read and write, and conditions and demographics to read: two clinical categories and her name.
    for (const [scope, write] of [['Observation', true], ['Condition', false], ['Patient', false]] as const) {
      await form.locator('select[name="grantee"]').selectOption(femi.address.toLowerCase());
      await form.locator('select[name="scope"]').selectOption(scope);
      await form.locator('select[name="purpose"]').selectOption('TREAT');
      await form.locator('input[name="write"]').setChecked(write);
      await form.locator('button[type="submit"]').click();
      await waitForConfirmed(page, 'Grant consent');
      await page.waitForSelector(`[data-revoke="${femi.address.toLowerCase()}:${scope}"]`);
      await page.locator('.notice').first().locator('button[aria-label="Dismiss"]').click();
    }
    // Labels, not codes.
    const row = page.locator('[data-section="Consents"] tr', { hasText: 'Dr. Femi Adeyemi' }).filter({ hasText: 'Observations' });
    expect(await row.innerText()).toMatch(/Read and write[\s\S]*Treatment|Treatment[\s\S]*Read and write/);
    await look(page, '02-patient-granted-consents');

    // Renewing moves the expiry 90 days further.
    const key = `${femi.address.toLowerCase()}:Observation`;
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
    // Before the wallet's typed data, the consent in words.
    expect(await confirmDialog(page, 'ok')).toMatch(/Grace Chen may read your conditions \(diagnoses\) for research until \S/);
    await waitForConfirmed(page, 'Signed consent');
    await page.waitForSelector(`[data-revoke="${grace.address.toLowerCase()}:Condition"]`);
    // However many transactions ran, at most three notices show.
    expect(await page.locator('#notices .notice').count()).toBeLessThanOrEqual(3);
  });

  test('appointing a guardian: typos are caught under the field, an unused account is flagged, and the confirmation states who and until when', async () => {
    const page = patient.page;
    const form = page.locator('form[name="appoint-guardian"]');
    const address = form.locator('input[name="guardian"]');
    // A mixed-case typo breaks the checksum: a plain message under the field, no wallet, no raw library text.
    const carlaChecksummed = carla.address;
    const flipped = carlaChecksummed.replace(/[a-f]/, (letter) => letter.toUpperCase());
    await address.fill(flipped);
    await form.locator('button[type="submit"]').click();
    const problem = form.locator('[data-field-problems="guardian"]');
    await problem.waitFor();
    expect(await problem.innerText()).toContain('This address has a typo');
    expect(await problem.innerText()).not.toMatch(/checksum \(|version=|INVALID_ARGUMENT/);
    expect(await page.locator('dialog.confirm[open]').count()).toBe(0);
    await look(page, '02b-guardian-typo');

    // A one-character typo in an all-lowercase address is a valid, never-used account: flagged before anything is sent.
    const lower = carla.address.toLowerCase();
    const typo = `${lower.slice(0, -1)}${lower.endsWith('0') ? '1' : '0'}`;
    await address.fill(typo);
    await form.locator('button[type="submit"]').click();
    await page.locator('dialog.confirm[open] [data-guardian-unknown]').waitFor();
    await look(page, '02c-guardian-unknown-account');
    expect(await confirmDialog(page, 'cancel')).toMatch(/Not a known account[\s\S]*With no end date/);

    // A real account: its name (where the directory has one), what a guardian may do, and the end date.
    await address.fill(femi.address.toLowerCase());
    await form.locator('input[name="days"]').fill('30');
    await form.locator('button[type="submit"]').click();
    const asked = await confirmDialog(page, 'ok');
    expect(asked).toContain('Dr. Femi Adeyemi');
    expect(asked).toMatch(/act for you in everything[\s\S]*Until /);
    expect(asked).not.toContain('Not a known account');
    await waitForConfirmed(page, 'Appoint guardian');
    const row = page.locator('[data-section="Guardians"] tbody tr', { hasText: femi.address.toLowerCase() });
    await row.waitFor();
    // Removed again, so the rest of the flows see Alice's consents as she gave them.
    await row.locator('[data-remove-guardian]').click();
    await confirmDialog(page, 'ok');
    await waitForConfirmed(page, 'Remove guardian');
  });

  test('the provider sees each patient once, by name, with the full address to copy', async () => {
    provider = await as(femi);
    const page = provider.page;
    await page.waitForSelector('[data-view="provider"]');
    const rows = page.locator('[data-section="Patients who consented"] tbody tr');
    const texts = await rows.allInnerTexts();
    // Alice gave three consents: one row, named (her demographics consent covers her profile).
    const aliceRows = texts.filter((text) => text.toLowerCase().includes(alice.address.toLowerCase()));
    expect(aliceRows).toHaveLength(1);
    expect(aliceRows[0]).toMatch(/Alice Martin, born .*1984/);
    const aliceRow = rows.filter({ hasText: 'Alice Martin' });
    expect((await aliceRow.locator('code.address-full').innerText()).toLowerCase()).toBe(alice.address.toLowerCase());
    await aliceRow.locator('button.copy').click();
    expect((await page.evaluate(() => navigator.clipboard.readText())).toLowerCase()).toBe(alice.address.toLowerCase());
    // The patient is picked from a list of names, not typed as hex.
    const options = await page.locator('form[name="browse-records"] select[name="patient"] option').allInnerTexts();
    expect(options.some((option) => option.startsWith('Alice Martin, born'))).toBe(true);
    await look(page, '03-provider-patients');
  });

  test('the GP sees every patient by name and birth date, and no form starts filled in', async () => {
    const gp = await as(eva);
    const page = gp.page;
    await page.waitForSelector('[data-view="provider"]');
    // Every patient who consented to her is named with a birth date, never a bare address.
    const rows = page.locator('[data-section="Patients who consented"] tbody tr');
    const names = await rows.locator('.person-name').allInnerTexts();
    expect(names.length).toBeGreaterThanOrEqual(8);
    expect(names).toHaveLength(await rows.count());
    for (const name of names) expect(name).toMatch(/^\S.*, born .*\d{4}$/);
    // Every patient picker starts on "Choose a patient…" and offers names with birth dates.
    for (const formName of ['browse-records', 'add-record', 'propose-treatment']) {
      const picker = page.locator(`form[name="${formName}"] select[name="patient"]`);
      expect(await picker.inputValue()).toBe('');
      const offered = await picker.locator('option:not([value=""])').allInnerTexts();
      expect(offered.length).toBeGreaterThan(0);
      for (const option of offered) expect(option).toMatch(/, born .*\d{4} \(0x[0-9a-fA-F]{4}…[0-9a-fA-F]{4}\)$/);
    }
    // No clinical content is pre-filled: the record and the plan start empty.
    const add = page.locator('form[name="add-record"]');
    expect(await add.locator('textarea[name="content"]').inputValue()).toBe('');
    expect(await add.locator('select[name="category"]').inputValue()).toBe('');
    expect(await page.locator('form[name="propose-treatment"] textarea[name="plan"]').inputValue()).toBe('');
    await look(page, '03b-gp-named-patients-empty-forms');

    // An example comes only when asked for, and says it is one; adding it asks first, naming the patient and what it says.
    await add.locator('select[name="patient"]').selectOption(alice.address.toLowerCase());
    await add.locator('select[name="category"]').selectOption('Condition');
    await add.locator('[data-action="insert-example"]').click();
    expect(await add.locator('[data-template-note]').innerText()).toContain('made up');
    expect(JSON.parse(await add.locator('textarea[name="content"]').inputValue())).toMatchObject({ resourceType: 'Condition' });
    await add.locator('button[type="submit"]').click();
    await page.locator('dialog.confirm[open]').waitFor();
    await look(page, '03c-gp-confirm-add-record');
    const asked = await confirmDialog(page, 'cancel');
    expect(asked).toMatch(/Alice Martin, born .*1984/);
    expect(await page.evaluate(() => document.activeElement?.closest('form')?.getAttribute('name'))).toBe('add-record');
    expect(asked).toContain('Asthma');
    // Cancelled: nothing was stored or sent to the wallet.
    expect(await page.locator('.notice', { hasText: 'Anchor record' }).count()).toBe(0);
    expect(await page.locator('.notice', { hasText: 'Add record' }).count()).toBe(0);
  });

  test('the provider browses every category she holds consents for, without a denial', async () => {
    const page = provider.page;
    const form = page.locator('form[name="browse-records"]');
    await form.locator('select[name="patient"]').selectOption(alice.address.toLowerCase());
    // Only the categories of her consents are offered; "every category" means those.
    const categories = await form.locator('select[name="category"] option').evaluateAll((items) => items.map((item) => (item as HTMLOptionElement).value));
    expect(categories.sort()).toEqual(['', 'Condition', 'Observation', 'Patient']);
    await form.locator('select[name="category"]').selectOption('');
    await form.locator('button[type="submit"]').click();
    const box = page.locator('[data-section="Records by category"] .records-box');
    await box.locator('table').waitFor();
    expect(await box.locator('[role="alert"]').count()).toBe(0);
    // Each record by what it is (its content's title), newest first.
    const titles = await box.locator('tbody tr [data-record-title]').allInnerTexts();
    expect(new Set(titles)).toEqual(new Set(['Heart rate', 'Asthma', 'Peak expiratory flow rate']));
    const changed = await box.locator('tbody tr[data-changed]').evaluateAll((rows) => rows.map((row) => Number(row.getAttribute('data-changed'))));
    expect(changed).toEqual([...changed].sort((a, b) => b - a));
    await look(page, '04-provider-every-category');
  });

  test('the provider sees FHIR validation problems under the content field, then adds the record', async () => {
    const page = provider.page;
    const form = page.locator('form[name="add-record"]');
    await form.locator('select[name="patient"]').selectOption(alice.address.toLowerCase());
    await form.locator('select[name="category"]').selectOption('Observation');
    await form.locator('[data-action="insert-example"]').click();
    const template = JSON.parse(await form.locator('textarea[name="content"]').inputValue()) as { valueQuantity: { value: unknown } };
    await form.locator('textarea[name="content"]').fill(JSON.stringify({ ...template, valueQuantity: { ...template.valueQuantity, value: 'seventy-two' }, colour: 'blue', status: { text: 'final' }, category: 'vital-signs' }, null, 2));
    await form.locator('button[type="submit"]').click();
    await confirmDialog(page, 'ok');
    const problems = form.locator('[data-field-problems="content"]');
    await problems.waitFor();
    // One line per element at fault, with its place inside the resource, in words: never one per
    // character of a string typed where an object or a list belongs, never "(undefined: undefined)".
    const lines = await problems.locator('li').allInnerTexts();
    expect(lines).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^valueQuantity\.value: must be a number, not text$/),
        expect.stringMatching(/^category: is the text "vital-signs", but FHIR expects a list/),
        expect.stringMatching(/"colour" is not an element FHIR R4 defines/),
        expect.stringMatching(/^status: is an object, but none of its elements \("text"\)/),
      ]),
    );
    expect(lines.length).toBeLessThanOrEqual(5);
    expect(lines.join('\n')).not.toMatch(/undefined|Invalid additional property|\[x\]|Observation\./);
    expect(await form.locator('textarea[name="content"]').getAttribute('aria-invalid')).toBe('true');
    await look(page, '05-provider-fhir-problems');

    await form.locator('textarea[name="content"]').fill(JSON.stringify(template, null, 2));
    await form.locator('button[type="submit"]').click();
    const asked = await confirmDialog(page, 'ok');
    expect(asked).toMatch(/Alice Martin, born .*1984/);
    expect(asked).toContain('Heart rate');
    await waitForConfirmed(page, 'Anchor record');
    // Cleared with the success: no problem under the field, no red notice beside it.
    expect(await form.locator('.field-problems').count()).toBe(0);
    expect(await form.locator('[aria-invalid]').count()).toBe(0);
    expect(await page.locator('.notice[data-kind="error"]').count()).toBe(0);
    await look(page, '05b-provider-record-added');
  });

  test('the patient opens the new record: a summary under its row, the JSON under a disclosure', async () => {
    const page = patient.page;
    await openTab(page, 'patient', 'patient');
    const row = page.locator('[data-section="Records"] > table > tbody > tr:not(.record-detail)', { hasText: 'Dr. Femi Adeyemi' });
    await row.waitFor();
    expect(await row.locator('[data-integrity]').getAttribute('data-integrity')).toBe('VERIFIED');
    await row.locator('button', { hasText: 'Open' }).click();
    const detail = page.locator('[data-section="Records"] tr.record-detail');
    await detail.locator('dl.summary').waitFor();
    const summary = await detail.locator('dl.summary').innerText();
    expect(summary).toContain('Heart rate');
    expect(summary).toContain('72 beats/minute');
    expect(summary).toContain('final');
    // The detail sits right under its row.
    expect(await row.evaluate((element) => element.nextElementSibling?.classList.contains('record-detail'))).toBe(true);
    await detail.locator('summary', { hasText: 'Raw FHIR JSON' }).click();
    expect(JSON.parse(await detail.locator('pre.content').innerText())).toMatchObject({ resourceType: 'Observation', status: 'final' });
    await look(page, '06-patient-record-summary');
    await detail.locator('button', { hasText: 'Close' }).click();
    await detail.waitFor({ state: 'detached' });
  });

  test('the provider proposes a treatment; the patient reads the plan, checked against the chain, and confirms before approving', async () => {
    const plan = 'Peak-flow diary twice daily for 2 weeks, then review the inhaler dose.';
    const form = provider.page.locator('form[name="propose-treatment"]');
    await form.locator('select[name="patient"]').selectOption(alice.address.toLowerCase());
    await form.locator('textarea[name="plan"]').fill(plan);
    await form.locator('button[type="submit"]').click();
    const asked = await confirmDialog(provider.page, 'ok');
    expect(asked).toMatch(/Alice Martin, born .*1984/);
    expect(asked).toContain(plan);
    await waitForConfirmed(provider.page, 'Propose treatment');

    const page = patient.page;
    await openTab(page, 'patient', 'patient');
    const row = page.locator('[data-section="Treatments"] tbody tr', { hasText: plan });
    await row.waitFor();
    expect(await row.locator('[data-plan-match]').getAttribute('data-plan-match')).toBe('true');
    expect(await row.locator('[data-plan-match]').innerText()).toBe('Matches the on-chain hash');
    await look(page, '07-patient-treatment-plan');

    // Cancelling the confirmation decides nothing.
    await row.locator('[data-approve]').click();
    await page.locator('dialog.confirm[open]').waitFor();
    await look(page, '07b-patient-confirm-approval');
    expect(await confirmDialog(page, 'cancel')).toContain(plan);
    // Focus is back on the button that opened the dialog, not on the page.
    expect(await page.evaluate(() => document.activeElement?.hasAttribute('data-approve'))).toBe(true);
    expect(await row.locator('[data-treatment-status]').getAttribute('data-treatment-status')).toBe('PROPOSED');
    const treatmentId = await row.locator('[data-approve]').getAttribute('data-approve');
    await row.locator('[data-approve]').click();
    await confirmDialog(page, 'ok');
    await waitForConfirmed(page, 'Approve treatment');
    // Once decided, the plan is decrypted (and the read audited) only when asked for again.
    const decided = page.locator('[data-section="Treatments"] tbody tr').filter({ has: page.locator(`[data-show-plan="${treatmentId}"]`) });
    expect(await decided.locator('[data-treatment-status]').getAttribute('data-treatment-status')).toBe('APPROVED');
    await decided.locator('[data-show-plan]').click();
    await page.locator('[data-section="Treatments"] [data-plan-text]', { hasText: plan }).waitFor();
  });

  test('a guardian reads the plan proposed for the minor they care for and approves it', async () => {
    const guardian = await as(carla);
    const page = guardian.page;
    await openTab(page, `ward-${dani.address.toLowerCase()}`, 'guardian');
    const row = page.locator('[data-section="Treatments"] tbody tr').filter({ has: page.locator('[data-approve]') }).first();
    await row.waitFor();
    expect(await row.locator('[data-plan-text]').innerText()).toBe('Allergen immunotherapy, 3 years, monthly visits.');
    expect(await row.locator('[data-plan-match]').getAttribute('data-plan-match')).toBe('true');
    const treatmentId = await row.locator('[data-approve]').getAttribute('data-approve');
    await row.locator('[data-approve]').click();
    await confirmDialog(page, 'ok');
    await waitForConfirmed(page, 'Approve treatment');
    await page.waitForSelector(`[data-approve="${treatmentId}"]`, { state: 'detached' });
    const statuses = await page.locator('[data-section="Treatments"] [data-treatment-status]').evaluateAll((items) => items.map((item) => item.getAttribute('data-treatment-status')));
    expect(statuses).toEqual(['APPROVED']);
    await look(page, '08-guardian-approved-treatment');
  });

  test('the patient confirms before revoking a consent; the provider is then no longer offered it', async () => {
    const page = patient.page;
    const key = `${femi.address.toLowerCase()}:Observation`;
    await page.click(`[data-revoke="${key}"]`);
    expect(await confirmDialog(page, 'ok')).toContain('Dr. Femi Adeyemi');
    await waitForConfirmed(page, 'Revoke consent');
    await page.waitForSelector(`[data-revoke="${key}"]`, { state: 'detached' });
    const row = page.locator('[data-section="Consents"] tr', { hasText: 'Dr. Femi Adeyemi' }).filter({ hasText: 'Observations' });
    expect(await row.locator('[data-consent-state]').getAttribute('data-consent-state')).toBe('revoked');

    await openTab(provider.page, 'provider', 'provider');
    const form = provider.page.locator('form[name="browse-records"]');
    await form.locator('select[name="patient"]').selectOption(alice.address.toLowerCase());
    const categories = await form.locator('select[name="category"] option').evaluateAll((items) => items.map((item) => (item as HTMLOptionElement).value));
    expect(categories).not.toContain('Observation');
  });

  test('break-glass needs a reason and a confirmation, warns of its duration, then reads as emergency treatment', async () => {
    const page = provider.page;
    const form = page.locator('form[name="emergency-access"]');
    expect(await form.locator('[data-emergency-warning]').innerText()).toMatch(/24 hours[\s\S]*on-chain/);
    // The patient cannot hand over an address: found by exact name and birth date (logged), then chosen.
    await form.locator('input[name="findName"]').fill('Alice Martin');
    await form.locator('input[name="findBirthDate"]').fill('1984-03-12');
    await form.locator('[data-action="find-patient"]').click();
    await form.locator(`[data-choose-patient="${alice.address.toLowerCase()}"]`).click();
    expect((await form.locator('input[name="patient"]').inputValue()).toLowerCase()).toBe(alice.address.toLowerCase());
    await form.locator('button[type="submit"]').click();
    // No reason, no confirmation: the browser refuses the form, nothing is asked of the wallet.
    expect(await page.locator('dialog.confirm[open]').count()).toBe(0);
    await form.locator('select[name="reason"]').selectOption('TRAUMA');
    await form.locator('input[name="confirm"]').check();
    await look(page, '09-provider-break-glass');
    await form.locator('button[type="submit"]').click();
    expect(await confirmDialog(page, 'ok')).toMatch(/Alice Martin, born .*1984[\s\S]*Trauma[\s\S]*24 hours/);
    await waitForConfirmed(page, 'Open emergency access');

    // The reads it opens are selected as emergency treatment.
    const browse = page.locator('form[name="browse-records"]');
    await page.waitForSelector('.tab-body:not([aria-busy]) > [data-view="provider"]');
    expect(await browse.locator('select[name="patient"]').inputValue()).toBe(alice.address.toLowerCase());
    expect(await browse.locator('select[name="purpose"]').inputValue()).toBe('ETREAT');
    await browse.locator('select[name="category"]').selectOption('Observation');
    await browse.locator('button[type="submit"]').click();
    await page.locator('[data-section="Records by category"] [data-open-record]').first().click();
    await page.locator('[data-section="Records by category"] tr.record-detail dl.summary').waitFor();

    // The patient is told at once, on top of her view.
    await openTab(patient.page, 'patient', 'patient');
    const banner = patient.page.locator('[data-emergency-banner]');
    expect(await banner.innerText()).toMatch(/Dr\. Femi Adeyemi can read all of your records until[\s\S]*Trauma/);
    await look(patient.page, '10-patient-emergency-banner');
  });

  test('a researcher sees the consent graph as of a block, timed by that block, with withheld groups drawn small', async () => {
    const researcher = await as(grace);
    const page = researcher.page;
    await page.waitForSelector('[data-view="researcher"] svg.consent-graph');
    expect(await page.locator('svg.consent-graph path.edge').count()).toBeGreaterThan(0);
    // Pseudonyms, not addresses, for a researcher.
    const labels = await page.locator('svg.consent-graph .node title').allTextContents();
    expect(labels.some((label) => label.toLowerCase() === alice.address.toLowerCase())).toBe(false);
    // A group below k is withheld: a short outline, never a long bar.
    await page.waitForSelector('.charts[data-block="latest"] svg');
    const withheld = page.locator('.charts rect[data-suppressed="true"]');
    expect(await withheld.count()).toBeGreaterThan(0);
    for (const width of await withheld.evaluateAll((items) => items.map((item) => Number(item.getAttribute('width'))))) expect(width).toBeLessThanOrEqual(10);
    // The trend of records anchored: daily first, then hourly, drawn on a canvas with the numbers in a table beside it.
    const trend = page.locator('[data-trend]');
    await page.waitForSelector('[data-trend][data-interval="DAY"] .trend-table table');
    expect(await trend.locator('canvas').count()).toBe(1);
    await trend.locator('input[name="trend-interval"][value="HOUR"]').check();
    await page.waitForSelector('[data-trend][data-interval="HOUR"] .trend-table table');
    const hourly = await trend.locator('.trend-table tbody tr').evaluateAll((rows) => rows.map((row) => Array.from(row.querySelectorAll('td'), (cell) => cell.textContent ?? '')));
    expect(hourly.length).toBeGreaterThan(0);
    // Each hour says its events (or that they are withheld below k) and the running total so far.
    for (const [, events, running] of hourly) expect(`${events} ${running}`).toMatch(/(\d+|withheld) (\d+|—)/);
    await look(page, '11-researcher-consent-graph');

    // As of the block the contracts were deployed in, nobody had consented to anything; the time shown is that block's.
    const block = stack.deployment.contracts.ConsentManager.blockNumber;
    const chain = new JsonRpcProvider(stack.urls.rpc, stack.chainId, { staticNetwork: true });
    const blockTime = (await chain.getBlock(block))!.timestamp;
    chain.destroy();
    const slider = page.locator('input[name="block"]');
    await slider.evaluate((element: HTMLInputElement, value) => {
      element.value = String(value);
      element.dispatchEvent(new Event('input'));
    }, block);
    await page.waitForFunction((value) => document.querySelector('[data-graph-caption]')?.textContent?.includes(`block ${value} `), block);
    const expected = await page.evaluate((seconds) => new Date(seconds * 1000).toLocaleString(), blockTime);
    expect(await page.locator('[data-graph-caption]').innerText()).toContain(`As of block ${block} (${expected})`);
    expect(await page.locator('svg.consent-graph path.edge').count()).toBe(0);
    // The aggregates follow the slider: before any consent, no consent was granted.
    await page.waitForSelector(`.charts[data-block="${block}"]`);
    expect(await page.locator('.charts svg[aria-label="Consents granted, by purpose"] rect').count()).toBe(0);
    // So does the trend: as of the deploy block no record had been anchored.
    await page.waitForSelector(`[data-trend][data-block="${block}"]`);
    expect(await page.locator('[data-trend] .trend-table').innerText()).toContain('No records anchored in this period.');
    await look(page, '12-researcher-time-travel');
  });

  test('a session that ends keeps the draft, says plainly to sign in again, and signs in again in place', async () => {
    const page = provider.page;
    await openTab(page, 'provider', 'provider');
    const form = page.locator('form[name="propose-treatment"]');
    const plan = 'Spacer with the inhaler; review in 2 weeks.';
    await form.locator('select[name="patient"]').selectOption(alice.address.toLowerCase());
    await form.locator('textarea[name="plan"]').fill(plan);
    await provider.context.clearCookies();
    await form.locator('button[type="submit"]').click();
    await confirmDialog(page, 'ok');
    const banner = page.locator('[data-reauth]');
    await banner.waitFor();
    expect(await banner.innerText()).toContain('Nothing you typed is lost');
    expect(await page.locator('#notices').innerText()).not.toMatch(/auth\/nonce|SIWE/);
    expect(await form.locator('textarea[name="plan"]').inputValue()).toBe(plan);
    await look(page, '13-session-ended');
    await banner.locator('[data-action="sign-in-again"]').click();
    await banner.waitFor({ state: 'detached' });
    await form.locator('button[type="submit"]').click();
    await confirmDialog(page, 'ok');
    await waitForConfirmed(page, 'Propose treatment');
  });

  test('refusing to add the network names the chain id and RPC URL to add', async () => {
    const visitor = await openAs(browser, { ...options(alice), startOnChain: 1 });
    actors.push(visitor);
    await visitor.page.click('[data-action="connect"]');
    const error = visitor.page.locator('.notice[data-kind="error"]');
    await error.waitFor();
    const text = await error.innerText();
    expect(text).toContain(`chain id ${stack.chainId}`);
    expect(text).toContain(stack.urls.rpc);
    await look(visitor.page, '14-add-network-refused');
  });

  test('no page threw or logged an error along the way', () => {
    expect(actors.map((actor) => ({ who: actor.name, errors: actor.errors }))).toEqual(actors.map((actor) => ({ who: actor.name, errors: [] })));
  });
});
