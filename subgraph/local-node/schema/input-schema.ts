/**
 * A subgraph's `schema.graphql` parsed into entity types, validated as graph-node validates it.
 *
 * The store and the query API both work from this model: every entity type with its fields, each
 * field's GraphQL type (scalar, enum, entity or interface reference, list, non-null), `@derivedFrom`,
 * `@entity(immutable:)` and the id type.
 */
import {
  buildASTSchema,
  GraphQLError,
  Kind,
  parse,
  type ConstDirectiveNode,
  type DocumentNode,
  type EnumTypeDefinitionNode,
  type FieldDefinitionNode,
  type InterfaceTypeDefinitionNode,
  type ObjectTypeDefinitionNode,
  type TypeNode,
} from 'graphql';

/** The scalars a subgraph schema may use (graph-node's `ValueType`). */
export const SUBGRAPH_SCALARS = ['ID', 'String', 'Bytes', 'BigInt', 'BigDecimal', 'Int', 'Int8', 'Boolean', 'Timestamp'] as const;
export type ScalarName = (typeof SUBGRAPH_SCALARS)[number];

/** How a value is stored: ID and enums are strings, references take the referenced entity's id type. */
export type StorageType = 'String' | 'Bytes' | 'BigInt' | 'BigDecimal' | 'Int' | 'Int8' | 'Boolean' | 'Timestamp';

export type IdType = 'String' | 'Bytes' | 'Int8';

export type FieldKind = 'scalar' | 'enum' | 'entity' | 'interface';

export interface FieldDef {
  name: string;
  description?: string;
  /** The named base type: a scalar, an enum, an entity type or an interface. */
  typeName: string;
  kind: FieldKind;
  /** The storage type of the value (of each element for lists). */
  storage: StorageType;
  list: boolean;
  /** The field itself is non-null (`T!` or `[T]!`). */
  nonNull: boolean;
  /** List elements are non-null (`[T!]`). */
  itemNonNull: boolean;
  /** For `@derivedFrom(field:)`: the field on the referenced type that points back. */
  derivedFrom?: string;
  /** Index in an entity row, or -1 for derived fields (which are not stored). */
  column: number;
  /** The field's type as written, for printing (`[Consent!]!`). */
  typeNode: TypeNode;
  /** The field definition as written (arguments are added by the query API). */
  node: FieldDefinitionNode;
}

interface TypeWithFields {
  name: string;
  description?: string;
  fields: FieldDef[];
  fieldMap: Map<string, FieldDef>;
  idType: IdType;
}

export interface EntityTypeDef extends TypeWithFields {
  kind: 'entity';
  /** Stored (non-derived) fields in row order; `columns[i].column === i`. */
  columns: FieldDef[];
  immutable: boolean;
  /** graph-node's `@entity(immutable: true, skipDuplicates: true)`: re-inserts are ignored. */
  skipDuplicates: boolean;
  interfaces: string[];
  idColumn: number;
  node: ObjectTypeDefinitionNode;
}

export interface InterfaceDef extends TypeWithFields {
  kind: 'interface';
  implementers: string[];
  node: InterfaceTypeDefinitionNode;
}

export interface InputSchema {
  sdl: string;
  document: DocumentNode;
  /** Entity types in declaration order. */
  entities: Map<string, EntityTypeDef>;
  interfaces: Map<string, InterfaceDef>;
  enums: Map<string, { values: string[]; node: EnumTypeDefinitionNode }>;
  /** The entity types an entity or interface name stands for. */
  concreteTypes(name: string): EntityTypeDef[];
  objectOrInterface(name: string): EntityTypeDef | InterfaceDef | undefined;
}

/** A schema.graphql that graph-node would refuse; the message says what to change. */
export class SchemaError extends Error {
  override name = 'SchemaError';
}

const RESERVED_TYPE_NAMES = new Set([
  'Query',
  'Subscription',
  'Mutation',
  '_Meta_',
  '_Block_',
  'Block_height',
  'BlockChangedFilter',
  'OrderDirection',
  '_SubgraphErrorPolicy_',
  'Aggregation_interval',
  'Aggregation_current',
]);

const STORAGE_OF_SCALAR: Record<ScalarName, StorageType> = {
  ID: 'String',
  String: 'String',
  Bytes: 'Bytes',
  BigInt: 'BigInt',
  BigDecimal: 'BigDecimal',
  Int: 'Int',
  Int8: 'Int8',
  Boolean: 'Boolean',
  Timestamp: 'Timestamp',
};

function directive(node: { directives?: readonly ConstDirectiveNode[] }, name: string): ConstDirectiveNode | undefined {
  return node.directives?.find((d) => d.name.value === name);
}

