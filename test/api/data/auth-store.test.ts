import { ConflictError } from '../../../api/src/errors';
import { startExpirySweep, sweepExpired } from '../../../api/src/database/expiry-sweep';
import { START_TIMEOUT_MS, startTestDatabase, type TestDatabase } from './support/test-database';

const ADDRESS = '0x00000000000000000000000000000000000000a1';

let db: TestDatabase;
beforeAll(async () => {
  db = await startTestDatabase();
}, START_TIMEOUT_MS);
afterAll(() => db?.stop());

const inSeconds = (seconds: number) => new Date(Date.now() + seconds * 1000);
/** The binding value of the client a nonce is issued to (the HTTP layer's sign-in cookie). */
const CLIENT = 'binding-of-the-client-that-asked';

describe('SIWE nonces', () => {
  it('are single use: the first consume says valid, any later one unknown', async () => {
    await db.layer.nonces.save('nonceSingleUse1', CLIENT, inSeconds(300));
    expect(await db.layer.nonces.consume('nonceSingleUse1', CLIENT, new Date())).toBe('valid');
    expect(await db.layer.nonces.consume('nonceSingleUse1', CLIENT, new Date())).toBe('unknown');
    expect(await db.layer.nonces.consume('neverIssued0', CLIENT, new Date())).toBe('unknown');
  });

  it('say expired after their time, and are consumed by that attempt too', async () => {
    await db.layer.nonces.save('nonceExpired01', CLIENT, inSeconds(-1));
    expect(await db.layer.nonces.consume('nonceExpired01', CLIENT, new Date())).toBe('expired');
    expect(await db.layer.nonces.consume('nonceExpired01', CLIENT, new Date())).toBe('unknown');
  });

  it('are used only by the client they were issued to: another client, or none, is told so and the nonce stays', async () => {
    await db.layer.nonces.save('nonceBound0001', CLIENT, inSeconds(300));
    expect(await db.layer.nonces.consume('nonceBound0001', 'binding-of-another-client', new Date())).toBe('other-client');
    expect(await db.layer.nonces.consume('nonceBound0001', undefined, new Date())).toBe('other-client');
    expect(await db.layer.nonces.consume('nonceBound0001', CLIENT, new Date())).toBe('valid');
    const raw = await db.layer.models.SiweNonce.collection.findOne({ nonce: 'nonceBound0001' });
    expect(raw).toBeNull();
  });

  it('store a hash of the client binding, never the value', async () => {
    await db.layer.nonces.save('nonceHashed001', CLIENT, inSeconds(300));
    const raw = await db.layer.models.SiweNonce.collection.findOne({ nonce: 'nonceHashed001' });
    expect(raw?.clientHash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(raw)).not.toContain(CLIENT);
  });

  it('are unique: a nonce cannot be issued twice', async () => {
    await db.layer.nonces.save('nonceTwice0001', CLIENT, inSeconds(300));
    await expect(db.layer.nonces.save('nonceTwice0001', CLIENT, inSeconds(300))).rejects.toBeInstanceOf(ConflictError);
  });

  it('only one of several concurrent sign-ins with the same nonce sees it valid', async () => {
    for (let round = 0; round < 20; round += 1) {
      const nonce = `nonceRace${String(round).padStart(5, '0')}`;
      await db.layer.nonces.save(nonce, CLIENT, inSeconds(300));
      const results = await Promise.all([1, 2, 3, 4].map(() => db.layer.nonces.consume(nonce, CLIENT, new Date())));
      expect(results.sort()).toEqual(['unknown', 'unknown', 'unknown', 'valid']);
    }
  });
});

describe('sessions', () => {
  it('are found by id until they expire or are deleted; only a hash of the id is stored', async () => {
    const session = await db.layer.sessions.create(ADDRESS.toUpperCase().replace('0X', '0x'), inSeconds(3600));
    expect(session.address).toBe(ADDRESS);
    expect(await db.layer.sessions.find(session.id, new Date())).toEqual(session);
    const raw = await db.layer.models.SiweSession.collection.findOne({ address: ADDRESS });
    expect(JSON.stringify(raw)).not.toContain(session.id);

    expect(await db.layer.sessions.find(session.id, inSeconds(7200))).toBeNull();
    await db.layer.sessions.delete(session.id);
    expect(await db.layer.sessions.find(session.id, new Date())).toBeNull();
  });
});

describe('expiry sweep', () => {
  it('deletes expired nonces and sessions and keeps live ones', async () => {
    await db.layer.models.SiweNonce.deleteMany({});
    await db.layer.models.SiweSession.deleteMany({});
    await db.layer.nonces.save('sweepLive00001', CLIENT, inSeconds(300));
    await db.layer.nonces.save('sweepDead00001', CLIENT, inSeconds(-10));
    const live = await db.layer.sessions.create(ADDRESS, inSeconds(300));
    await db.layer.sessions.create(ADDRESS, inSeconds(-10));

    const counts = await sweepExpired([db.layer.models.SiweNonce, db.layer.models.SiweSession] as never[]);
    expect(counts).toEqual({ SiweNonce: 1, SiweSession: 1 });
    expect(await db.layer.models.SiweNonce.find().distinct('nonce')).toEqual(['sweepLive00001']);
    expect(await db.layer.sessions.find(live.id, new Date())).not.toBeNull();
  });

  it('runs periodically until stopped', async () => {
    await db.layer.nonces.save('sweepTimer0001', CLIENT, inSeconds(-10));
    const stop = startExpirySweep([db.layer.models.SiweNonce] as never[], { intervalMs: 50 });
    try {
      const deadline = Date.now() + 10_000;
      while ((await db.layer.models.SiweNonce.countDocuments({ nonce: 'sweepTimer0001' })) > 0) {
        if (Date.now() > deadline) throw new Error('the periodic sweep did not delete the expired nonce within 10 s');
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    } finally {
      stop();
    }
  });
});
