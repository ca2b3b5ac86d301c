import { buildClientSchema, getIntrospectionQuery, lexicographicSortSchema, printSchema, type IntrospectionQuery } from 'graphql';

/**
 * The subgraph's query schema as graph-node serves it, from graph-node's own introspection of the
 * deployed subgraph, printed as SDL (types sorted, so the text is stable). The API's typed subgraph
 * client is generated against it (codegen.ts); subgraph/query-schema.graphql is this output, and a
 * test fails when graph-node's answer and that file differ.
 */
export async function introspectQuerySchema(queryUrl: string): Promise<string> {
  const response = await fetch(queryUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: getIntrospectionQuery() }),
  });
  const body = (await response.json()) as { data?: IntrospectionQuery; errors?: { message: string }[] };
  if (!body.data) throw new Error(`graph-node's introspection at ${queryUrl} failed: ${body.errors?.map((e) => e.message).join('; ') ?? `HTTP ${response.status}`}`);
  return `${printSchema(lexicographicSortSchema(buildClientSchema(body.data)))}\n`;
}