function booleanArgument(d: ConstDirectiveNode | undefined, arg: string, where: string): boolean {
  const a = d?.arguments?.find((x) => x.name.value === arg);
  if (!a) return false;
  if (a.value.kind !== Kind.BOOLEAN) {
    throw new SchemaError(`${where}: the \`${arg}\` argument of @${d!.name.value} must be true or false`);
  }
  return a.value.value;
}

function unwrap(type: TypeNode): { typeName: string; list: boolean; nonNull: boolean; itemNonNull: boolean; nested: boolean } {
  let t = type;
  let nonNull = false;
  if (t.kind === Kind.NON_NULL_TYPE) {
    nonNull = true;
    t = t.type;
  }
  if (t.kind === Kind.LIST_TYPE) {
    let inner = t.type;
    let itemNonNull = false;
    if (inner.kind === Kind.NON_NULL_TYPE) {
      itemNonNull = true;
      inner = inner.type;
    }
    if (inner.kind !== Kind.NAMED_TYPE) return { typeName: '', list: true, nonNull, itemNonNull, nested: true };
    return { typeName: inner.name.value, list: true, nonNull, itemNonNull, nested: false };
  }
  return { typeName: t.name.value, list: false, nonNull, itemNonNull: false, nested: false };
}

/** What graph-node declares for subgraph schemas (scalars and directives). */
const SUBGRAPH_PRELUDE = `
scalar BigDecimal
scalar BigInt
scalar Bytes
scalar Int8
scalar Timestamp
directive @entity(immutable: Boolean, skipDuplicates: Boolean, timeseries: Boolean) on OBJECT
directive @derivedFrom(field: String!) on FIELD_DEFINITION
directive @subgraphId(id: String!) on OBJECT
directive @fulltext(name: String!, language: String, algorithm: String, include: [_FulltextInclude_!]!) on OBJECT
input _FulltextInclude_ { entity: String!, fields: [_FulltextField_!]! }
input _FulltextField_ { name: String! }
`;

const ID_TYPES: Record<string, IdType> = { ID: 'String', String: 'String', Bytes: 'Bytes', Int8: 'Int8' };

/**
 * Parses and validates a subgraph schema. Throws `SchemaError` naming the type and field at fault.
 */
