/**
 * Amending a record in the web client on the whole stack (the demo's data): a provider with a write
 * consent amends a record from its view, with her own wallet transaction, and sees the version history
 * grow, every version verified against its own on-chain commitment and shown with its author's name.
 * The patient cannot rewrite the clinician's version: she files an amendment request, which the provider
 * accepts by amending, and a second one she declines with a reason the patient reads. An amendment based
 * on a version that was replaced since is refused with what to do. FHIR problems show under the field,
 * one line per element in words, and go with the next success, as does a refusal's red notice. Every
 * step runs at a laptop's and a phone's size, with a screenshot and axe-core after it (`look`).
 */
import type { Page } from 'playwright-core';
import { JsonRpcProvider } from 'ethers';
import { ApiClient } from '../../stack/demo/api-client';
import { demoWallets, testWallet } from '../../stack/chain/demo-accounts';
import { waitUntilIndexed } from '../../stack/chain/chain-status';
import { signInAs, openTab, waitForConfirmed, type Actor } from './support/actors';
import { look, VIEWPORTS, type ViewportName } from './support/browser';
import { startBrowserStack, type BrowserStack } from './support/stack';

jest.setTimeout(240_000);

const people = Object.fromEntries(demoWallets().map((account) => [account.name, account]));

/** Both screen sizes, each on a fresh stack, as in browser-flows (E2E_VIEWPORTS=phone, or desktop, runs one). */
const sizes = (process.env.E2E_VIEWPORTS ?? 'desktop,phone').split(',').map((name) => name.trim()) as ViewportName[];
for (const size of sizes) {
  if (!(size in VIEWPORTS)) throw new Error(`E2E_VIEWPORTS names ${size}; use ${Object.keys(VIEWPORTS).join(', ')}.`);
}

/** The integrity badges of the opened record's versions, oldest first. */
async function versionBadges(page: Page, recordId: string): Promise<string[]> {
  return page.locator(`[data-versions="${recordId}"] [data-integrity]`).evaluateAll((badges) => badges.map((badge) => badge.getAttribute('data-integrity') ?? ''));
}

/**
 * On a phone, where each row of the versions table is a card of "label value" lines: the cells whose
 * value starts inside its label's column (the label running into the value, "Version1"), in words.
 */
async function labelsRunningIntoValues(page: Page, recordId: string): Promise<string[]> {
  return page.locator(`[data-versions="${recordId}"] td[data-label]`).evaluateAll((cells) =>
    cells.flatMap((cell) => {
      const label = (cell as HTMLElement).dataset.label;
      const columns = getComputedStyle(cell).gridTemplateColumns.split(' ').map(parseFloat);
      if (columns.length < 2) return [`${label}: not laid out as a label and a value`];
      const range = document.createRange();
      range.selectNodeContents(cell);
      const valueLeft = range.getBoundingClientRect().left;
      const labelEnd = cell.getBoundingClientRect().left + columns[0]!;
      return valueLeft < labelEnd - 0.5 ? [`${label}: its value starts at ${valueLeft} px, inside the label's column (to ${labelEnd} px)`] : [];
    }),
  );
}

/** Files an amendment request for the opened record: the proposed change and the reason. */
async function requestAmendment(page: Page, reason: string, change: (content: Record<string, unknown>) => void): Promise<void> {
  const form = page.locator('form[name="request-amendment"]');
  const textarea = form.locator('textarea[name="proposedChange"]');
  const content = JSON.parse(await textarea.inputValue()) as Record<string, unknown>;
  change(content);
  await textarea.fill(JSON.stringify(content, null, 2));
  await form.locator('textarea[name="reason"]').fill(reason);
  await form.locator('button[type="submit"]').click();
}

/** Edits the opened record's content in its amend form and submits it. */
async function amend(page: Page, change: (content: Record<string, unknown>) => void): Promise<void> {
  const textarea = page.locator('form[name="amend-record"] textarea[name="content"]');
  const content = JSON.parse(await textarea.inputValue()) as Record<string, unknown>;
  change(content);
  await textarea.fill(JSON.stringify(content, null, 2));
  await page.locator('form[name="amend-record"] button[type="submit"]').click();
}

