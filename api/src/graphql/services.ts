import type { AuditBatchService } from '../audit/audit-batch.service';
import type { AuditLogService } from '../audit/audit-log.service';
import type { Chain } from '../chain/chain';
import type { LatestBlock } from '../chain/block-number';
import type { DecisionCache } from '../chain/decision-cache';
import type { DirectoryProfileCache } from '../profiles/directory-profile-cache';
import type { ProfileService } from '../profiles/profile.service';
import type { RecordIntegrityChecker } from '../records/record-integrity.batch';
import type { RecordService } from '../records/record.service';
import type { ServerConfig } from '../config';
import type { ErrorLogger } from './errors';
import type { SubgraphClient } from './subgraph/subgraph-client';

/** Round trips to each backend since the server started: tests and benchmarks read them. */
export interface RoundTrips {
  subgraphRequests: number;
  /** Counted only when the server was created with `countDatabaseCommands` (it costs every reply a second decoding). */
  databaseCommands: number;
  chainCalls: number;
}

/** Everything the server shares between requests: the data layer's services, the chain, the subgraph. */
export interface ApiServices {
  config: ServerConfig;
  chain: Chain;
  subgraph: SubgraphClient;
  profiles: ProfileService;
  records: RecordService;
  integrity: RecordIntegrityChecker;
  auditLog: AuditLogService;
  auditBatches: AuditBatchService;
  logger: ErrorLogger;
  roundTrips: RoundTrips;
  /** Contract-view answers by block, shared between requests. */
  decisions: DecisionCache;
  /** The chain's latest block number, one call per event-loop turn. */
  latestBlock: LatestBlock;
  /** Public directory profiles, cached briefly between requests. */
  directoryProfiles: DirectoryProfileCache;
}
