import type { CodegenConfig } from '@graphql-codegen/cli';
import config, { WEB_CLIENT_OUTPUT } from '../codegen';

/**
 * Only the web client's entry of the root codegen.ts (`npm run codegen:web`): the web build needs its
 * typed operations, and nothing else (the API's subgraph types need the subgraph's query schema).
 */
const generates = config.generates as Record<string, unknown>;
const webOnly: CodegenConfig = {
  ...config,
  generates: { [WEB_CLIENT_OUTPUT]: generates[WEB_CLIENT_OUTPUT] as CodegenConfig['generates'][string] },
};

export default webOnly;
