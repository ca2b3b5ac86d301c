/**
 * What the indexer needs from the schema: the `id` type of each entity type (graph-node fills in the
 * `id` attribute from the id passed to `store.set` when the mapping did not set it, and refuses a
 * conflicting one) and the `@derivedFrom` fields (to answer `store.loadRelated` over a handler's
 * not yet applied writes).
 */
import { getBytes } from 'ethers';
import { Kind, parse, type NamedTypeNode, type TypeNode } from 'graphql';
import { ValueKind, type EntityData, type Value } from '../store/types';

export type IdKind = ValueKind.String | ValueKind.Bytes | ValueKind.Int8;

function namedType(type: TypeNode): NamedTypeNode {
  return type.kind === Kind.NAMED_TYPE ? type : namedType(type.type);
}

export interface DerivedField {
  /** Entity types whose `field` points back (the concrete types of an interface). */
  types: string[];
  field: string;
}

export class EntityIds {
  private readonly kinds = new Map<string, IdKind>();
  private readonly derived = new Map<string, DerivedField>();

  constructor(schemaSdl: string) {
    const document = parse(schemaSdl);
    const implementations = new Map<string, string[]>();
    for (const definition of document.definitions) {
      if (definition.kind !== Kind.OBJECT_TYPE_DEFINITION) continue;
      for (const iface of definition.interfaces ?? []) {
        const list = implementations.get(iface.name.value) ?? [];
        list.push(definition.name.value);
        implementations.set(iface.name.value, list);
      }
    }
    for (const definition of document.definitions) {
      if (definition.kind !== Kind.OBJECT_TYPE_DEFINITION) continue;
      for (const field of definition.fields ?? []) {
        const directive = field.directives?.find((d) => d.name.value === 'derivedFrom');
        const arg = directive?.arguments?.find((a) => a.name.value === 'field');
        if (!arg || arg.value.kind !== Kind.STRING) continue;
        const target = namedType(field.type).name.value;
        this.derived.set(`${definition.name.value}.${field.name.value}`, {
          types: implementations.get(target) ?? [target],
          field: arg.value.value,
        });
      }
    }
    for (const definition of document.definitions) {
      if (definition.kind !== Kind.OBJECT_TYPE_DEFINITION) continue;
      if (!definition.directives?.some((d) => d.name.value === 'entity')) continue;
      const idField = definition.fields?.find((f) => f.name.value === 'id');
      const typeName = idField ? namedType(idField.type).name.value : 'ID';
      const kind = typeName === 'Bytes' ? ValueKind.Bytes : typeName === 'Int8' ? ValueKind.Int8 : ValueKind.String;
      this.kinds.set(definition.name.value, kind);
    }
  }

  has(entityType: string): boolean {
    return this.kinds.has(entityType);
  }

  derivedField(entityType: string, field: string): DerivedField | undefined {
    return this.derived.get(`${entityType}.${field}`);
  }

  idValue(entityType: string, id: string): Value {
    switch (this.kinds.get(entityType)) {
      case ValueKind.Bytes:
        return { kind: ValueKind.Bytes, value: getBytes(id) };
      case ValueKind.Int8:
        return { kind: ValueKind.Int8, value: BigInt(id) };
      default:
        return { kind: ValueKind.String, value: id };
    }
  }

  /**
   * Adds `id` to `data` if missing; throws if the data's `id` differs from the id `store.set` got.
   */
  withId(entityType: string, id: string, data: EntityData): EntityData {
    if (!this.kinds.has(entityType)) {
      throw new Error(`entity type ${entityType} is not in the schema`);
    }
    const given = data.get('id');
    if (given === undefined || given.kind === ValueKind.Null) {
      data.set('id', this.idValue(entityType, id));
      return data;
    }
    const text =
      given.kind === ValueKind.Bytes
        ? `0x${Buffer.from(given.value.buffer, given.value.byteOffset, given.value.byteLength).toString('hex')}`
        : String(given.value);
    const expected = given.kind === ValueKind.Bytes ? id.toLowerCase() : id;
    if (text !== expected) {
      throw new Error(`Value of ${entityType} attribute 'id' conflicts with ID passed to \`store.set()\`: ${text} != ${id}`);
    }
    return data;
  }
}
