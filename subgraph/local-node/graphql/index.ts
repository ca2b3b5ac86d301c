/** The local subgraph node's query API: graph-node's GraphQL interface over the entity store. */
export { apiSchemaSdl, buildApiSchema, printApiSchema, type ApiSchema } from './api-schema';
export { QueryApi, createQueryApi, type QueryApiOptions, type QueryRequest, type QueryResponse } from './executor';
export { startQueryServer, type QueryServer, type QueryServerOptions } from './server';
