/**
 * "Download my records (FHIR)" in the web client on the whole stack (the demo's data): the patient
 * saves `Patient/{id}/$everything` from the API's FHIR facade through the web origin, as one FHIR R4
 * Bundle whose every resource validates, and the reads it made are in the patient's audit trail.
 */
import { readFile } from 'node:fs/promises';
import { validateFhirResource } from '../../api/src/records/fhir-validator';
import { demoWallets } from '../../stack/chain/demo-accounts';
import { signInAs, type Actor } from './support/actors';
import { startBrowserStack, type BrowserStack } from './support/stack';

jest.setTimeout(240_000);

const alice = demoWallets().find((account) => account.name === 'Alice Martin')!;
let running: BrowserStack;
let actor: Actor | undefined;

beforeAll(async () => {
  running = await startBrowserStack();
}, 600_000);

afterAll(async () => {
  await actor?.close().catch(() => undefined);
  await running?.stop();
}, 120_000);

type Bundle = { resourceType: string; type: string; entry: { resource: { resourceType: string; id: string } }[] };

test('the patient downloads everything as one valid FHIR R4 Bundle', async () => {
  const { stack, browser } = running;
  actor = await signInAs(browser, { webUrl: stack.urls.web, rpcUrl: stack.urls.rpc, chainId: stack.chainId, index: alice.index, name: alice.name, viewport: 'desktop' });
  const { page } = actor;
  await page.waitForSelector('[data-view="patient"]');
  const address = alice.address.toLowerCase();

  const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-download-fhir]')]);
  expect(download.suggestedFilename()).toBe(`health-records-${address}.fhir.json`);
  const bundle = JSON.parse(await readFile((await download.path())!, 'utf8')) as Bundle;
  expect(() => validateFhirResource(bundle)).not.toThrow();
  for (const entry of bundle.entry) expect(() => validateFhirResource(entry.resource)).not.toThrow();

  const types = bundle.entry.map((entry) => entry.resource.resourceType);
  expect(bundle.entry.find((entry) => entry.resource.resourceType === 'Patient')!.resource.id).toBe(address);
  const records = bundle.entry.filter((entry) => !['Patient', 'Consent', 'Provenance'].includes(entry.resource.resourceType));
  expect(records.length).toBeGreaterThan(0);
  // Every record has at least its anchoring Provenance; the demo patient has consents.
  expect(types.filter((type) => type === 'Provenance').length).toBeGreaterThanOrEqual(records.length);
  expect(types).toContain('Consent');
  await page.locator('.notice-success', { hasText: `Saved ${bundle.entry.length} FHIR resources` }).waitFor();

  // Every record read for it is in the patient's access log, read back through the web origin's /fhir.
  const trailAnswer = await page.evaluate(async (patient) => {
    const response = await fetch(`/fhir/AuditEvent?patient=${patient}&_count=100`, { headers: { accept: 'application/fhir+json' } });
    return { status: response.status, body: (await response.json()) as { entry?: { resource: { agent: { who: { reference?: string } }[]; entity: { what: { reference: string } }[] } }[] } };
  }, address);
  expect(trailAnswer.status).toBe(200);
  const events = trailAnswer.body.entry ?? [];
  const readByAlice = new Set(
    events.filter((event) => event.resource.agent[0]!.who.reference === `Patient/${address}`).map((event) => event.resource.entity[1]!.what.reference.split('/_history/')[0]),
  );
  for (const record of records) expect(readByAlice).toContain(`${record.resource.resourceType}/${record.resource.id}`);
  expect(actor.errors).toEqual([]);
});
