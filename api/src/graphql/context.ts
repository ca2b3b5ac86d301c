import { randomUUID } from 'node:crypto';
import { AccessDecisions } from '../chain/access-decisions';
import type { Session } from '../auth/siwe.service';
import type { ApiServices } from './services';
import { createLoaders, type Loaders } from './loaders';
import { PinnedSubgraph } from './subgraph/subgraph-client';

/**
 * What every resolver and permission rule of one request sees. Built once per request by
 * `createContext`: the session's address (authentication already happened in HTTP middleware), the
 * DataLoaders, the subgraph pinned to one block, and the request's cache of on-chain decisions.
 */
export interface Context {
  requestId: string;
  /** The signed-in address (lowercase), or null. */
  viewer: string | null;
  session: Session | null;
  services: ApiServices;
  /** The subgraph at this request's block. */
  subgraph: PinnedSubgraph;
  loaders: Loaders;
  access: AccessDecisions;
}

export function createContext(services: ApiServices, session: Session | null): Context {
  const subgraph = new PinnedSubgraph(services.subgraph);
  const viewer = session?.address.toLowerCase() ?? null;
  const access = new AccessDecisions(services.chain.views, services.latestBlock, viewer, services.decisions, services.roundTrips);
  return {
    requestId: randomUUID(),
    viewer,
    session,
    services,
    subgraph,
    loaders: createLoaders(subgraph, services, viewer, access),
    access,
  };
}
