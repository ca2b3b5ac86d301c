/**
 * The query schema graph-node generates from a subgraph's schema.graphql (graph/src/schema/api.rs):
 * per entity type and interface a single-entity field and a collection field on `Query`, `<T>_filter`
 * inputs with graph-node's per-type filter names, `<T>_orderBy` enums including `field__child`
 * values, collection arguments on list relation fields, `_meta`, `Block_height` and the scalars.
 */
import {
  GraphQLError,
  GraphQLScalarType,
  Kind,
  buildSchema,
  printSchema,
  type GraphQLSchema,
  type ValueNode,
} from 'graphql';
import { FILTER_SUFFIXES } from '../store/query';
import { queryFieldNames } from '../schema/names';
import { SchemaError, parseInputSchema, printType, type FieldDef, type InputSchema } from '../schema/input-schema';

/** The filters of every ordered scalar; `''` is equality on the bare field name. */
const ORDERED_FILTER_OPS = ['', 'not', 'gt', 'lt', 'gte', 'lte', 'in', 'not_in'];

const SCALAR_FILTER_OPS: Record<string, string[]> = {
  Boolean: ['', 'not', 'in', 'not_in'],
  Bytes: [...ORDERED_FILTER_OPS, 'contains', 'not_contains'],
  ID: ORDERED_FILTER_OPS,
  BigInt: ORDERED_FILTER_OPS,
  BigDecimal: ORDERED_FILTER_OPS,
  Int: ORDERED_FILTER_OPS,
  Int8: ORDERED_FILTER_OPS,
  Timestamp: ORDERED_FILTER_OPS,
  String: ['', ...FILTER_SUFFIXES],
};
const ENUM_FILTER_OPS = ['', 'not', 'in', 'not_in'];
const LIST_FILTER_OPS = ['', 'not', 'contains', 'contains_nocase', 'not_contains', 'not_contains_nocase'];

const BLOCK_ARGUMENT_DESCRIPTION =
  'The block at which the query should be executed. Can either be a `{ hash: Bytes }` value containing a block hash, a `{ number: Int }` containing the block number, or a `{ number_gte: Int }` containing the minimum block number. In the case of `number_gte`, the query will be executed on the latest block only if the subgraph has progressed to or past the minimum block number. Defaults to the latest block when omitted.';
const SUBGRAPH_ERROR_DESCRIPTION = 'Set to `allow` to receive data even if the subgraph has skipped over errors while syncing.';

/** The fixed part of every subgraph's query schema (graph-node's meta.graphql). */
const META_SDL = `
"Marks the GraphQL type as indexable entity.  Each type that should be an entity is required to be annotated with this directive."
directive @entity(immutable: Boolean, skipDuplicates: Boolean, timeseries: Boolean) on OBJECT

"Defined a Subgraph ID for an object type"
directive @subgraphId(id: String!) on OBJECT

"creates a virtual field on the entity that may be queried but cannot be set manually through the mappings API."
directive @derivedFrom(field: String!) on FIELD_DEFINITION

scalar BigDecimal

scalar BigInt

scalar Bytes

"""
8 bytes signed integer
"""
scalar Int8

"""
A string representation of microseconds UNIX timestamp (16 digits)
"""
scalar Timestamp

"The type for the top-level _meta field"
type _Meta_ {
  """
  Information about a specific subgraph block. The hash of the block
  will be null if the _meta field has a block constraint that asks for
  a block number. It will be filled if the _meta field has no block constraint
  and therefore asks for the latest  block
  """
  block: _Block_!
  "The deployment ID"
  deployment: String!
  "If \`true\`, the subgraph encountered indexing errors at some past block"
  hasIndexingErrors: Boolean!
}

input BlockChangedFilter {
  number_gte: Int!
}

type _Block_ {
  "The hash of the block"
  hash: Bytes
  "The block number"
  number: Int!
  "Integer representation of the timestamp stored in blocks for the chain"
  timestamp: Int
  "The hash of the parent block"
  parentHash: Bytes
}

enum _SubgraphErrorPolicy_ {
  "Data will be returned even if the subgraph has indexing errors"
  allow

  "If the subgraph has indexing errors, data will be omitted. The default."
  deny
}

"The block at which the query should be executed."
input Block_height {
  "Value containing a block hash"
  hash: Bytes
  "Value containing a block number"
  number: Int
  """
  Value containing the minimum block number.
  In the case of \`number_gte\`, the query will be executed on the latest block only if
  the subgraph has progressed to or past the minimum block number.
  Defaults to the latest block when omitted.
  """
  number_gte: Int
}

"Defines the order direction, either ascending or descending"
enum OrderDirection {
  asc
  desc
}
`;

function describe(text: string | undefined, indent: string): string {
  if (text === undefined || text === '') return '';
  return `${indent}"""\n${text
    .replace(/"""/g, '\\"""')
    .split('\n')
    .map((l) => (l ? indent + l : l))
    .join('\n')}\n${indent}"""\n`;
}

function q(text: string): string {
  return JSON.stringify(text);
}