describe.each(sizes)('record amendments in the web client, at %s size', (size) => {
  let running: BrowserStack;
  const actors: Actor[] = [];

  beforeAll(async () => {
    // The demo seed's 13 sign-ins and this file's three share one client IP's limit (see browser-flows).
    process.env.AUTH_RATE_LIMIT ??= '60';
    running = await startBrowserStack();
  }, 600_000);

  afterAll(async () => {
    for (const actor of actors) await actor.close().catch(() => undefined);
    await running?.stop();
  }, 120_000);

  async function as(name: string): Promise<Actor> {
    const person = people[name]!;
    const { stack, browser } = running;
    const actor = await signInAs(browser, { webUrl: stack.urls.web, rpcUrl: stack.urls.rpc, chainId: stack.chainId, index: person.index, name, viewport: size });
    actors.push(actor);
    return actor;
  }

  let provider: Actor;
  let patient: Actor;
  let recordId: string;

  test('a provider with a write consent amends a record from its view and sees the version history', async () => {
    provider = await as('Dr. Eva Novak');
    const page = provider.page;
    await page.waitForSelector('[data-view="provider"]');
    const browse = page.locator('form[name="browse-records"]');
    await browse.locator('select[name="patient"]').selectOption(people['Alice Martin']!.address.toLowerCase());
    await browse.locator('select[name="category"]').selectOption('Observation');
    await browse.locator('button[type="submit"]').click();
    const open = page.locator('[data-open-record]').first();
    await open.waitFor();
    recordId = (await open.getAttribute('data-open-record'))!;
    await open.click();
    await page.locator(`[data-versions="${recordId}"]`).waitFor();
    expect(await versionBadges(page, recordId)).toEqual(['VERIFIED']);
    await look(page, 'amend-00-provider-opened');
    if (size === 'phone') expect(await labelsRunningIntoValues(page, recordId)).toEqual([]);

    // Text where FHIR wants an object: one line under the field naming the element, not one per character.
    const original = await page.locator('form[name="amend-record"] textarea[name="content"]').inputValue();
    await amend(page, (content) => {
      content.code = 'Heart rate';
    });
    const problems = page.locator('form[name="amend-record"] [data-field-problems="content"]');
    await problems.waitFor();
    expect(await problems.locator('li').allInnerTexts()).toEqual([expect.stringMatching(/^code: is the text "Heart rate", but FHIR expects an object/)]);
    expect(await page.locator('form[name="amend-record"] textarea[name="content"]').getAttribute('aria-invalid')).toBe('true');
    await look(page, 'amend-01-provider-fhir-problem');

    await page.locator('form[name="amend-record"] textarea[name="content"]').fill(original);
    await amend(page, (content) => {
      content.note = [{ text: 'Corrected by the practice.' }];
    });
    await waitForConfirmed(page, 'to version 2');
    await page.waitForFunction((id) => document.querySelectorAll(`[data-versions="${id}"] [data-integrity]`).length === 2, recordId);
    expect(await versionBadges(page, recordId)).toEqual(['VERIFIED', 'VERIFIED']);
    // The raw JSON sits in a closed disclosure: read its text, not what is rendered.
    expect(JSON.parse((await page.locator(`pre.content[data-record="${recordId}"]`).textContent())!)).toMatchObject({ note: [{ text: 'Corrected by the practice.' }] });
    // The problem shown before is gone with the success, and no red notice stays beside it.
    expect(await page.locator('.field-problems').count()).toBe(0);
    expect(await page.locator('.notice[data-kind="error"]').count()).toBe(0);
    await look(page, 'amend-01b-provider-amended');
  });

  test("the patient cannot rewrite the clinician's version: she requests an amendment, which the provider accepts by amending", async () => {
    patient = await as('Alice Martin');
    const page = patient.page;
    await openTab(page, 'patient', 'patient');
    await page.click(`[data-open-record="${recordId}"]`);
    await page.locator(`[data-versions="${recordId}"]`).waitFor();
    expect(await versionBadges(page, recordId)).toEqual(['VERIFIED', 'VERIFIED']);
    // Each version's author by name; the clinician's version is offered for a request, not an amend.
    expect(await page.locator(`[data-versions="${recordId}"] [data-version-author]`).allInnerTexts()).toEqual(['Dr. Eva Novak', 'Dr. Eva Novak']);
    expect(await page.locator('form[name="amend-record"]').count()).toBe(0);
    await requestAmendment(page, 'Measured at rest: please add that.', (content) => {
      content.note = [{ text: 'Corrected by the practice; measured at rest.' }];
    });
    await waitForConfirmed(page, 'Request amendment');
    await page.locator(`[data-amendment-requests="${recordId}"] [data-request-status="OPEN"]`).waitFor();
    await look(page, 'amend-02-patient-requested');
    if (size === 'phone') expect(await labelsRunningIntoValues(page, recordId)).toEqual([]);

    // The provider reads the request under the record, accepts it: the amend form holds the proposed change.
    const gp = provider.page;
    await gp.click(`[data-open-record="${recordId}"]`);
    const requests = gp.locator(`[data-amendment-requests="${recordId}"]`);
    await requests.waitFor();
    expect(await requests.innerText()).toContain('Measured at rest: please add that.');
    await requests.locator('[data-accept-request]').click();
    const form = gp.locator('form[name="amend-record"]');
    await form.locator('[data-accepting]').waitFor();
    expect(JSON.parse(await form.locator('textarea[name="content"]').inputValue())).toMatchObject({ note: [{ text: 'Corrected by the practice; measured at rest.' }] });
    await look(gp, 'amend-03-provider-accepting');
    await form.locator('button[type="submit"]').click();
    await waitForConfirmed(gp, 'to version 3');
    await gp.locator(`[data-amendment-requests="${recordId}"] [data-request-status="ACCEPTED"]`).waitFor();
    expect(await gp.locator(`[data-versions="${recordId}"] [data-version-author]`).allInnerTexts()).toEqual(['You', 'You', 'You']);
  });

  test('the provider declines a second request with a reason the patient reads', async () => {
    const page = patient.page;
    await page.click(`[data-open-record="${recordId}"]`);
    await page.locator(`form[name="request-amendment"]`).waitFor();
    await requestAmendment(page, 'The time is wrong.', (content) => {
      content.effectiveDateTime = new Date(Date.now() - 2 * 3_600_000).toISOString();
    });
    await waitForConfirmed(page, 'Request amendment');

    const gp = provider.page;
    await gp.click(`[data-open-record="${recordId}"]`);
    const decline = gp.locator('form[name="decline-amendment"]');
    await decline.waitFor();
    await decline.locator('textarea[name="reason"]').fill('The device clock was checked at the visit; the time stands.');
    await decline.locator('button[type="submit"]').click();
    await waitForConfirmed(gp, 'Decline amendment request');

    await page.click(`[data-open-record="${recordId}"]`);
    const declined = page.locator(`[data-amendment-requests="${recordId}"] tr`, { has: page.locator('[data-request-status="DECLINED"]') });
    await declined.waitFor();
    expect(await declined.innerText()).toContain('The device clock was checked at the visit; the time stands.');
    await look(page, 'amend-04-patient-sees-decline');
  });

  test("an amend form outdated by another device's amendment is refused with what to do", async () => {
    // A colleague's amendment (the same provider, from another device) replaces the current version: the
    // form still open on it is then outdated, and the API refuses it and says what to do.
    const { stack } = running;
    const eva = testWallet(people['Dr. Eva Novak']!.index, new JsonRpcProvider(stack.urls.rpc, stack.chainId, { staticNetwork: true }));
    const elsewhere = await new ApiClient(new URL(stack.urls.graphql).origin).signIn(eva);
    const { record } = await elsewhere.data<{ record: { commitment: string; content: Record<string, unknown> } }>('query ($id: Bytes32!) { record(id: $id) { commitment content(purpose: "TREAT") } }', { id: recordId });
    const { amendRecord } = await elsewhere.data<{ amendRecord: { transaction: { to: string; data: string } } }>(
      'mutation ($input: AmendRecordInput!) { amendRecord(input: $input) { transaction { to data } } }',
      { input: { recordId, currentCommitment: record.commitment, content: { ...record.content, note: [{ text: 'Corrected from another device.' }] } } },
    );
    const mined = await (await eva.sendTransaction(amendRecord.transaction)).wait();
    (eva.provider as JsonRpcProvider).destroy();
    await amend(provider.page, (content) => {
      content.note = [{ text: 'A second correction.' }];
    });
    const refusal = provider.page.locator('.notice[data-kind="error"]', { hasText: 'The new version was not stored' });
    await refusal.waitFor();
    expect(await refusal.innerText()).toMatch(/reload the record and amend its newest version/);
    await look(provider.page, 'amend-05-provider-outdated');

    // Doing what it says: the record reopened on its newest version (once the index holds it), the
    // amendment goes through, and the refusal does not stay in red beside the success.
    await waitUntilIndexed(stack.urls.subgraph, mined!.blockNumber);
    const outdated = await provider.page.locator('form[name="amend-record"]').elementHandle();
    await provider.page.click(`[data-open-record="${recordId}"]`);
    // The reopened record replaces the outdated form with one on the newest version.
    await provider.page.waitForFunction((form) => !form?.isConnected, outdated);
    await provider.page.locator('form[name="amend-record"]').waitFor();
    await amend(provider.page, (content) => {
      content.note = [{ text: 'A second correction.' }];
    });
    await waitForConfirmed(provider.page, 'to version 5');
    expect(await provider.page.locator('.notice[data-kind="error"]').count()).toBe(0);
    await look(provider.page, 'amend-06-provider-amended-again');
  });
});
