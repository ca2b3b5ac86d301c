/**
 * Executes GraphQL queries against the entity store as graph-node does: graph-node's validation
 * rules and depth limit, block constraints per root field (`block: { number | hash | number_gte }`),
 * collection arguments, relation and `@derivedFrom` fields with their own arguments, `_meta`,
 * introspection, scalars serialised as graph-node serialises them (BigInt, BigDecimal, Int8 and
 * Timestamp as strings, Bytes as lower-case 0x hex) and the indexing-error policy.
 *
 * Execution walks the selection sets directly over the in-memory versions; graphql-js parses,
 * validates and coerces variables and arguments (documents are cached), and runs introspection.
 */
import {
  FieldsOnCorrectTypeRule,
  FragmentsOnCompositeTypesRule,
  GraphQLError,
  KnownArgumentNamesRule,
  KnownDirectivesRule,
  KnownFragmentNamesRule,
  KnownTypeNamesRule,
  Kind,
  LoneAnonymousOperationRule,
  NoFragmentCyclesRule,
  NoUndefinedVariablesRule,
  NoUnusedFragmentsRule,
  NoUnusedVariablesRule,
  OverlappingFieldsCanBeMergedRule,
  PossibleFragmentSpreadsRule,
  ProvidedRequiredArgumentsRule,
  ScalarLeafsRule,
  UniqueArgumentNamesRule,
  UniqueDirectivesPerLocationRule,
  UniqueFragmentNamesRule,
  UniqueOperationNamesRule,
  UniqueVariableNamesRule,
  ValuesOfCorrectTypeRule,
  VariablesAreInputTypesRule,
  VariablesInAllowedPositionRule,
  execute,
  getOperationAST,
  parse,
  validate,
  type ValidationRule,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLField,
  type GraphQLObjectType,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import { getArgumentValues, getVariableValues } from 'graphql/execution/values';
import { queryFieldNames } from '../schema/names';
import type { EntityTypeDef, FieldDef } from '../schema/input-schema';
import type { QueryableEntityStore } from '../store/entity-store';
import type { Version } from '../store/entity-table';
import { QueryExecutionError, findById, inputToScalar, type EntityQuery, type ParentLink } from '../store/query';
import type { BlockPtr } from '../store/types';
import { BigDec, idKey, type Cell } from '../store/values';
import { buildApiSchema, type ApiSchema } from './api-schema';
import { FilterKeys, buildFilter, buildOrder, buildRange } from './arguments';

export interface QueryRequest {
  query: string;
  variables?: Record<string, unknown> | null;
  operationName?: string | null;
}

export interface GraphQLErrorJson {
  message: string;
  locations?: Array<{ line: number; column: number }>;
}

export interface QueryResponse {
  data?: Record<string, unknown> | null;
  errors?: GraphQLErrorJson[];
}

export interface QueryApiOptions {
  store: QueryableEntityStore;
  /** The deployment id `_meta { deployment }` reports (graph-node: the IPFS hash of the manifest). */
  deployment: string;
}

interface Prepared {
  document: DocumentNode;
  errors: GraphQLErrorJson[] | null;
  fragments: Map<string, FragmentDefinitionNode>;
  syntaxError?: string;
}

interface RootField {
  typeName: string;
  collection: boolean;
}

/** A resolved block constraint. */
interface At {
  number: number;
  latest: boolean;
  /** What `_meta { block }` reports: graph-node knows no hash for `{ number: n }` constraints. */
  ptr: { number: number; hash: string | null; timestamp: number | null; parentHash: string | null };
}

const DOCUMENT_CACHE_SIZE = 1000;

/** graph-node's GRAPH_GRAPHQL_MAX_DEPTH default. */
export const MAX_DEPTH = 255;

/** The validation rules graph-node runs (graphql/src/execution/query.rs), in its order. */
const VALIDATION_RULES: ValidationRule[] = [
  UniqueOperationNamesRule,
  LoneAnonymousOperationRule,
  KnownTypeNamesRule,
  FragmentsOnCompositeTypesRule,
  VariablesAreInputTypesRule,
  ScalarLeafsRule,
  FieldsOnCorrectTypeRule,
  UniqueFragmentNamesRule,
  KnownFragmentNamesRule,
  NoUnusedFragmentsRule,
  OverlappingFieldsCanBeMergedRule,
  NoFragmentCyclesRule,
  PossibleFragmentSpreadsRule,
  NoUnusedVariablesRule,
  NoUndefinedVariablesRule,
  KnownArgumentNamesRule,
  UniqueArgumentNamesRule,
  UniqueVariableNamesRule,
  ProvidedRequiredArgumentsRule,
  KnownDirectivesRule,
  VariablesInAllowedPositionRule,
  ValuesOfCorrectTypeRule,
  UniqueDirectivesPerLocationRule,
];

/** The nesting depth of a selection set, following fragment spreads (validation rules out cycles). */
function depth(set: SelectionSetNode | undefined, fragments: Map<string, FragmentDefinitionNode>): number {
  if (!set) return 0;
  let max = 0;
  for (const s of set.selections) {
    let d: number;
    if (s.kind === Kind.FIELD) d = s.selectionSet ? 1 + depth(s.selectionSet, fragments) : 1;
    else if (s.kind === Kind.INLINE_FRAGMENT) d = depth(s.selectionSet, fragments);
    else d = depth(fragments.get(s.name.value)?.selectionSet, fragments);
    if (d > max) max = d;
  }
  return max;
}

/** graph-node's validator reports graphql-js's messages without the "Did you mean" hints. */
function errorJson(e: GraphQLError): GraphQLErrorJson {
  const message = e.message.replace(/ Did you mean .*\?$/s, '');
  return e.locations && e.locations.length > 0 ? { message, locations: e.locations.map((l) => ({ line: l.line, column: l.column })) } : { message };
}

/**
 * A cell as JSON text, as graph-node serialises it: BigInt, Int8 and Timestamp as strings of
 * digits, BigDecimal as its decimal string, Bytes as 0x hex (already their stored form).
 */
function cellJson(c: Cell): string {
  if (c === null) return 'null';
  switch (typeof c) {
    case 'string':
      return JSON.stringify(c);
    case 'number':
      return String(c);
    case 'boolean':
      return c ? 'true' : 'false';
    case 'bigint':
      return `"${c}"`;
    default:
      return Array.isArray(c) ? `[${c.map(cellJson).join(',')}]` : JSON.stringify((c as BigDec).text);
  }
}

/** The JSON serialiser for a scalar field's cells, by storage type. */
function serializerFor(f: FieldDef): (c: Cell) => string {
  if (f.list) return cellJson;
  switch (f.storage) {
    case 'Bytes': // lower-case hex: nothing to escape
    case 'BigInt':
    case 'Int8':
    case 'Timestamp':
      return (c) => (c === null ? 'null' : `"${c as string | bigint}"`);
    case 'BigDecimal':
      return (c) => (c === null ? 'null' : `"${(c as BigDec).text}"`);
    case 'Int':
      return (c) => (c === null ? 'null' : String(c));
    case 'Boolean':
      return (c) => (c === null ? 'null' : c ? 'true' : 'false');
    default:
      return (c) => (c === null ? 'null' : JSON.stringify(c));
  }
}

/** How to produce one response key of an entity object; `prefix` is `"key":` as JSON. */
type Plan =
  | { prefix: string; kind: 'typename'; json: string }
  | { prefix: string; kind: 'scalar'; column: number; json: (c: Cell) => string }
  | { prefix: string; kind: 'ref'; field: FieldDef; nodes: FieldNode[] }
  | { prefix: string; kind: 'many'; field: FieldDef; nodes: FieldNode[]; args: Record<string, unknown>; query?: RelationQuery };

/** A relation field's collection arguments, turned into a store query once per request. */
interface RelationQuery {
  filter: EntityQuery['filter'];
  order: EntityQuery['order'];
  first: number;
  skip: number;
}

class Request {
  private readonly plans = new Map<FieldNode, Map<string, Plan[]>>();
  readonly variables: Record<string, unknown>;

  constructor(
    readonly api: QueryApi,
    readonly prepared: Prepared,
    variables: Record<string, unknown>,
  ) {
    this.variables = variables;
  }

  skip(node: FieldNode | { directives?: FieldNode['directives'] }): boolean {
    for (const d of node.directives ?? []) {
      if (d.name.value !== 'skip' && d.name.value !== 'include') continue;
      const arg = d.arguments?.find((a) => a.name.value === 'if');
      if (!arg) continue;
      const value = arg.value.kind === Kind.VARIABLE ? this.variables[arg.value.name.value] : arg.value.kind === Kind.BOOLEAN ? arg.value.value : false;
      if (d.name.value === 'skip' && value === true) return true;
      if (d.name.value === 'include' && value !== true) return true;
    }
    return false;
  }

  applies(typeCondition: string | undefined, typeName: string): boolean {
    if (!typeCondition || typeCondition === typeName) return true;
    const e = this.api.schema.input.entities.get(typeName);
    return e ? e.interfaces.includes(typeCondition) : false;
  }

  collect(typeName: string, selectionSet: SelectionSetNode, out: Map<string, FieldNode[]>, visited: Set<string>): void {
    for (const s of selectionSet.selections) {
      if (this.skip(s)) continue;
      if (s.kind === Kind.FIELD) {
        const key = s.alias?.value ?? s.name.value;
        const list = out.get(key);
        if (list) list.push(s);
        else out.set(key, [s]);
      } else if (s.kind === Kind.INLINE_FRAGMENT) {
        if (this.applies(s.typeCondition?.name.value, typeName)) this.collect(typeName, s.selectionSet, out, visited);
      } else {
        const name = s.name.value;
        if (visited.has(name)) continue;
        visited.add(name);
        const frag = this.prepared.fragments.get(name);
        if (frag && this.applies(frag.typeCondition.name.value, typeName)) this.collect(typeName, frag.selectionSet, out, visited);
      }
    }
  }

  private lastPlan: { def: EntityTypeDef; nodes: FieldNode[]; plan: Plan[] } | null = null;

  /** The fields to produce for objects of `def` selected by `nodes`, computed once per request. */
  plan(def: EntityTypeDef, nodes: FieldNode[]): Plan[] {
    // Lists ask for the same plan for every element.
    const last = this.lastPlan;
    if (last && last.def === def && last.nodes === nodes) return last.plan;
    const plan = this.planOf(def, nodes);
    this.lastPlan = { def, nodes, plan };
    return plan;
  }

  private planOf(def: EntityTypeDef, nodes: FieldNode[]): Plan[] {
    let byType = this.plans.get(nodes[0]);
    if (!byType) {
      byType = new Map();
      this.plans.set(nodes[0], byType);
    }
    let plan = byType.get(def.name);
    if (plan) return plan;
    const fields = new Map<string, FieldNode[]>();
    const visited = new Set<string>();
    for (const n of nodes) if (n.selectionSet) this.collect(def.name, n.selectionSet, fields, visited);
    const gqlType = this.api.schema.schema.getType(def.name) as GraphQLObjectType;
    plan = [];
    for (const [key, fieldNodes] of fields) {
      const name = fieldNodes[0].name.value;
      const prefix = `${plan.length === 0 ? '{' : ','}${JSON.stringify(key)}:`;
      if (name === '__typename') {
        plan.push({ prefix, kind: 'typename', json: JSON.stringify(def.name) });
        continue;
      }
      const f = def.fieldMap.get(name);
      if (!f) throw new QueryExecutionError(`Type \`${def.name}\` has no field \`${name}\``);
      if (f.kind === 'scalar' || f.kind === 'enum') {
        plan.push({ prefix, kind: 'scalar', column: f.column, json: serializerFor(f) });
      } else if (!f.list && !f.derivedFrom) {
        plan.push({ prefix, kind: 'ref', field: f, nodes: fieldNodes });
      } else {
        const args = getArgumentValues(gqlType.getFields()[name] as GraphQLField<unknown, unknown>, fieldNodes[0], this.variables);
        plan.push({ prefix, kind: 'many', field: f, nodes: fieldNodes, args });
      }
    }
    byType.set(def.name, plan);
    return plan;
  }

  /** The entity as a JSON object, with the selected fields. */
  object(v: Version, nodes: FieldNode[], at: At): string {
    const def = v.table.def;
    const plan = this.plan(def, nodes);
    if (plan.length === 0) return '{}';
    let out = '';
    for (const p of plan) {
      out += p.prefix;
      switch (p.kind) {
        case 'typename':
          out += p.json;
          break;
        case 'scalar':
          out += p.json(v.row[p.column]);
          break;
        case 'ref': {
          const id = v.row[p.field.column];
          const child = id === null ? null : findById(this.api.store.engine.tablesOf(p.field.typeName), idKey(id), at.number, at.latest);
          if (!child && p.field.nonNull) {
            // e.g. the referenced entity was removed: graph-node's executor refuses the null.
            throw new QueryExecutionError(`Null value resolved for non-null field \`${p.field.name}\``);
          }
          out += child ? this.object(child, p.nodes, at) : 'null';
          break;
        }
        case 'many':
          out += this.relation(v, p, at);
          break;
      }
    }
    return `${out}}`;
  }

  list(versions: Version[], nodes: FieldNode[], at: At): string {
    let out = '[';
    for (let i = 0; i < versions.length; i++) {
      if (i > 0) out += ',';
      out += this.object(versions[i], nodes, at);
    }
    return `${out}]`;
  }

  private relation(v: Version, p: Extract<Plan, { kind: 'many' }>, at: At): string {
    const { field: f, nodes, args } = p;
    const parent: ParentLink = f.derivedFrom
      ? { kind: 'derived', backField: f.derivedFrom, parentId: v.id }
      : { kind: 'ids', ids: (v.row[f.column] as Cell[] | null) ?? [] };
    if (!f.list) {
      // A single @derivedFrom field: at most one entity may point back.
      const found = this.api.store.engine.run({
        typeName: f.typeName,
        block: at.number,
        latest: at.latest,
        filter: null,
        order: { kind: 'default' },
        first: 2,
        skip: 0,
        parent,
      });
      if (found.length > 1) {
        throw new QueryExecutionError(
          `Ambiguous result for derived field \`${f.name}\`: Multiple \`${f.typeName}\` entities refer back via \`${f.derivedFrom}\``,
        );
      }
      return found.length ? this.object(found[0], nodes, at) : 'null';
    }
    if (!p.query) {
      const range = buildRange(args.first, args.skip);
      p.query = {
        filter: buildFilter(this.api.filterKeys, f.typeName, args.where),
        order: buildOrder(args.orderBy, args.orderDirection),
        first: range.first,
        skip: range.skip,
      };
    }
    const q: EntityQuery = { typeName: f.typeName, block: at.number, latest: at.latest, ...p.query, parent };
    return this.list(this.api.store.engine.run(q), nodes, at);
  }
}

export class QueryApi {
  readonly schema: ApiSchema;
  readonly filterKeys: FilterKeys;
  private readonly documents = new Map<string, Prepared>();
  private readonly rootFields = new Map<string, RootField>();

  constructor(readonly options: QueryApiOptions) {
    this.schema = buildApiSchema(options.store.schema);
    this.filterKeys = new FilterKeys(options.store.schema);
    for (const t of [...options.store.schema.entities.values(), ...options.store.schema.interfaces.values()]) {
      const { single, collection } = queryFieldNames(t.name);
      this.rootFields.set(single, { typeName: t.name, collection: false });
      this.rootFields.set(collection, { typeName: t.name, collection: true });
    }
  }

  get store(): QueryableEntityStore {
    return this.options.store;
  }

  private prepare(query: string): Prepared {
    let p = this.documents.get(query);
    if (p) return p;
    let document: DocumentNode;
    try {
      document = parse(query);
    } catch (e) {
      const error = errorJson(e as GraphQLError);
      return { document: { kind: Kind.DOCUMENT, definitions: [] }, errors: [error], fragments: new Map(), syntaxError: error.message };
    }
    const errors: GraphQLErrorJson[] = validate(this.schema.schema, document, VALIDATION_RULES).map(errorJson);
    const fragments = new Map<string, FragmentDefinitionNode>();
    for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
    if (errors.length === 0) {
      for (const d of document.definitions) {
        if (d.kind === Kind.OPERATION_DEFINITION && depth(d.selectionSet, fragments) > MAX_DEPTH) {
          errors.push({ message: `query has a depth that exceeds the limit of \`${MAX_DEPTH}\`` });
          break;
        }
      }
    }
    p = { document, errors: errors.length ? errors : null, fragments };
    if (this.documents.size >= DOCUMENT_CACHE_SIZE) this.documents.delete(this.documents.keys().next().value!);
    this.documents.set(query, p);
    return p;
  }

  /** Runs one GraphQL request. Never throws for bad queries: errors come back in `errors`. */
  execute(request: QueryRequest): QueryResponse {
    return JSON.parse(this.executeJson(request)) as QueryResponse;
  }

  /** `execute`, answering with the response's JSON text (what the HTTP endpoint sends). */
  executeJson(request: QueryRequest): string {
    const r = this.run(request);
    return typeof r === 'string' ? r : JSON.stringify(r);
  }

  /**
   * The syntax error of a query, if it does not parse. graph-node answers those at the HTTP level
   * (400 with a `QueryError`) rather than as GraphQL errors.
   */
  syntaxError(query: string): string | null {
    const prepared = this.prepare(query);
    return prepared.syntaxError ?? null;
  }

  private run(request: QueryRequest): QueryResponse | string {
    if (typeof request.query !== 'string' || request.query.trim() === '') return { errors: [{ message: 'The query is empty' }] };
    const prepared = this.prepare(request.query);
    if (prepared.errors) return { errors: prepared.errors };
    let operation: OperationDefinitionNode | null | undefined;
    const operations = prepared.document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
    if (request.operationName) {
      operation = operations.find((o) => o.name?.value === request.operationName);
      if (!operation) return { errors: [{ message: `Operation name not found \`${request.operationName}\`` }] };
    } else {
      operation = getOperationAST(prepared.document);
      if (!operation) return { errors: [{ message: 'Operation name required' }] };
    }
    if (operation.operation !== 'query') return { errors: [{ message: `Not supported: ${operation.operation}s; the subgraph API only answers queries` }] };
    const coerced = getVariableValues(this.schema.schema, operation.variableDefinitions ?? [], request.variables ?? {});
    if (coerced.errors) return { errors: coerced.errors.map(errorJson) };
    const req = new Request(this, prepared, coerced.coerced);
    try {
      return this.executeOperation(req, operation, request);
    } catch (e) {
      if (e instanceof QueryExecutionError || e instanceof GraphQLError) return { errors: [{ message: e.message }] };
      throw e;
    }
  }

  /** The response as JSON text, or as an object for errors. */
  private executeOperation(req: Request, operation: OperationDefinitionNode, request: QueryRequest): QueryResponse | string {
    const fields = new Map<string, FieldNode[]>();
    req.collect('Query', operation.selectionSet, fields, new Set());
    /** Response key → the value's JSON text, in response order. */
    const data = new Map<string, string>();
    const introspection: FieldNode[] = [];
    /**
     * The block and error policy of each response key: graph-node resolves each group of root
     * fields with the same block constraint and policy separately, and post-processes each group.
     */
    const placed: Array<{ key: string; block: number | null; deny: boolean }> = [];
    const latestNumber = this.store.latestBlock()?.number ?? null;
    const queryType = this.schema.schema.getQueryType()!;
    for (const [key, nodes] of fields) {
      const node = nodes[0];
      const name = node.name.value;
      if (name === '__typename') {
        data.set(key, '"Query"');
        placed.push({ key, block: latestNumber, deny: true });
        continue;
      }
      if (name === '__schema' || name === '__type') {
        introspection.push(...nodes);
        data.set(key, 'null'); // placeholder keeps the response order
        placed.push({ key, block: latestNumber, deny: true });
        continue;
      }
      const args = getArgumentValues(queryType.getFields()[name], node, req.variables);
      const at = this.resolveBlock(args.block);
      placed.push({ key, block: at.number, deny: args.subgraphError !== 'allow' });
      if (name === '_meta') {
        data.set(key, JSON.stringify(this.meta(at, nodes, req)));
        continue;
      }
      const root = this.rootFields.get(name);
      if (!root) throw new QueryExecutionError(`Type \`Query\` has no field \`${name}\``);
      if (root.collection) {
        const range = buildRange(args.first, args.skip);
        const q: EntityQuery = {
          typeName: root.typeName,
          block: at.number,
          latest: at.latest,
          filter: buildFilter(this.filterKeys, root.typeName, args.where),
          order: buildOrder(args.orderBy, args.orderDirection),
          first: range.first,
          skip: range.skip,
        };
        data.set(key, req.list(this.store.engine.run(q), nodes, at));
      } else {
        const tables = this.store.engine.tablesOf(root.typeName);
        let id: string;
        try {
          id = idKey(inputToScalar(args.id, { name: 'id', storage: tables[0]?.def.idType ?? 'String' }));
        } catch {
          throw new QueryExecutionError(`Failed to decode \`id\` value: \`${String(args.id)}\``);
        }
        const v = findById(tables, id, at.number, at.latest);
        data.set(key, v ? req.object(v, nodes, at) : 'null');
      }
    }
    if (introspection.length > 0) {
      const doc: DocumentNode = {
        kind: Kind.DOCUMENT,
        definitions: [
          { ...operation, selectionSet: { kind: Kind.SELECTION_SET, selections: introspection } },
          ...req.prepared.fragments.values(),
        ],
      };
      const result = execute({ schema: this.schema.schema, document: doc, variableValues: request.variables ?? {} }) as {
        data?: Record<string, unknown> | null;
        errors?: readonly GraphQLError[];
      };
      if (result.errors?.length) return { errors: result.errors.map(errorJson) };
      for (const [key, value] of Object.entries(result.data ?? {})) data.set(key, JSON.stringify(value));
    }
    return this.applyErrorPolicy(data, placed);
  }

  /**
   * graph-node's `post_process`, per group of root fields with one block and policy: a deterministic
   * indexing error at or below the group's block adds `indexing_error`, unless the group holds only
   * `_meta`; with `subgraphError: deny` (the default) only the response keys `_meta`, `__schema` and
   * `__type` keep their data. A response left without data has no `data` key.
   */
  private applyErrorPolicy(data: Map<string, string>, placed: Array<{ key: string; block: number | null; deny: boolean }>): QueryResponse | string {
    const error = this.store.indexingError();
    if (!error) return `{"data":${dataJson(data)}}`;
    const groups = new Map<string, Array<{ key: string; block: number | null; deny: boolean }>>();
    for (const p of placed) {
      const g = `${p.block}:${p.deny}`;
      const list = groups.get(g);
      if (list) list.push(p);
      else groups.set(g, [p]);
    }
    let flagged = false;
    for (const group of groups.values()) {
      const { block, deny } = group[0];
      if (block === null || error.block.number > block) continue;
      if (group.every((p) => p.key === '_meta')) continue;
      flagged = true;
      if (deny) for (const p of group) if (p.key !== '_meta' && p.key !== '__schema' && p.key !== '__type') data.delete(p.key);
    }
    if (!flagged) return `{"data":${dataJson(data)}}`;
    if (data.size === 0) return { errors: [{ message: 'indexing_error' }] };
    return `{"data":${dataJson(data)},"errors":[{"message":"indexing_error"}]}`;
  }

  private deploymentNotStarted(): QueryExecutionError {
    return new QueryExecutionError(
      `Subgraph \`${this.options.deployment}\` has not started syncing yet. Wait for it to ingest a few blocks before querying it`,
    );
  }

  /** graph-node's `locate_blocks` for one `block` argument. */
  private resolveBlock(arg: unknown): At {
    const latest = this.store.latestBlock();
    if (!latest) throw this.deploymentNotStarted();
    const full = (b: BlockPtr): At['ptr'] => ({ number: b.number, hash: b.hash, timestamp: b.timestamp, parentHash: b.parentHash });
    const notYet = (what: string, n: number): QueryExecutionError =>
      new QueryExecutionError(
        `Failed to decode \`${what}\` value: \`subgraph ${this.options.deployment} has only indexed up to block number ${latest.number} and data for block number ${n} is therefore not yet available\``,
      );
    const c = (arg ?? {}) as { hash?: string | null; number?: number | null; number_gte?: number | null };
    if (typeof c.hash === 'string') {
      const b = this.store.blockByHash(c.hash);
      if (!b) throw new QueryExecutionError('Failed to decode `block.hash` value: `no block with that hash found`');
      if (b.number > latest.number) throw notYet('block.number', b.number);
      return { number: b.number, latest: b.number === latest.number, ptr: full(b) };
    }
    if (typeof c.number === 'number') {
      if (c.number > latest.number) throw notYet('block.number', c.number);
      return { number: c.number, latest: c.number === latest.number, ptr: { number: c.number, hash: null, timestamp: null, parentHash: null } };
    }
    if (typeof c.number_gte === 'number') {
      if (latest.number < c.number_gte) throw notYet('block.number_gte', c.number_gte);
    }
    return { number: latest.number, latest: true, ptr: full(latest) };
  }

  private meta(at: At, nodes: FieldNode[], req: Request): Record<string, unknown> {
    const fields = new Map<string, FieldNode[]>();
    for (const n of nodes) if (n.selectionSet) req.collect('_Meta_', n.selectionSet, fields, new Set());
    const error = this.store.indexingError();
    const out: Record<string, unknown> = {};
    for (const [key, fnodes] of fields) {
      switch (fnodes[0].name.value) {
        case '__typename':
          out[key] = '_Meta_';
          break;
        case 'deployment':
          out[key] = this.options.deployment;
          break;
        case 'hasIndexingErrors':
          out[key] = error !== null && error.block.number <= at.number;
          break;
        case 'block': {
          const blockFields = new Map<string, FieldNode[]>();
          for (const n of fnodes) if (n.selectionSet) req.collect('_Block_', n.selectionSet, blockFields, new Set());
          const b: Record<string, unknown> = {};
          for (const [bkey, bnodes] of blockFields) {
            const name = bnodes[0].name.value;
            b[bkey] = name === '__typename' ? '_Block_' : (at.ptr as Record<string, unknown>)[name] ?? null;
          }
          out[key] = b;
          break;
        }
      }
    }
    return out;
  }
}

function dataJson(data: Map<string, string>): string {
  let out = '{';
  for (const [key, json] of data) out += `${out.length > 1 ? ',' : ''}${JSON.stringify(key)}:${json}`;
  return `${out}}`;
}

export function createQueryApi(options: QueryApiOptions): QueryApi {
  return new QueryApi(options);
}