/** The `id` of a referenced entity as filters take it (graph-node's `id_type_as_scalar`). */
function idScalar(schema: InputSchema, typeName: string): string {
  const t = schema.objectOrInterface(typeName)!;
  return t.idType === 'Int8' ? 'Int' : 'String';
}

function collectionArguments(typeName: string): string {
  return `(skip: Int = 0, first: Int = 100, orderBy: ${typeName}_orderBy, orderDirection: OrderDirection, where: ${typeName}_filter)`;
}

function filterFields(schema: InputSchema, fields: FieldDef[]): string[] {
  const out: string[] = [];
  const add = (name: string, op: string, type: string): void => {
    out.push(`  ${op ? `${name}_${op}` : name}: ${type}`);
  };
  for (const f of fields) {
    const isRef = f.kind === 'entity' || f.kind === 'interface';
    if (f.list) {
      const element = isRef ? (f.derivedFrom ? null : idScalar(schema, f.typeName)) : f.typeName;
      if (element) for (const op of LIST_FILTER_OPS) add(f.name, op, `[${element}!]`);
      if (isRef) add(`${f.name}_`, '', `${f.typeName}_filter`);
      continue;
    }
    if (isRef) {
      if (!f.derivedFrom) {
        const scalar = idScalar(schema, f.typeName);
        for (const op of SCALAR_FILTER_OPS[scalar]) add(f.name, op, op === 'in' || op === 'not_in' ? `[${scalar}!]` : scalar);
      }
      add(`${f.name}_`, '', `${f.typeName}_filter`);
    } else if (f.kind === 'enum') {
      for (const op of ENUM_FILTER_OPS) add(f.name, op, op === 'in' || op === 'not_in' ? `[${f.typeName}!]` : f.typeName);
    } else {
      for (const op of SCALAR_FILTER_OPS[f.typeName] ?? ['', 'not']) {
        add(f.name, op, op === 'in' || op === 'not_in' ? `[${f.typeName}!]` : f.typeName);
      }
    }
  }
  return out;
}

function orderByValues(schema: InputSchema, fields: FieldDef[]): string[] {
  const out: string[] = [];
  for (const f of fields) {
    out.push(f.name);
    if (f.list || (f.kind !== 'entity' && f.kind !== 'interface')) continue;
    const child = schema.objectOrInterface(f.typeName)!;
    for (const cf of child.fields) {
      if (cf.list || cf.kind === 'entity' || cf.kind === 'interface') continue;
      out.push(`${f.name}__${cf.name}`);
    }
  }
  return out;
}

function printFields(fields: FieldDef[]): string {
  return fields
    .map((f) => {
      const args = f.list && (f.kind === 'entity' || f.kind === 'interface') ? collectionArguments(f.typeName) : '';
      const directives = f.derivedFrom ? ` @derivedFrom(field: ${q(f.derivedFrom)})` : '';
      return `${describe(f.description, '  ')}  ${f.name}${args}: ${printType(f.typeNode)}${directives}`;
    })
    .join('\n');
}

/** Refuses schemas whose names collide with what the query API generates (graph-node: TypeExists). */
function checkGeneratedNames(schema: InputSchema): void {
  const declared = new Set<string>([...schema.entities.keys(), ...schema.interfaces.keys(), ...schema.enums.keys()]);
  const fields = new Map<string, string>();
  for (const t of [...schema.entities.values(), ...schema.interfaces.values()]) {
    for (const generated of [`${t.name}_filter`, `${t.name}_orderBy`]) {
      if (declared.has(generated)) {
        throw new SchemaError(`type ${generated} already exists in the input schema; the query API generates it for \`${t.name}\``);
      }
    }
    const { single, collection } = queryFieldNames(t.name);
    for (const name of [single, collection]) {
      const other = fields.get(name);
      if (other) throw new SchemaError(`\`${t.name}\` and \`${other}\` both produce the query field \`${name}\`; rename one of them`);
      fields.set(name, t.name);
    }
  }
  if (fields.has('_meta')) throw new SchemaError('an entity type produces the query field `_meta`, which the query API reserves');
}

