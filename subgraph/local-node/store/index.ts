/** The local subgraph node's entity store: see entity-store.ts (writes) and query.ts (reads). */
export { createEntityStore, MemoryEntityStore, type EntityStoreOptions, type QueryableEntityStore } from './entity-store';
export { QueryEngine, QueryExecutionError, type EntityFilter, type EntityOrder, type EntityQuery, type FilterOp } from './query';
export * from './types';
