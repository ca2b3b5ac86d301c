import type { ApolloServerPlugin } from '@apollo/server';
import {
  GraphQLError,
  getVariableValues,
  Kind,
  type ASTVisitor,
  type FragmentDefinitionNode,
  type GraphQLSchema,
  type SelectionSetNode,
  type ValidationContext,
} from 'graphql';
import { getComplexity, simpleEstimator, type ComplexityEstimator } from 'graphql-query-complexity';
import { LRUCache } from 'lru-cache';
import type { Connection } from 'mongoose';
import { RateLimiterMemory, RateLimiterMongo, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Context } from './context';
import { badInput } from './errors';

/** Bounds on what one request may ask for. */
export interface QueryLimits {
  maxDepth: number;
  maxAliases: number;
  maxCost: number;
  /** Mutations per signed-in account per minute. */
  mutationsPerMinute: number;
}

export const DEFAULT_LIMITS: QueryLimits = { maxDepth: 8, maxAliases: 20, maxCost: 5_000, mutationsPerMinute: 60 };

function depthOf(selectionSet: SelectionSetNode | undefined, fragments: Map<string, FragmentDefinitionNode>, seen: Set<string>): number {
  if (!selectionSet) return 0;
  let deepest = 0;
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) {
      if (selection.name.value.startsWith('__')) continue;
      deepest = Math.max(deepest, selection.selectionSet ? 1 + depthOf(selection.selectionSet, fragments, seen) : 1);
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      deepest = Math.max(deepest, depthOf(selection.selectionSet, fragments, seen));
    } else {
      const name = selection.name.value;
      const fragment = fragments.get(name);
      if (!fragment || seen.has(name)) continue;
      deepest = Math.max(deepest, depthOf(fragment.selectionSet, fragments, new Set([...seen, name])));
    }
  }
  return deepest;
}

/** Refuses operations nested deeper than `max` fields. */
export function depthLimit(max: number) {
  return (context: ValidationContext): ASTVisitor => ({
    OperationDefinition(operation) {
      const fragments = new Map(context.getDocument().definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION).map((d) => [d.name.value, d]));
      const depth = depthOf(operation.selectionSet, fragments, new Set());
      if (depth > max) {
        context.reportError(new GraphQLError(`The query is ${depth} fields deep; at most ${max} are allowed. Split it into several queries.`, { nodes: [operation] }));
      }
    },
  });
}

/** Refuses documents with more than `max` aliases (aliases multiply the work of one field). */
export function aliasLimit(max: number) {
  return (context: ValidationContext): ASTVisitor => {
    let aliases = 0;
    return {
      Field(field) {
        if (field.alias) aliases += 1;
      },
      Document: {
        leave() {
          if (aliases > max) context.reportError(new GraphQLError(`The query uses ${aliases} aliases; at most ${max} are allowed.`));
        },
      },
    };
  };
}

/** A list field costs its page size times what each item costs. */
const pagedEstimator: ComplexityEstimator = ({ args, childComplexity }) => {
  const first = typeof args.first === 'number' && args.first > 0 ? args.first : undefined;
  return first === undefined ? undefined : 1 + childComplexity * first;
};

/** The collection the `mongodb` store counts mutations in. */
export const MUTATION_COUNTS_COLLECTION = 'mutation-rate-limits';

/**
 * Counts each account's mutations per minute: in this process (`memory`), or in the API's database
 * (`mongodb`), so that every instance behind a load balancer shares one count. The MongoDB store keeps
 * one document per account, found through a unique index; its TTL index only reclaims space, and a
 * server without TTL indexes (FerretDB) reuses each account's document when its minute has passed.
 */
export async function mutationRateLimiter(
  perMinute: number,
  store: { kind: 'memory' } | { kind: 'mongodb'; connection: Connection },
): Promise<RateLimiterAbstract> {
  const window = { points: perMinute, duration: 60, keyPrefix: 'mutations' };
  if (store.kind === 'memory') return new RateLimiterMemory(window);
  const collection = store.connection.db!.collection(MUTATION_COUNTS_COLLECTION);
  await collection.createIndex({ key: 1 }, { unique: true });
  await collection.createIndex({ expire: -1 }, { expireAfterSeconds: 0 }).catch(() => undefined);
  return new RateLimiterMongo({
    ...window,
    storeClient: store.connection.getClient(),
    dbName: store.connection.name,
    tableName: MUTATION_COUNTS_COLLECTION,
    disableIndexesCreation: true,
  });
}

/**
 * Cost limit and mutation rate limit, decided once the operation is known: the cost estimate needs the
 * variables, the rate limit the session.
 */
export function limitsPlugin(schema: GraphQLSchema, limits: QueryLimits, mutations: RateLimiterAbstract): ApolloServerPlugin<Context> {
  // The cost of an operation depends only on its text, operation name and variables: clients send the
  // same few operations over and over, so each distinct one is estimated once (bounded cache).
  const costs = new LRUCache<string, number>({ max: 1000 });
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ request, document, operation, contextValue, queryHash }) {
          const key = `${queryHash}|${request.operationName ?? ''}|${JSON.stringify(request.variables ?? {})}`;
          let cost = costs.get(key);
          if (cost === undefined) {
            // Variables graphql-js would refuse are the client's mistake: say which one, as execution would.
            const coercion = operation ? getVariableValues(schema, operation.variableDefinitions ?? [], request.variables ?? {}) : undefined;
            const first = coercion && 'errors' in coercion ? coercion.errors?.[0] : undefined;
            if (first) {
              const at = /at "([^"]+)"/.exec(first.message)?.[1] ?? /Variable "\$([^"]+)"/.exec(first.message)?.[1] ?? 'variables';
              throw badInput(at, first.message);
            }
            cost = getComplexity({
              schema,
              query: document,
              operationName: request.operationName ?? undefined,
              variables: request.variables ?? {},
              estimators: [pagedEstimator, simpleEstimator({ defaultComplexity: 1 })],
            });
            costs.set(key, cost);
          }
          if (cost > limits.maxCost) {
            throw badInput('query', `costs ${cost}; at most ${limits.maxCost} is allowed. Ask for smaller pages or fewer fields.`);
          }
          if (operation?.operation === 'mutation' && contextValue.viewer) {
            await mutations.consume(contextValue.viewer).catch((refusal: unknown) => {
              // A refusal is a RateLimiterRes; anything else is the store failing, an internal error.
              if (!(refusal instanceof RateLimiterRes)) throw refusal;
              throw new GraphQLError(`More than ${limits.mutationsPerMinute} mutations in a minute; wait and retry.`, {
                extensions: { code: 'RATE_LIMITED', http: { status: 429 } },
              });
            });
          }
        },
      };
    },
  };
}