/** The generated query schema as SDL (before graphql-js normalises it). */
export function apiSchemaSdl(schema: InputSchema): string {
  checkGeneratedNames(schema);
  const parts: string[] = [];
  for (const [name, e] of schema.enums) {
    parts.push(`${describe(e.node.description?.value, '')}enum ${name} {\n${e.node.values?.map((v) => `${describe(v.description?.value, '  ')}  ${v.name.value}`).join('\n')}\n}`);
  }
  for (const i of schema.interfaces.values()) {
    parts.push(`${describe(i.description, '')}interface ${i.name} {\n${printFields(i.fields)}\n}`);
  }
  for (const e of schema.entities.values()) {
    const implementsClause = e.interfaces.length ? ` implements ${e.interfaces.join(' & ')}` : '';
    const flags = [`immutable: ${e.immutable}`, ...(e.skipDuplicates ? ['skipDuplicates: true'] : [])].join(', ');
    parts.push(`${describe(e.description, '')}type ${e.name}${implementsClause} @entity(${flags}) {\n${printFields(e.fields)}\n}`);
  }
  const queryable = [...schema.entities.values(), ...schema.interfaces.values()];
  for (const t of queryable) {
    parts.push(`enum ${t.name}_orderBy {\n${orderByValues(schema, t.fields).map((v) => `  ${v}`).join('\n')}\n}`);
    const fields = filterFields(schema, t.fields);
    fields.push(`  "Filter for the block changed event."\n  _change_block: BlockChangedFilter`);
    fields.push(`  and: [${t.name}_filter]`, `  or: [${t.name}_filter]`);
    parts.push(`input ${t.name}_filter {\n${fields.join('\n')}\n}`);
  }
  const blockArg = `\n    ${q(BLOCK_ARGUMENT_DESCRIPTION)}\n    block: Block_height`;
  const errorArg = `\n    ${q(SUBGRAPH_ERROR_DESCRIPTION)}\n    subgraphError: _SubgraphErrorPolicy_! = deny`;
  const queryFields: string[] = [];
  // graph-node lists entity types, then interfaces, each sorted by name.
  const byName = <T extends { name: string }>(a: T, b: T): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  const queryOrder = [...[...schema.entities.values()].sort(byName), ...[...schema.interfaces.values()].sort(byName)];
  for (const t of queryOrder) {
    const { single, collection } = queryFieldNames(t.name);
    queryFields.push(`  ${single}(\n    id: ID!${blockArg}${errorArg}\n  ): ${t.name}`);
    queryFields.push(
      `  ${collection}(\n    skip: Int = 0\n    first: Int = 100\n    orderBy: ${t.name}_orderBy\n    orderDirection: OrderDirection\n    where: ${t.name}_filter${blockArg}${errorArg}\n  ): [${t.name}!]!`,
    );
  }
  queryFields.push(`  "Access to subgraph metadata"\n  _meta(block: Block_height): _Meta_`);
  parts.push(`type Query {\n${queryFields.join('\n')}\n}`);
  return `${parts.join('\n\n')}\n${META_SDL}`;
}

function literalToJs(ast: ValueNode): unknown {
  switch (ast.kind) {
    case Kind.STRING:
      return ast.value;
    case Kind.INT:
      return ast.value;
    case Kind.FLOAT:
      return ast.value;
    default:
      return undefined;
  }
}

function scalar(
  name: string,
  accepts: Array<'string' | 'int' | 'float'>,
  check: (s: string) => boolean,
): Partial<GraphQLScalarType> {
  const parse = (value: unknown, kind: 'string' | 'int' | 'float'): string => {
    const text = String(value);
    if (!accepts.includes(kind) || !check(text)) {
      throw new GraphQLError(`Invalid value for ${name}: ${JSON.stringify(value)}`);
    }
    return text;
  };
  return {
    parseLiteral(ast: ValueNode) {
      const kind = ast.kind === Kind.STRING ? 'string' : ast.kind === Kind.INT ? 'int' : ast.kind === Kind.FLOAT ? 'float' : null;
      if (!kind) throw new GraphQLError(`Invalid value for ${name}`);
      return parse(literalToJs(ast), kind);
    },
    parseValue(value: unknown) {
      const kind = typeof value === 'string' ? 'string' : typeof value === 'number' ? (Number.isInteger(value) ? 'int' : 'float') : null;
      if (!kind) throw new GraphQLError(`Invalid value for ${name}: ${JSON.stringify(value)}`);
      return parse(value, kind);
    },
    serialize(value: unknown) {
      return String(value);
    },
  };
}

const INTEGER = (s: string): boolean => /^-?\d+$/.test(s);

/** Input coercion as graph-node's `MaybeCoercible` for its scalars; values stay strings. */
const SCALAR_BEHAVIOUR: Record<string, Partial<GraphQLScalarType>> = {
  BigInt: scalar('BigInt', ['string', 'int'], INTEGER),
  BigDecimal: scalar('BigDecimal', ['string', 'int', 'float'], (s) => /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s)),
  Bytes: scalar('Bytes', ['string'], (s) => /^0x([0-9a-fA-F]{2})*$/.test(s)),
  Int8: scalar('Int8', ['int'], INTEGER),
  Timestamp: scalar('Timestamp', ['string'], INTEGER),
};

export interface ApiSchema {
  input: InputSchema;
  sdl: string;
  schema: GraphQLSchema;
}

export function buildApiSchema(input: InputSchema): ApiSchema {
  const sdl = apiSchemaSdl(input);
  const schema = buildSchema(sdl);
  for (const [name, behaviour] of Object.entries(SCALAR_BEHAVIOUR)) {
    Object.assign(schema.getType(name) as GraphQLScalarType, behaviour);
  }
  return { input, sdl, schema };
}

/** The generated query schema of a schema.graphql, printed for clients (codegen, GraphiQL). */
export function printApiSchema(schemaSdl: string): string {
  return printSchema(buildApiSchema(parseInputSchema(schemaSdl)).schema);
}
