/**
 * Live updates in a real Chromium on the stack `npm start` runs (demo seeded): the web client holds a
 * GraphQL subscription through the web origin (the web server forwards the WebSocket to the API), so
 * the moment a provider opens emergency access to a patient's records the patient sees a banner and a
 * notice saying who and why, and her view's list refreshes, without a reload; when the access is closed
 * the banner goes.
 */
import { encodeBytes32String, JsonRpcProvider } from 'ethers';
import { attachHealthRecords } from '../../contracts/deployment/deployment';
import { demoAccountIndex, testWallet } from '../../stack/chain/demo-accounts';
import { signInAs, type Actor } from './support/actors';
import { look } from './support/browser';
import { startBrowserStack, type BrowserStack } from './support/stack';

jest.setTimeout(600_000);

let running: BrowserStack | undefined;
let patient: Actor | undefined;
let chain: JsonRpcProvider | undefined;

beforeAll(async () => {
  running = await startBrowserStack();
}, 600_000);

afterAll(async () => {
  await patient?.close();
  chain?.destroy();
  await running?.stop();
});

test('a patient sees emergency access to her records the moment it opens, and its end', async () => {
  const { stack, browser } = running!;
  // Alice: the demo opened no emergency access to her records (it did to Bob's).
  patient = await signInAs(browser, { webUrl: stack.urls.web, rpcUrl: stack.urls.rpc, chainId: stack.chainId, index: demoAccountIndex('patient', 0), name: 'Alice Martin', viewport: 'desktop' });
  const { page } = patient;
  await page.waitForSelector('.tab-body:not([aria-busy]) > [data-view="patient"]');
  expect(await page.locator('[data-emergency-access]').count()).toBe(0);
  expect(await page.locator('[data-emergency-banner]').count()).toBe(0);

  // A paediatrician opens break-glass access to Alice's records, from his own wallet.
  chain = new JsonRpcProvider(stack.urls.rpc, stack.chainId, { staticNetwork: true });
  const femi = testWallet(demoAccountIndex('provider', 1), chain);
  const { consents } = attachHealthRecords(stack.deployment, femi);
  const receipt = await (await consents.openEmergencyAccess(patient.address, encodeBytes32String('UNCONSCIOUS'))).wait();

  // Told at once: the banner says who and why, with a notice; the chain has not moved two blocks on.
  const banner = page.locator('[data-emergency-access]');
  await banner.waitFor({ state: 'visible', timeout: 60_000 });
  expect(await chain.getBlockNumber()).toBeLessThanOrEqual(receipt!.blockNumber + 2);
  expect(await banner.getAttribute('role')).toBe('alert');
  expect(await banner.innerText()).toMatch(/Emergency access to your records was opened[\s\S]*Patient unconscious/);
  await page.waitForFunction(() => /Dr\. Femi Adeyemi/.test(document.querySelector('[data-emergency-access]')?.textContent ?? ''));
  expect(await page.locator('#notices').innerText()).toMatch(/Emergency access to your records was opened \(reason: Patient unconscious\)/);
  // Her view refreshed by itself: the open access is listed, without a reload.
  await page.locator('[data-emergency-banner]').waitFor({ state: 'visible', timeout: 30_000 });
  expect(await page.locator('[data-emergency-banner]').innerText()).toMatch(/Dr\. Femi Adeyemi can read all of your records/);
  await look(page, 'live-emergency-banner');

  // Closed by the provider: the live banner goes, and so does the view's.
  await (await consents.closeEmergencyAccess(patient.address, femi.address)).wait();
  await banner.waitFor({ state: 'detached', timeout: 60_000 });
  await page.locator('[data-emergency-banner]').waitFor({ state: 'detached', timeout: 30_000 });
  await look(page, 'live-emergency-closed');
  expect(patient.errors).toEqual([]);
});
