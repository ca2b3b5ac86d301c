/**
 * The mutation rate limit's MongoDB store: several API instances count one account's mutations together.
 */
import { RateLimiterRes } from 'rate-limiter-flexible';
import { mutationRateLimiter } from '../../../api/src/graphql/limits';
import { START_TIMEOUT_MS, startTestDatabase, type TestDatabase } from './support/test-database';

let db: TestDatabase;
beforeAll(async () => {
  db = await startTestDatabase();
}, START_TIMEOUT_MS);
afterAll(() => db?.stop());

describe('mutation rate limit', () => {
  it('with the mongodb store, two instances share one count per account', async () => {
    const connection = db.layer.database.connection;
    const [first, second] = await Promise.all([
      mutationRateLimiter(3, { kind: 'mongodb', connection }),
      mutationRateLimiter(3, { kind: 'mongodb', connection }),
    ]);
    await first.consume('0xaaaa');
    await second.consume('0xaaaa');
    await first.consume('0xaaaa');
    await expect(second.consume('0xaaaa')).rejects.toBeInstanceOf(RateLimiterRes);
    // Another account has its own count.
    await expect(second.consume('0xbbbb')).resolves.toBeInstanceOf(RateLimiterRes);
  });

  it('with the memory store, each instance counts alone', async () => {
    const [first, second] = await Promise.all([mutationRateLimiter(1, { kind: 'memory' }), mutationRateLimiter(1, { kind: 'memory' })]);
    await first.consume('0xaaaa');
    await expect(first.consume('0xaaaa')).rejects.toBeInstanceOf(RateLimiterRes);
    await expect(second.consume('0xaaaa')).resolves.toBeInstanceOf(RateLimiterRes);
  });
});
