import { randomUUID } from 'node:crypto';
import type { Session } from '../auth/siwe.service';
import { AccessDecisions } from '../chain/access-decisions';
import type { Context } from '../graphql/context';
import type { ApiServices } from '../graphql/services';
import { PinnedSubgraph } from '../graphql/subgraph/subgraph-client';
import { createLoaders } from './loaders';
import { ruleTree } from './permissions';
import { decideAhead } from './shield';

/** One request's context: the viewer, the pinned subgraph, the DataLoaders and the chain decisions. */
export function createContext(services: ApiServices, session: Session | null): Context {
  const subgraph = new PinnedSubgraph(services.subgraph);
  const viewer = session?.address.toLowerCase() ?? null;
  const access = new AccessDecisions(services.chain.views, services.latestBlock, viewer, services.decisions, services.roundTrips);
  const context: Context = {
    requestId: randomUUID(),
    viewer,
    session,
    services,
    subgraph,
    loaders: createLoaders(subgraph, services, viewer, access),
    access,
    decideAhead: (typeName, parents) => decideAhead(ruleTree, typeName, parents, context),
  };
  return context;
}
