import type { CodegenConfig } from '@graphql-codegen/cli';
import config from '../codegen';

/**
 * Only the API's entry of the root codegen.ts (`npm run codegen:api`): the subgraph operations' types,
 * against the query schema graph-node serves for subgraph/schema.graphql (subgraph/query-schema.graphql).
 */
export const API_SUBGRAPH_OUTPUT = 'api/src/graphql/subgraph/generated.ts';

const generates = config.generates as Record<string, unknown>;
const apiOnly: CodegenConfig = {
  ...config,
  generates: { [API_SUBGRAPH_OUTPUT]: generates[API_SUBGRAPH_OUTPUT] as CodegenConfig['generates'][string] },
};

export default apiOnly;
