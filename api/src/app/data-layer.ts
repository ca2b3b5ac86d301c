import type { Model } from 'mongoose';
import { auditBatchModel } from '../audit/audit-batch.model';
import { AuditBatchService } from '../audit/audit-batch.service';
import { auditEntryModel } from '../audit/audit-entry.model';
import { AuditLogService } from '../audit/audit-log.service';
import { NonceStore, SessionStore } from '../auth/auth.store';
import { nonceModel } from '../auth/nonce.model';
import { sessionModel } from '../auth/session.model';
import { loadDataConfig, type DataConfig } from '../config';
import { profileModels } from '../profiles/profile.model';
import { ProfileService } from '../profiles/profile.service';
import { loadMasterKey, type MasterKey } from '../records/master-key';
import { recordModel } from '../records/record.model';
import { RecordService } from '../records/record.service';
import { connectDatabase, type DatabaseHandle } from '../database/connection';
import { startExpirySweep } from '../database/expiry-sweep';
import { leaseModel } from '../database/lease.model';

/** Every model of the data layer, bound to one connection. */
export function dataModels(connection: DatabaseHandle['connection']) {
  const profiles = profileModels(connection);
  return {
    ...profiles,
    Record: recordModel(connection),
    AuditEntry: auditEntryModel(connection),
    AuditBatch: auditBatchModel(connection),
    SiweNonce: nonceModel(connection),
    SiweSession: sessionModel(connection),
    Lease: leaseModel(connection),
  };
}

export type DataModels = ReturnType<typeof dataModels>;

/** The connected data layer: models and the services built on them. */
export interface DataLayer {
  database: DatabaseHandle;
  models: DataModels;
  masterKey: MasterKey;
  profiles: ProfileService;
  records: RecordService;
  auditLog: AuditLogService;
  auditBatches: AuditBatchService;
  nonces: NonceStore;
  sessions: SessionStore;
  /** Stops the expiry sweep and closes the connection. */
  close(): Promise<void>;
}

export interface DataLayerOptions {
  /** Where a failed expiry sweep is reported (default: console.error); it is retried at the next tick. */
  onSweepError?: (error: unknown) => void;
  /** Turn on the driver's command monitoring (default off; see connectDatabase). */
  monitorCommands?: boolean;
}

/**
 * The one way the API opens its database (the server and the tests both call it): connects to
 * MONGODB_URI, creates every index (unique ones included) before returning, loads the master key and
 * starts the expiry sweep of nonces and sessions.
 */
export async function createDataLayer(config: DataConfig = loadDataConfig(), options: DataLayerOptions = {}): Promise<DataLayer> {
  const database = await connectDatabase(config, { monitorCommands: options.monitorCommands });
  try {
    const models = dataModels(database.connection);
    const distinct = [...new Set(Object.values(models))] as Model<unknown>[];
    // Discriminators share their base's collection and indexes: creating them once is enough.
    for (const model of distinct.filter((candidate) => !candidate.baseModelName)) await model.createIndexes();
    const masterKey = await loadMasterKey({ masterKey: config.masterKey, dataDir: config.dataDir });
    const auditLog = new AuditLogService(models.AuditEntry);
    const stopSweep = startExpirySweep([models.SiweNonce, models.SiweSession] as never[], { intervalMs: config.expirySweepMs, onError: options.onSweepError });
    return {
      database,
      models,
      masterKey,
      profiles: new ProfileService(models),
      records: new RecordService(models.Record, masterKey, auditLog),
      auditLog,
      auditBatches: new AuditBatchService(models.AuditEntry, models.AuditBatch, { batchSize: config.auditBatchSize }),
      nonces: new NonceStore(models.SiweNonce),
      sessions: new SessionStore(models.SiweSession),
      async close() {
        stopSweep();
        await database.close();
      },
    };
  } catch (error) {
    await database.close();
    throw error;
  }
}
