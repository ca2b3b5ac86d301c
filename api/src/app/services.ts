import { LatestBlock } from '../chain/block-number';
import type { Chain } from '../chain/chain';
import { DecisionCache } from '../chain/decision-cache';
import type { ErrorLogger } from '../graphql/errors';
import type { ApiServices, RoundTrips } from '../graphql/services';
import type { SubgraphClient } from '../graphql/subgraph/subgraph-client';
import { DirectoryProfileCache } from '../profiles/directory-profile-cache';
import { RecordIntegrityChecker } from '../records/record-integrity.batch';
import type { ServerConfig } from '../config';
import type { DataLayer } from './data-layer';

/** The services every request shares, from the data layer, the chain and the subgraph client. */
export function createServices(parts: { config: ServerConfig; layer: DataLayer; chain: Chain; subgraph: SubgraphClient; logger: ErrorLogger }): ApiServices {
  const { config, layer, chain, subgraph, logger } = parts;
  const roundTrips: RoundTrips = {
    get subgraphRequests() {
      return subgraph.counter.subgraphRequests;
    },
    databaseCommands: 0,
    chainCalls: 0,
  };
  layer.database.connection.getClient().on('commandStarted', () => {
    roundTrips.databaseCommands += 1;
  });
  return {
    config,
    chain,
    subgraph,
    profiles: layer.profiles,
    records: layer.records,
    integrity: new RecordIntegrityChecker(layer.models.Record, layer.masterKey),
    auditLog: layer.auditLog,
    auditBatches: layer.auditBatches,
    logger,
    roundTrips,
    decisions: new DecisionCache(),
    latestBlock: new LatestBlock(chain.provider, roundTrips),
    directoryProfiles: new DirectoryProfileCache(layer.profiles, config.directoryCacheMs),
  };
}
