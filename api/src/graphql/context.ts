import type { AccessDecisions } from '../chain/access-decisions';
import type { Session } from '../auth/siwe.service';
import type { Loaders } from './loaders';
import type { ApiServices } from './services';
import type { PinnedSubgraph } from './subgraph/subgraph-client';

/**
 * What every resolver and permission rule of one request sees. Built once per request by the app's
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
  /**
   * Decides the permission rule of a GraphQL object type for `parents` now, ahead of their fields (e.g.
   * a page of records right after it was loaded), so each field uses the settled decision without
   * waiting. The decision is the rule's own: this only moves when it is made. Resolvers ask the context
   * instead of importing the rules.
   */
  decideAhead(typeName: string, parents: readonly object[]): Promise<void>;
}
