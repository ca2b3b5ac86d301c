import path from 'node:path';
import { loadDataConfig, REPO_ROOT } from '../../../api/src/config';

describe('data layer configuration', () => {
  it('defaults to the embedded database in .data/ with a generated key', () => {
    expect(loadDataConfig({})).toEqual({
      mongodbUri: undefined,
      dataDir: path.join(REPO_ROOT, '.data'),
      masterKey: undefined,
      expirySweepMs: 60_000,
      auditBatchSize: 1024,
      databaseTimeoutMs: 3000,
      databaseSocketTimeoutMs: 10_000,
    });
  });

  it('reads MONGODB_URI, DATA_DIR, MASTER_KEY and the numbers from the environment', () => {
    const config = loadDataConfig({
      MONGODB_URI: ' mongodb://db.internal:27017/records?replicaSet=rs0 ',
      DATA_DIR: '/var/lib/health-records',
      MASTER_KEY: 'ab'.repeat(32),
      EXPIRY_SWEEP_MS: '5000',
      AUDIT_BATCH_SIZE: '64',
      DATABASE_TIMEOUT_MS: '2000',
      DATABASE_SOCKET_TIMEOUT_MS: '4000',
    });
    expect(config).toEqual({
      mongodbUri: 'mongodb://db.internal:27017/records?replicaSet=rs0',
      dataDir: '/var/lib/health-records',
      masterKey: 'ab'.repeat(32),
      expirySweepMs: 5000,
      auditBatchSize: 64,
      databaseTimeoutMs: 2000,
      databaseSocketTimeoutMs: 4000,
    });
  });

  it('names the variable that is malformed', () => {
    expect(() => loadDataConfig({ MONGODB_URI: 'postgres://x' })).toThrow(/MONGODB_URI must start with mongodb:\/\//);
    expect(() => loadDataConfig({ AUDIT_BATCH_SIZE: '0' })).toThrow(/AUDIT_BATCH_SIZE="0" is not a positive whole number/);
    expect(() => loadDataConfig({ EXPIRY_SWEEP_MS: '1.5' })).toThrow(/EXPIRY_SWEEP_MS/);
    // Every malformed variable at once.
    expect(() => loadDataConfig({ MONGODB_URI: 'postgres://x', AUDIT_BATCH_SIZE: '0' })).toThrow(/MONGODB_URI must start with mongodb:\/\/[\s\S]*AUDIT_BATCH_SIZE="0"/);
  });
});
