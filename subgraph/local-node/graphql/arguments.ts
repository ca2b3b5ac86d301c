/**
 * Collection arguments (`where`, `orderBy`, `orderDirection`, `first`, `skip`) turned into a store
 * query, following graph-node's graphql/src/store/query.rs: the same checks, in the same order,
 * with the same error messages.
 */
import type { FieldDef, InputSchema } from '../schema/input-schema';
import { FILTER_SUFFIXES, QueryExecutionError, type EntityFilter, type EntityOrder, type FilterOp } from '../store/query';

export const MAX_FIRST = 1000;
/** graph-node's GRAPH_GRAPHQL_MAX_SKIP defaults to u32::MAX. */
export const MAX_SKIP = 4294967295;

type FilterKey = { kind: 'op'; field: string; op: FilterOp } | { kind: 'child'; field: string };

/** The meaning of every key of every `<T>_filter` input, derived from the input schema. */
export class FilterKeys {
  private readonly byType = new Map<string, Map<string, FilterKey>>();

  constructor(private readonly schema: InputSchema) {
    for (const t of [...schema.entities.values(), ...schema.interfaces.values()]) {
      const keys = new Map<string, FilterKey>();
      for (const f of t.fields) {
        if (f.kind === 'entity' || f.kind === 'interface') keys.set(`${f.name}_`, { kind: 'child', field: f.name });
        if (f.derivedFrom) continue;
        keys.set(f.name, { kind: 'op', field: f.name, op: 'eq' });
        for (const op of FILTER_SUFFIXES) keys.set(`${f.name}_${op}`, { kind: 'op', field: f.name, op });
      }
      this.byType.set(t.name, keys);
    }
  }

  get(typeName: string, key: string): FilterKey | undefined {
    return this.byType.get(typeName)?.get(key);
  }

  field(typeName: string, name: string): FieldDef | undefined {
    return this.schema.objectOrInterface(typeName)?.fieldMap.get(name);
  }
}

function invalidFilter(): QueryExecutionError {
  return new QueryExecutionError('Filter must by an object');
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `where` → a store filter (graph-node's `build_filter_from_object`). */
export function buildFilter(keys: FilterKeys, typeName: string, where: unknown): EntityFilter | null {
  if (where === null || where === undefined) return null;
  if (!isObject(where)) throw invalidFilter();
  return { kind: 'and', filters: filtersFromObject(keys, typeName, where) };
}

function filtersFromObject(keys: FilterKeys, typeName: string, object: Record<string, unknown>): EntityFilter[] {
  if ('or' in object) {
    const columnFilters = Object.keys(object)
      .filter((k) => k !== 'or' && k !== 'and' && k !== '_change_block')
      .map((k) => `'${k}'`);
    if (columnFilters.length > 0) {
      const list = columnFilters.join(', ');
      throw new QueryExecutionError(
        `Cannot mix column filters with 'or' operator at the same level. Found column filter(s) ${list} alongside 'or' operator.\n\n` +
          `Instead of:\nwhere: { ${list}, or: [...] }\n\nUse:\nwhere: { or: [{ ${list}, ... }, { ${list}, ... }] }`,
      );
    }
  }
  return Object.entries(object).map(([key, value]): EntityFilter => {
    if (key === '_change_block') {
      if (!isObject(value) || typeof value.number_gte !== 'number') throw invalidFilter();
      return { kind: 'changeBlockGte', block: value.number_gte };
    }
    if (key === 'and') return { kind: 'and', filters: listFiltersFromObject(keys, typeName, object) };
    if (key === 'or') return { kind: 'or', filters: listFiltersFromObject(keys, typeName, object) };
    const meaning = keys.get(typeName, key);
    if (!meaning) throw new QueryExecutionError(`Entity \`${typeName}\` has no attribute \`${key}\``);
    if (meaning.kind === 'child') {
      if (!isObject(value)) {
        const f = keys.field(typeName, meaning.field)!;
        throw new QueryExecutionError(`Query contains value with invalid type \`${f.typeName}\`: \`${JSON.stringify(value)}\``);
      }
      const childType = keys.field(typeName, meaning.field)!.typeName;
      return { kind: 'child', field: meaning.field, filter: { kind: 'and', filters: filtersFromObject(keys, childType, value) } };
    }
    return { kind: 'op', field: meaning.field, op: meaning.op, value };
  });
}

/** graph-node reads every entry of the object as a list of filters when it meets `and` / `or`. */
function listFiltersFromObject(keys: FilterKeys, typeName: string, object: Record<string, unknown>): EntityFilter[] {
  const out: EntityFilter[] = [];
  for (const value of Object.values(object)) {
    if (!Array.isArray(value)) throw invalidFilter();
    for (const item of value) {
      if (!isObject(item)) throw invalidFilter();
      out.push({ kind: 'and', filters: filtersFromObject(keys, typeName, item) });
    }
  }
  return out;
}

export function buildOrder(orderBy: unknown, orderDirection: unknown): EntityOrder {
  const desc = orderDirection === 'desc';
  if (typeof orderBy !== 'string') return { kind: 'default' };
  const parts = orderBy.split('__');
  if (parts.length >= 2) return { kind: 'child', field: parts[0], childField: parts[1], desc };
  if (parts[0] === 'id') return { kind: 'field', field: 'id', desc };
  return { kind: 'field', field: parts[0], desc };
}

export function buildRange(first: unknown, skip: unknown): { first: number; skip: number } {
  let f = 100;
  if (typeof first === 'number') {
    if (first > 0 && first <= MAX_FIRST) f = first;
    else throw new QueryExecutionError(`The \`first\` argument must be between 0 and ${MAX_FIRST}, but is ${first}`);
  }
  let s = 0;
  if (typeof skip === 'number') {
    if (skip >= 0 && skip <= MAX_SKIP) s = skip;
    else throw new QueryExecutionError(`The \`skip\` argument must be between 0 and ${MAX_SKIP}, but is ${skip}`);
  }
  return { first: f, skip: s };
}
