import type { CodegenConfig } from '@graphql-codegen/cli';

/**
 * GraphQL Code Generator (`npm run codegen`).
 *
 * - The API's subgraph operations (api/src/graphql/subgraph/operations.graphql) are typed against the
 *   query schema graph-node serves for subgraph/schema.graphql: subgraph/query-schema.graphql, written
 *   from graph-node's own introspection by `npm run codegen:subgraph-schema` and committed, so codegen
 *   and lint need no running graph-node (test/subgraph/query-schema.test.ts fails when graph-node's
 *   answer and the file differ). The output is git-ignored and rebuilt by `npm run codegen`.
 * - Clients of the API (the web client) are typed against the committed api/schema.graphql; their
 *   entry goes next to the API's below.
 */
export const SUBGRAPH_QUERY_SCHEMA = process.env.SUBGRAPH_QUERY_SCHEMA ?? 'subgraph/query-schema.graphql';

/** Where the web client's generated `graphql()` function and types go (git-ignored). */
export const WEB_CLIENT_OUTPUT = 'web/src/gql/';

const config: CodegenConfig = {
  overwrite: true,
  generates: {
    // The web client's typed operations (`graphql()` calls in web/src), against the committed API schema.
    // `documentMode: 'string'` sends plain query strings, so the browser bundle carries no graphql-js.
    [WEB_CLIENT_OUTPUT]: {
      schema: 'api/schema.graphql',
      documents: ['web/src/**/*.ts', '!web/src/gql/**'],
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      config: {
        documentMode: 'string',
        useTypeImports: true,
        enumsAsTypes: true,
        skipTypename: true,
        defaultScalarType: 'unknown',
        scalars: { DateTimeISO: 'string', BigInt: 'string', JSON: 'unknown', JSONObject: 'Record<string, unknown>', Address: 'string', Bytes32: 'string' },
      },
    },
    'api/src/graphql/subgraph/generated.ts': {
      schema: SUBGRAPH_QUERY_SCHEMA,
      documents: ['api/src/graphql/subgraph/operations.graphql'],
      plugins: ['typescript-operations'],
      config: {
        namingConvention: 'keep',
        enumsAsTypes: true,
        useTypeImports: true,
        onlyOperationTypes: true,
        avoidOptionals: { field: true, inputValue: false, object: true, defaultValue: false },
        scalars: {
          BigInt: 'string',
          BigDecimal: 'string',
          Bytes: 'string',
          Int8: 'string',
          Timestamp: 'string',
        },
      },
    },
  },
};

export default config;
