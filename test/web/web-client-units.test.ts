/**
 * The web client's pure parts, checked without a browser: the EIP-4361 text it writes is what the
 * maintained `siwe` parser (the API's) reads back, every custom error the contracts can raise has an
 * explanation that says what to do, and a record opens with a summary of what it says.
 */
import { Wallet } from 'ethers';
import { SiweMessage } from 'siwe';
import { abi as consentManagerAbi } from '../../artifacts/contracts/src/ConsentManager.sol/ConsentManager.json';
import { abi as recordRegistryAbi } from '../../artifacts/contracts/src/RecordRegistry.sol/RecordRegistry.json';
import { BadInputError } from '../../api/src/errors';
import { validateFhirResource } from '../../api/src/records/fhir-validator';
import type { FieldProblem } from '../../web/src/lib/api';
import { groupFhirProblems } from '../../web/src/lib/fhir-problems';
import { summarize } from '../../web/src/lib/fhir-summary';
import { EXPLAINED_ERRORS, explainRevert } from '../../web/src/lib/revert-reasons';
import { fhir } from '../fixtures/fhir';
import { signInMessage, siweMessage } from '../../web/src/lib/session';

describe('the sign-in message the client writes', () => {
  const wallet = Wallet.createRandom();
  // Times come from the clock the test runs under, so the message is valid whatever the date.
  const issuedAt = new Date();
  const fields = {
    domain: '127.0.0.1:3000',
    address: wallet.address,
    statement: 'Sign in to the health records client.',
    uri: 'http://127.0.0.1:3000',
    chainId: 31337,
    nonce: 'a1b2c3d4e5f6a7b8c9d0e1f2',
    issuedAt: issuedAt.toISOString(),
    expirationTime: new Date(issuedAt.getTime() + 3600_000).toISOString(),
  };

  test('parses as EIP-4361 with the same fields', () => {
    const parsed = new SiweMessage(siweMessage(fields));
    expect(parsed).toMatchObject({ ...fields, version: '1' });
  });

  test('verifies with the signature of its address', async () => {
    const text = siweMessage(fields);
    const result = await new SiweMessage(text).verify({ signature: await wallet.signMessage(text) }, { suppressExceptions: true });
    expect(result.success).toBe(true);
    expect(result.data.address).toBe(wallet.address);
  });

  test('is issued at the clock it is given and valid for eight hours', () => {
    const now = new Date(Date.now() + 365 * 86_400_000);
    const parsed = new SiweMessage(signInMessage({ domain: fields.domain, uri: fields.uri, nonce: fields.nonce }, { address: wallet.address, chainId: 31337 }, now));
    expect(parsed.issuedAt).toBe(now.toISOString());
    expect(new Date(parsed.expirationTime!).getTime() - now.getTime()).toBe(8 * 3600_000);
    expect(parsed).toMatchObject({ domain: fields.domain, uri: fields.uri, nonce: fields.nonce, address: wallet.address, chainId: 31337 });
  });
});

describe('contract errors shown to users', () => {
  const errorNames = [...consentManagerAbi, ...recordRegistryAbi]
    .filter((item) => item.type === 'error' && /^(ConsentManager|RecordRegistry|AccessControlUnauthorized)/.test(item.name ?? ''))
    .map((item) => item.name as string);

  test('every error of the consent manager and record registry has an explanation', () => {
    expect(errorNames.length).toBeGreaterThan(20);
    expect(errorNames.filter((name) => !EXPLAINED_ERRORS.includes(name))).toEqual([]);
  });

  test('an explanation names the error and what to do', () => {
    const category = '0x4f62736572766174696f6e000000000000000000000000000000000000000000';
    const text = explainRevert('RecordRegistryUnauthorizedWriter', ['0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65', '0xa0Ee7A142d267C1f36714E4a8F75612F20a79720', category]);
    expect(text).toContain('Observation');
    expect(text).toContain('ask the patient to grant one');
    expect(text).toContain('(RecordRegistryUnauthorizedWriter)');
    expect(explainRevert('SomethingNew', [1])).toBe('the contract refused with SomethingNew(1).');
  });
});

describe('the summary a record opens with', () => {
  test('an observation: what, value with its unit, date, status', () => {
    const rows = Object.fromEntries(summarize(fhir.observationGlucose()));
    expect(rows).toEqual({ What: 'Blood glucose, fasting', Value: '98 mg/dL', Date: new Date('2026-03-14T08:30:00Z').toLocaleString(), Status: 'final' });
  });

  test('a condition: its clinical status, and no value row', () => {
    const rows = Object.fromEntries(summarize(fhir.conditionAsthma()));
    expect(rows).toEqual({ What: 'Moderate persistent asthma', Date: new Date('2019-05-02').toLocaleDateString(), Status: 'active' });
  });

  test('nothing to say about something that is not a resource', () => {
    expect(summarize(null)).toEqual([]);
    expect(summarize({ resourceType: 'Basic' })).toEqual([]);
  });
});

describe("the FHIR validator's findings, as a form shows them", () => {
  /** What the API's own validator finds in `resource`, as the API sends it (`extensions.fields`). */
  function findings(resource: unknown, control = 'content'): FieldProblem[] {
    try {
      validateFhirResource(resource);
    } catch (error) {
      if (!(error instanceof BadInputError)) throw error;
      return error.issues.map((issue) => ({ field: `input.${control}${issue.field.replace(/^content/, '')}`, message: issue.message }));
    }
    throw new Error('The validator accepted the resource: the test needs an invalid one.');
  }

  test('a string where an object belongs is one line in words, not one per character', () => {
    const resource = { ...fhir.conditionAsthma(), clinicalStatus: 'active' };
    const raw = findings(resource);
    // The validator's own output: one finding per character of "active".
    expect(raw.length).toBeGreaterThanOrEqual('active'.length);
    const grouped = groupFhirProblems(raw, { content: resource });
    expect(grouped).toEqual([{ field: 'input.content.clinicalStatus', message: expect.stringContaining('is the text "active", but FHIR expects an object') }]);
  });

  test('each element gets one line: the resource type and choice markers are left out of its path', () => {
    const resource = { ...fhir.observationGlucose(), note: 'fasting', bogus: 1, status: { text: 'final' }, valueQuantity: { ...(fhir.observationGlucose().valueQuantity as object), value: 'ninety-eight' } };
    const grouped = groupFhirProblems(findings(resource), { content: resource });
    const byField = Object.fromEntries(grouped.map((problem) => [problem.field, problem.message]));
    expect(byField).toEqual({
      'input.content.note': expect.stringContaining('is the text "fasting", but FHIR expects a list'),
      'input.content.valueQuantity.value': 'must be a number, not text',
      'input.content': expect.stringContaining('"bogus" is not an element FHIR R4 defines'),
      'input.content.status': expect.stringContaining('is an object, but none of its elements ("text") is one FHIR R4 defines here'),
    });
    for (const problem of grouped) expect(problem.message).not.toMatch(/Invalid additional property|\[x\]/);
  });

  test("an amendment request's proposed change is grouped the same way, under its own field", () => {
    const proposedChange = { ...fhir.conditionAsthma(), code: 'Asthma' };
    expect(groupFhirProblems(findings(proposedChange, 'proposedChange'), { proposedChange })).toEqual([
      { field: 'input.proposedChange.code', message: expect.stringContaining('is the text "Asthma"') },
    ]);
  });

  test('problems of fields the form did not send as JSON pass unchanged', () => {
    const problems = [{ field: 'input.patient', message: 'is not a known patient' }];
    expect(groupFhirProblems(problems, { content: {} })).toEqual(problems);
  });
});