export function parseInputSchema(sdl: string): InputSchema {
  let document: DocumentNode;
  try {
    document = parse(sdl, { noLocation: false });
  } catch (e) {
    throw new SchemaError(`schema.graphql does not parse: ${(e as Error).message}`);
  }

  const objects: ObjectTypeDefinitionNode[] = [];
  const interfaceNodes: InterfaceTypeDefinitionNode[] = [];
  const enums = new Map<string, { values: string[]; node: EnumTypeDefinitionNode }>();
  const seen = new Set<string>();
  for (const def of document.definitions) {
    if (
      def.kind === Kind.OBJECT_TYPE_DEFINITION ||
      def.kind === Kind.INTERFACE_TYPE_DEFINITION ||
      def.kind === Kind.ENUM_TYPE_DEFINITION
    ) {
      const name = def.name.value;
      if (seen.has(name)) throw new SchemaError(`Type \`${name}\` is defined more than once`);
      seen.add(name);
      if (RESERVED_TYPE_NAMES.has(name) || name.startsWith('__')) {
        throw new SchemaError(`Type name \`${name}\` is reserved by the query API; rename the type`);
      }
      if ((SUBGRAPH_SCALARS as readonly string[]).includes(name)) {
        throw new SchemaError(`Type name \`${name}\` is a built-in scalar; rename the type`);
      }
    }
    switch (def.kind) {
      case Kind.OBJECT_TYPE_DEFINITION:
        if (def.name.value === '_Schema_') {
          if (def.directives?.some((d) => d.name.value === 'fulltext')) {
            throw new SchemaError(
              '@fulltext search fields (on `_Schema_`) are not supported by the local subgraph node; remove them or use graph-node',
            );
          }
          break;
        }
        objects.push(def);
        break;
      case Kind.INTERFACE_TYPE_DEFINITION:
        interfaceNodes.push(def);
        break;
      case Kind.ENUM_TYPE_DEFINITION:
        enums.set(def.name.value, { values: (def.values ?? []).map((v) => v.name.value), node: def });
        break;
      case Kind.SCALAR_TYPE_DEFINITION:
      case Kind.UNION_TYPE_DEFINITION:
      case Kind.INPUT_OBJECT_TYPE_DEFINITION:
      case Kind.SCHEMA_DEFINITION:
      case Kind.DIRECTIVE_DEFINITION:
        // graph-node ignores these in subgraph schemas; so do we.
        break;
      default:
        throw new SchemaError(`schema.graphql may only define entity types, interfaces and enums, not ${def.kind}`);
    }
  }

  const objectNames = new Set(objects.map((o) => o.name.value));
  const interfaceNames = new Set(interfaceNodes.map((i) => i.name.value));

  for (const o of objects) {
    if (directive(o, 'aggregation')) {
      throw new SchemaError(
        `Type \`${o.name.value}\` is an @aggregation; timeseries aggregations are not supported by the local subgraph node`,
      );
    }
    if (!directive(o, 'entity')) {
      throw new SchemaError(`Type \`${o.name.value}\` must be an entity: add @entity(immutable: true|false) to it`);
    }
  }

  function fieldDefs(owner: string, nodes: readonly FieldDefinitionNode[]): FieldDef[] {
    const fields: FieldDef[] = [];
    const names = new Set<string>();
    let column = 0;
    for (const node of nodes) {
      const name = node.name.value;
      const where = `Field \`${owner}.${name}\``;
      if (names.has(name)) throw new SchemaError(`${where} is defined more than once`);
      names.add(name);
      if (name.startsWith('__')) throw new SchemaError(`${where}: field names may not start with \`__\``);
      if (name.includes('__')) {
        throw new SchemaError(`${where}: field names may not contain \`__\` (it separates nested fields in orderBy)`);
      }
      const u = unwrap(node.type);
      if (u.nested) throw new SchemaError(`${where}: lists of lists are not supported`);
      let kind: FieldKind;
      let storage: StorageType = 'String';
      if ((SUBGRAPH_SCALARS as readonly string[]).includes(u.typeName)) {
        kind = 'scalar';
        storage = STORAGE_OF_SCALAR[u.typeName as ScalarName];
      } else if (enums.has(u.typeName)) {
        kind = 'enum';
      } else if (objectNames.has(u.typeName)) {
        kind = 'entity';
      } else if (interfaceNames.has(u.typeName)) {
        kind = 'interface';
      } else if (u.typeName === 'Float') {
        throw new SchemaError(`${where}: Float is not supported by subgraphs; use BigDecimal or Int`);
      } else {
        throw new SchemaError(`${where} has unknown type \`${u.typeName}\`; define it or use a built-in scalar`);
      }
      const derived = directive(node, 'derivedFrom');
      let derivedFrom: string | undefined;
      if (derived) {
        const arg = derived.arguments?.find((a) => a.name.value === 'field');
        if (!arg || arg.value.kind !== Kind.STRING) {
          throw new SchemaError(`${where}: @derivedFrom needs a string argument \`field\``);
        }
        if (kind !== 'entity' && kind !== 'interface') {
          throw new SchemaError(`${where}: @derivedFrom is only allowed on fields that reference entities`);
        }
        derivedFrom = arg.value.value;
      }
      fields.push({
        name,
        description: node.description?.value,
        typeName: u.typeName,
        kind,
        storage,
        list: u.list,
        nonNull: u.nonNull,
        itemNonNull: u.itemNonNull,
        derivedFrom,
        column: derivedFrom ? -1 : column++,
        typeNode: node.type,
        node,
      });
    }
    return fields;
  }

  const entities = new Map<string, EntityTypeDef>();
  for (const o of objects) {
    const name = o.name.value;
    const entityDirective = directive(o, 'entity')!;
    const immutable = booleanArgument(entityDirective, 'immutable', `Type \`${name}\``);
    const skipDuplicates = booleanArgument(entityDirective, 'skipDuplicates', `Type \`${name}\``);
    if (skipDuplicates && !immutable) {
      throw new SchemaError(`Type \`${name}\`: @entity(skipDuplicates: true) requires immutable: true`);
    }
    const fields = fieldDefs(name, o.fields ?? []);
    const idField = fields.find((f) => f.name === 'id');
    if (!idField) throw new SchemaError(`Entity type \`${name}\` has no \`id\` field; add \`id: ID!\` or \`id: Bytes!\``);
    const idType = ID_TYPES[idField.typeName];
    if (!idType || idField.list || !idField.nonNull || idField.kind !== 'scalar') {
      throw new SchemaError(
        `Entity type \`${name}\`: \`id\` must be of type ID!, String!, Bytes! or Int8!, not ${printType(idField.typeNode)}`,
      );
    }
    const columns = fields.filter((f) => f.column >= 0);
    entities.set(name, {
      kind: 'entity',
      name,
      description: o.description?.value,
      fields,
      fieldMap: new Map(fields.map((f) => [f.name, f])),
      columns,
      idType,
      idColumn: idField.column,
      immutable,
      skipDuplicates,
      interfaces: (o.interfaces ?? []).map((i) => i.name.value),
      node: o,
    });
  }

  const interfaces = new Map<string, InterfaceDef>();
  for (const i of interfaceNodes) {
    const name = i.name.value;
    const fields = fieldDefs(name, i.fields ?? []);
    const implementers = [...entities.values()].filter((e) => e.interfaces.includes(name)).map((e) => e.name);
    const idField = fields.find((f) => f.name === 'id');
    if (!idField) throw new SchemaError(`Interface \`${name}\` has no \`id\` field; add the id field its entities share`);
    interfaces.set(name, {
      kind: 'interface',
      name,
      description: i.description?.value,
      fields,
      fieldMap: new Map(fields.map((f) => [f.name, f])),
      idType: implementers.length > 0 ? entities.get(implementers[0])!.idType : 'String',
      implementers,
      node: i,
    });
  }

  // Interfaces: every implementer has the interface's fields with the same types and id type.
  for (const e of entities.values()) {
    for (const iname of e.interfaces) {
      const iface = interfaces.get(iname);
      if (!iface) throw new SchemaError(`Entity type \`${e.name}\` implements \`${iname}\`, which is not an interface`);
      if (iface.idType !== e.idType) {
        throw new SchemaError(
          `Entity types implementing \`${iname}\` must use the same id type; \`${e.name}\` differs from \`${iface.implementers[0]}\``,
        );
      }
      for (const f of iface.fields) {
        const mine = e.fieldMap.get(f.name);
        if (!mine) throw new SchemaError(`Entity type \`${e.name}\` implements \`${iname}\` but lacks its field \`${f.name}\``);
        if (printType(mine.typeNode) !== printType(f.typeNode)) {
          throw new SchemaError(
            `Field \`${e.name}.${f.name}\` has type ${printType(mine.typeNode)} but interface \`${iname}\` declares ${printType(f.typeNode)}`,
          );
        }
      }
    }
  }

  // Reference storage types follow the referenced id type.
  const idTypeOf = (typeName: string): IdType => (entities.get(typeName) ?? interfaces.get(typeName))!.idType;
  for (const t of [...entities.values(), ...interfaces.values()]) {
    for (const f of t.fields) {
      if (f.kind === 'entity' || f.kind === 'interface') f.storage = idTypeOf(f.typeName);
    }
  }

  // @derivedFrom: the target field exists, is stored, and references this type (or an interface of it).
  for (const t of [...entities.values(), ...interfaces.values()]) {
    for (const f of t.fields) {
      if (!f.derivedFrom) continue;
      const where = `Field \`${t.name}.${f.name}\``;
      const targets = f.kind === 'interface' ? interfaces.get(f.typeName)!.implementers.map((n) => entities.get(n)!) : [entities.get(f.typeName)!];
      for (const target of targets) {
        const back = target.fieldMap.get(f.derivedFrom);
        if (!back) {
          throw new SchemaError(`${where}: @derivedFrom(field: "${f.derivedFrom}") names no field of \`${target.name}\``);
        }
        if (back.derivedFrom) {
          throw new SchemaError(`${where}: @derivedFrom(field: "${f.derivedFrom}") names a field that is itself derived`);
        }
        const pointsHere =
          back.typeName === t.name ||
          (t.kind === 'entity' && t.interfaces.includes(back.typeName)) ||
          (t.kind === 'interface' && back.typeName === t.name);
        if (!pointsHere || (back.kind !== 'entity' && back.kind !== 'interface')) {
          throw new SchemaError(
            `${where}: @derivedFrom(field: "${f.derivedFrom}") must name a field of \`${target.name}\` that references \`${t.name}\`, but it has type ${printType(back.typeNode)}`,
          );
        }
      }
    }
  }

  // Let graphql-js check the remaining structure (e.g. interface implementations) once more.
  try {
    const prelude = parse(SUBGRAPH_PRELUDE);
    buildASTSchema({ kind: Kind.DOCUMENT, definitions: [...prelude.definitions, ...document.definitions] }, { assumeValidSDL: true });
  } catch (e) {
    if (e instanceof GraphQLError || e instanceof Error) {
      throw new SchemaError(`schema.graphql is not a valid GraphQL schema: ${e.message}`);
    }
    throw e;
  }

  const schema: InputSchema = {
    sdl,
    document,
    entities,
    interfaces,
    enums,
    concreteTypes(name) {
      const e = entities.get(name);
      if (e) return [e];
      const i = interfaces.get(name);
      return i ? i.implementers.map((n) => entities.get(n)!) : [];
    },
    objectOrInterface(name) {
      return entities.get(name) ?? interfaces.get(name);
    },
  };
  return schema;
}

export function printType(t: TypeNode): string {
  switch (t.kind) {
    case Kind.NON_NULL_TYPE:
      return `${printType(t.type)}!`;
    case Kind.LIST_TYPE:
      return `[${printType(t.type)}]`;
    default:
      return t.name.value;
  }
}
