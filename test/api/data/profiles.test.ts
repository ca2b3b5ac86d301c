import { BadInputError } from '../../../api/src/errors';
import { START_TIMEOUT_MS, startTestDatabase, type TestDatabase } from './support/test-database';

const ALICE = '0x1111111111111111111111111111111111111111';
const BOB_CHECKSUMMED = '0xAbCdEf0123456789aBcDeF0123456789AbCdEf01';

let db: TestDatabase;
beforeAll(async () => {
  db = await startTestDatabase();
}, START_TIMEOUT_MS);
afterAll(() => db?.stop());

function badInput(promise: Promise<unknown>): Promise<BadInputError> {
  return promise.then(
    () => {
      throw new Error('expected BadInputError, but the call succeeded');
    },
    (error: unknown) => {
      expect(error).toBeInstanceOf(BadInputError);
      return error as BadInputError;
    },
  );
}

describe('profiles', () => {
  it('creates and updates a patient profile, normalising the address', async () => {
    const created = await db.layer.profiles.saveProfile('patient', BOB_CHECKSUMMED, {
      displayName: '  Bob  ',
      email: 'Bob@Example.ORG',
      birthDate: new Date('1980-02-29'),
      preferredLanguage: 'de-CH',
    });
    expect(created).toMatchObject({ kind: 'patient', address: BOB_CHECKSUMMED.toLowerCase(), displayName: 'Bob', email: 'bob@example.org' });

    const updated = await db.layer.profiles.saveProfile('patient', BOB_CHECKSUMMED, { displayName: 'Robert' });
    expect(updated).toMatchObject({ displayName: 'Robert', email: 'bob@example.org', preferredLanguage: 'de-CH' });
    expect(await db.layer.profiles.getProfile('patient', BOB_CHECKSUMMED.toLowerCase())).toMatchObject({ displayName: 'Robert' });
  });

  it('keeps one profile per account and kind, and lets one account have several kinds', async () => {
    await db.layer.profiles.saveProfile('patient', ALICE, { displayName: 'Alice' });
    await db.layer.profiles.saveProfile('patient', ALICE, { displayName: 'Alice L.' });
    await db.layer.profiles.saveProfile('provider', ALICE, { displayName: 'Dr. Alice', organization: 'City Hospital' });
    expect(await db.layer.models.Profile.countDocuments({ address: ALICE })).toBe(2);

    // The unique index itself refuses a second patient profile written past the service.
    const second = db.layer.models.patient.collection.insertOne({ kind: 'patient', address: ALICE, displayName: 'Mallory' });
    await expect(second).rejects.toMatchObject({ code: 11000 });
  });

  it('refuses invalid fields, naming each, and writes nothing', async () => {
    const address = '0x2222222222222222222222222222222222222222';
    const email = await badInput(db.layer.profiles.saveProfile('patient', address, { displayName: 'Carol', email: 'not-an-email' }));
    expect(email.issues).toEqual([{ field: 'email', message: expect.stringContaining('email address') }]);

    const missing = await badInput(db.layer.profiles.saveProfile('provider', address, { displayName: 'Dr. Carol' }));
    expect(missing.field).toBe('organization');

    const orcid = await badInput(
      db.layer.profiles.saveProfile('researcher', address, { displayName: 'Carol', institution: 'ETH', orcid: '1234' }),
    );
    expect(orcid.field).toBe('orcid');

    const future = await badInput(
      db.layer.profiles.saveProfile('patient', address, { displayName: 'Carol', birthDate: new Date(Date.now() + 86_400_000) }),
    );
    expect(future.field).toBe('birthDate');

    const unknown = await badInput(
      db.layer.profiles.saveProfile('patient', address, { displayName: 'Carol', verified: true } as never),
    );
    expect(unknown.field).toBe('verified');

    const badAddress = await badInput(db.layer.profiles.saveProfile('patient', '0x1234', { displayName: 'Carol' }));
    expect(badAddress.field).toBe('address');

    expect(await db.layer.models.Profile.countDocuments({ address })).toBe(0);
  });

  it('has no field for what the chain holds (roles, verification, guardians)', () => {
    const paths = Object.keys(db.layer.models.provider.schema.paths).join(' ');
    expect(paths).not.toMatch(/verif|role|suspend|guardian/i);
  });

  it('loads many profiles in the order asked, null where none (a DataLoader batch)', async () => {
    const nobody = '0x3333333333333333333333333333333333333333';
    const found = await db.layer.profiles.getProfiles('patient', [nobody, ALICE, BOB_CHECKSUMMED]);
    expect(found.map((profile) => profile?.displayName ?? null)).toEqual([null, 'Alice L.', 'Robert']);
  });
});
