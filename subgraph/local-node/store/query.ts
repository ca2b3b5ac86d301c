/**
 * Entity queries against the versioned store: graph-node's `EntityQuery` (filter, order, range) at
 * one block, with the same semantics as its SQL (`store/postgres/src/relational_queries.rs`):
 * SQL null logic (a comparison with a null column is false), `LIKE` patterns for `_contains` and
 * `_starts_with`, `@>` / `&&` for lists, `order by <column> <dir>, id <dir>` with nulls last
 * ascending and first descending, and `id` ascending when no order is given.
 */
import type { EntityTypeDef, FieldDef, InputSchema } from '../schema/input-schema';
import { OPEN, visibleAt, type EntityTable, type Version } from './entity-table';
import { BigDec, cellKey, cellsEqual, compareCells, type Cell, type Scalar } from './values';

/** The suffixes graph-node gives filter arguments (`name_not_in`, …), in its order; `eq` is the bare name. */
export const FILTER_SUFFIXES = [
  'not',
  'gt',
  'lt',
  'gte',
  'lte',
  'in',
  'not_in',
  'contains',
  'contains_nocase',
  'not_contains',
  'not_contains_nocase',
  'starts_with',
  'starts_with_nocase',
  'not_starts_with',
  'not_starts_with_nocase',
  'ends_with',
  'ends_with_nocase',
  'not_ends_with',
  'not_ends_with_nocase',
] as const;

export type FilterOp = 'eq' | (typeof FILTER_SUFFIXES)[number];

/** Filter values are GraphQL input values after coercion (strings for BigInt, Bytes, …). */
export type EntityFilter =
  | { kind: 'and'; filters: EntityFilter[] }
  | { kind: 'or'; filters: EntityFilter[] }
  | { kind: 'op'; field: string; op: FilterOp; value: unknown }
  | { kind: 'changeBlockGte'; block: number }
  | { kind: 'child'; field: string; filter: EntityFilter };

export type EntityOrder =
  | { kind: 'default' }
  | { kind: 'field'; field: string; desc: boolean }
  | { kind: 'child'; field: string; childField: string; desc: boolean };

/** Restricts a query to the children of one parent entity (relation fields). */
export type ParentLink =
  | { kind: 'ids'; ids: readonly Cell[] }
  | { kind: 'derived'; backField: string; parentId: Cell };

export interface EntityQuery {
  /** An entity type or an interface. */
  typeName: string;
  block: number;
  /** True when `block` is the latest indexed block (uses the current-version maps). */
  latest: boolean;
  filter: EntityFilter | null;
  order: EntityOrder;
  first: number;
  skip: number;
  parent?: ParentLink;
}

/** A query the store cannot answer; the message follows graph-node's wording. */
export class QueryExecutionError extends Error {
  override name = 'QueryExecutionError';
}

type Predicate = (v: Version) => boolean;

const TRUE: Predicate = () => true;

/** Postgres `LIKE` / `ILIKE` as a regular expression (`%`, `_`, backslash escapes). */
export function likeToRegExp(pattern: string, caseInsensitive: boolean): RegExp {
  let re = '^';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\' && i + 1 < pattern.length) re += escapeRe(pattern[++i]);
    else if (c === '%') re += '[\\s\\S]*';
    else if (c === '_') re += '[\\s\\S]';
    else re += escapeRe(c);
  }
  return new RegExp(`${re}$`, caseInsensitive ? 'iu' : 'u');
}

function escapeRe(c: string): string {
  return /[\\^$.*+?()[\]{}|/-]/.test(c) ? `\\${c}` : c;
}

function describe(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/** Converts a GraphQL input value to a cell of `field`'s storage type. */
export function inputToScalar(value: unknown, field: Pick<FieldDef, 'storage' | 'name'>): Scalar {
  const fail = (): never => {
    throw new QueryExecutionError(`Failed to decode \`${field.name}\` value: \`${describe(value)}\` is not a valid ${field.storage}`);
  };
  switch (field.storage) {
    case 'String':
      if (typeof value !== 'string') fail();
      return value as string;
    case 'Bytes': {
      if (typeof value !== 'string' || !/^0x([0-9a-fA-F]{2})*$/.test(value)) fail();
      return (value as string).toLowerCase();
    }
    case 'Int':
      if (typeof value !== 'number' || !Number.isInteger(value)) fail();
      return value as number;
    case 'Boolean':
      if (typeof value !== 'boolean') fail();
      return value as boolean;
    case 'BigDecimal': {
      const d = typeof value === 'string' || typeof value === 'number' ? BigDec.parse(String(value)) : null;
      if (!d) fail();
      return d!;
    }
    case 'BigInt':
    case 'Int8':
    case 'Timestamp':
      if ((typeof value === 'string' && /^-?\d+$/.test(value)) || (typeof value === 'number' && Number.isInteger(value))) {
        return BigInt(value as string | number);
      }
      return fail();
  }
}

function inputToCell(value: unknown, field: FieldDef): Cell {
  if (value === null || value === undefined) return null;
  if (field.list) {
    if (!Array.isArray(value)) throw new QueryExecutionError(`Non-list value passed to \`${field.name}\` filter`);
    return value.map((x) => (x === null ? null : inputToScalar(x, field)));
  }
  return inputToScalar(value, field);
}

/** Resolves entities by id across the concrete types of an entity or interface type. */
export function findById(tables: readonly EntityTable[], key: string, block: number, latest: boolean): Version | null {
  for (const t of tables) {
    const v = t.at(key, block, latest);
    if (v) return v;
  }
  return null;
}

export class QueryEngine {
  constructor(
    private readonly schema: InputSchema,
    private readonly table: (name: string) => EntityTable,
  ) {}

  private readonly tableCache = new Map<string, EntityTable[]>();

  /** The tables of an entity type, or of every entity type implementing an interface. */
  tablesOf(typeName: string): EntityTable[] {
    let tables = this.tableCache.get(typeName);
    if (!tables) {
      tables = this.schema.concreteTypes(typeName).map((d) => this.table(d.name));
      this.tableCache.set(typeName, tables);
    }
    return tables;
  }

  /** Runs `q` and returns the matching versions in order, after `skip`, at most `first`. */
  run(q: EntityQuery): Version[] {
    this.checkOrder(q.typeName, q.order);
    const tables = this.tablesOf(q.typeName);
    const limit = q.skip + q.first;
    if (tables.length === 1) return this.select(tables[0], q, limit).slice(q.skip, limit);
    const parts = tables.map((t) => this.select(t, q, limit));
    const all = parts.flat();
    all.sort(this.comparator(null, q));
    return all.slice(q.skip, limit);
  }

  private select(table: EntityTable, q: EntityQuery, limit: number): Version[] {
    const def = table.def;
    const visible: Predicate = q.latest ? (v) => v.hi === OPEN : (v) => visibleAt(v, q.block);
    const filter = q.filter ? this.compile(def, q.filter, q.block, q.latest, false) : TRUE;
    const matches: Predicate = filter === TRUE ? visible : (v) => visible(v) && filter(v);

    const column = this.sortColumn(def, q.order);
    const desc = q.order.kind === 'field' && q.order.desc;

    if (q.parent) {
      if (q.parent.kind === 'derived' && column !== null) {
        // Children of one parent, already sorted: walk them until `limit` match.
        const back = def.fieldMap.get(q.parent.backField);
        const grouped = back && back.column >= 0 ? table.grouped(back.column, column) : null;
        if (grouped) return grouped.get(cellKey(q.parent.parentId))?.walk(desc, matches, limit) ?? [];
      }
      const candidates = this.parentCandidates(table, q.parent, q.block, q.latest);
      return this.sortTop(candidates.filter(matches), table, q, limit);
    }

    const driving = q.filter ? this.drivingCandidates(table, q.filter) : null;
    if (column === null) {
      // Ordering by a child's field: no index; sort the matching versions.
      const base = driving ? driving.buckets.flat() : q.latest ? [...table.current.values()] : table.allVersions();
      return this.sortTop(base.filter(matches), table, q, limit);
    }
    let sorted = table.sorted(column);
    // Walking a sorted index stops after `limit` matches; an equality bucket must be filtered and
    // sorted whole. Take the bucket when it is small against the expected walk; otherwise walk the
    // bucket's own index sorted by the order column (a composite index, as Postgres would use).
    if (driving) {
      const size = driving.buckets.reduce((n, b) => n + b.length, 0);
      if (size * size * 2 < limit * Math.max(sorted.size, 1)) {
        const found: Version[] = [];
        for (const bucket of driving.buckets) for (const v of bucket) if (matches(v)) found.push(v);
        return this.sortTop(found, table, q, limit);
      }
      if (driving.keys.length === 1 && driving.column >= 0) {
        const grouped = table.grouped(driving.column, column);
        if (grouped) {
          const group = grouped.get(driving.keys[0]);
          if (!group) return [];
          sorted = group;
        }
      }
    }
    return sorted.walk(desc, matches, limit);
  }

  /** The first `limit` versions in query order. */
  private sortTop(versions: Version[], table: EntityTable, q: EntityQuery, limit: number): Version[] {
    const compare = this.comparator(table, q);
    if (limit * 4 >= versions.length) {
      versions.sort(compare);
      return versions.length > limit ? versions.slice(0, limit) : versions;
    }
    // Few wanted out of many: keep a sorted top list instead of sorting everything.
    const top: Version[] = [];
    for (const v of versions) {
      if (top.length === limit && compare(v, top[limit - 1]) >= 0) continue;
      let lo = 0;
      let hi = top.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (compare(top[mid], v) <= 0) lo = mid + 1;
        else hi = mid;
      }
      top.splice(lo, 0, v);
      if (top.length > limit) top.pop();
    }
    return top;
  }

  /** The column an index can sort by, or null for child ordering. */
  private sortColumn(def: EntityTypeDef, order: EntityOrder): number | null {
    if (order.kind === 'default') return def.idColumn;
    if (order.kind === 'child') return null;
    return this.orderField(def, order.field).column;
  }

  /**
   * The field `orderBy` names. graph-node orders only by scalar fields: lists, references and
   * enums are refused (`get_field_value_type` knows the built-in scalars only).
   */
  private orderField(def: { name: string; fieldMap: Map<string, FieldDef> }, name: string): FieldDef {
    const f = def.fieldMap.get(name);
    if (!f) throw new QueryExecutionError(`Entity \`${def.name}\` has no attribute \`${name}\``);
    if (f.list || f.derivedFrom || f.kind !== 'scalar') {
      throw new QueryExecutionError(`Ordering by \`${name}\` is not supported for type \`${def.name}\``);
    }
    return f;
  }

  /** Refuses an order graph-node refuses, before anything is read (as graph-node builds its query). */
  private checkOrder(typeName: string, order: EntityOrder): void {
    const t = this.schema.objectOrInterface(typeName)!;
    if (order.kind === 'field') {
      this.orderField(t, order.field);
    } else if (order.kind === 'child') {
      const parent = t.fieldMap.get(order.field);
      if (!parent) throw new QueryExecutionError(`Entity \`${t.name}\` has no attribute \`${order.field}\``);
      const child = this.schema.objectOrInterface(parent.typeName);
      if (!child || parent.list) throw new QueryExecutionError(`Ordering by \`${order.field}__${order.childField}\` is not supported for type \`${t.name}\``);
      this.orderField(child, order.childField);
    }
  }

  private comparator(table: EntityTable | null, q: EntityQuery): (a: Version, b: Version) => number {
    const order = q.order;
    const byId = (a: Version, b: Version): number => compareCells(a.id, b.id);
    if (order.kind === 'default') return byId;
    const sign = order.desc ? -1 : 1;
    if (order.kind === 'field') {
      if (table) {
        const f = this.orderField(table.def, order.field);
        const col = f.column;
        if (f.storage !== 'BigDecimal') {
          // Primitive cells (string, number, bigint, boolean) compare with `<` directly.
          return (a, b) => {
            const x = a.row[col] as string;
            const y = b.row[col] as string;
            if (x === y) return a.id === b.id ? 0 : (a.id as string) < (b.id as string) ? -sign : sign;
            if (x === null) return sign;
            if (y === null) return -sign;
            return x < y ? -sign : sign;
          };
        }
        return (a, b) => sign * (compareCells(a.row[col], b.row[col]) || compareCells(a.id, b.id));
      }
      const columns = new Map<EntityTable, number>();
      const columnOf = (v: Version): number => {
        let c = columns.get(v.table);
        if (c === undefined) {
          c = this.orderField(v.table.def, order.field).column;
          columns.set(v.table, c);
        }
        return c;
      };
      return (a, b) => sign * (compareCells(a.row[columnOf(a)], b.row[columnOf(b)]) || compareCells(a.id, b.id));
    }
    // graph-node: `order by <child>.<childField> <dir>, <parent>.id <dir>` over a left join.
    const keyCache = new Map<Version, Cell>();
    const key = (v: Version): Cell => {
      let k = keyCache.get(v);
      if (k === undefined) {
        k = this.childSortKey(v, order.field, order.childField, q.block, q.latest);
        keyCache.set(v, k);
      }
      return k;
    };
    return (a, b) => sign * (compareCells(key(a), key(b)) || byId(a, b));
  }

  /** The referenced entity's `childField` for `orderBy: field__childField` (null without one). */
  private childSortKey(v: Version, field: string, childField: string, block: number, latest: boolean): Cell {
    const def = v.table.def;
    const f = def.fieldMap.get(field);
    if (!f || f.list) throw new QueryExecutionError(`Ordering by \`${field}__${childField}\` is not supported for type \`${def.name}\``);
    const childTables = this.tablesOf(f.typeName);
    let child: Version | null = null;
    if (f.derivedFrom) {
      for (const t of childTables) {
        const back = t.def.fieldMap.get(f.derivedFrom)!;
        for (const c of t.byValue(back.column).get(v.id)) {
          if (latest ? c.hi === OPEN : visibleAt(c, block)) {
            child = c;
            break;
          }
        }
        if (child) break;
      }
    } else {
      const ref = v.row[f.column];
      if (ref !== null) child = findById(childTables, String(ref), block, latest);
    }
    if (!child) return null;
    return child.row[this.orderField(child.table.def, childField).column];
  }

  private parentCandidates(table: EntityTable, link: ParentLink, block: number, latest: boolean): Version[] {
    if (link.kind === 'ids') {
      const out: Version[] = [];
      const seen = new Set<string>();
      for (const id of link.ids) {
        if (id === null) continue;
        const key = String(id);
        if (seen.has(key)) continue;
        seen.add(key);
        const v = table.at(key, block, latest);
        if (v) out.push(v);
      }
      return out;
    }
    const back = table.def.fieldMap.get(link.backField);
    if (!back || back.column < 0) return [];
    return table.byValue(back.column).get(link.parentId).slice();
  }

  /**
   * The smallest set of versions an `and` of equality conditions allows (from a value index), or
   * null when the filter has no such condition.
   */
  private drivingCandidates(table: EntityTable, filter: EntityFilter): { buckets: Version[][]; column: number; keys: string[] } | null {
    const conditions = filter.kind === 'and' ? filter.filters : [filter];
    let best: { buckets: Version[][]; column: number; keys: string[] } | null = null;
    let bestSize = Infinity;
    for (const c of conditions) {
      if (c.kind !== 'op' || (c.op !== 'eq' && c.op !== 'in') || c.value === null) continue;
      const f = table.def.fieldMap.get(c.field);
      if (!f || f.list || f.column < 0) continue;
      const values = c.op === 'eq' ? [c.value] : (c.value as unknown[]);
      if (c.op === 'in' && values.some((x) => x === null)) continue;
      // Distinct values only, so that no version is found twice.
      const keys = new Set(values.filter((x) => x !== null).map((x) => cellKey(inputToScalar(x, f))));
      let candidates: Version[][];
      const isId = f.column === table.def.idColumn;
      if (isId) {
        candidates = [...keys].map((k) => table.historyOf(k) as Version[]);
      } else {
        const index = table.byValue(f.column);
        candidates = [...keys].map((k) => index.buckets.get(k) ?? []);
      }
      const size = candidates.reduce((n, b) => n + b.length, 0);
      if (size < bestSize) {
        // Id buckets are tiny; -1 keeps them from being used for composite indexes.
        best = { buckets: candidates, column: isId ? -1 : f.column, keys: isId ? [] : [...keys] };
        bestSize = size;
      }
    }
    return best;
  }

  /** Compiles a filter for one entity type. `nested` forbids a second level of child filters. */
  compile(def: EntityTypeDef, filter: EntityFilter, block: number, latest: boolean, nested: boolean): Predicate {
    switch (filter.kind) {
      case 'and': {
        // Cheap column tests first; child filters (which look other entities up) last.
        const ordered = [...filter.filters].sort((a, b) => Number(a.kind === 'child') - Number(b.kind === 'child'));
        const parts = ordered.map((f) => this.compile(def, f, block, latest, nested));
        if (parts.length === 0) return TRUE;
        if (parts.length === 1) return parts[0];
        return (v) => {
          for (const p of parts) if (!p(v)) return false;
          return true;
        };
      }
      case 'or': {
        const parts = filter.filters.map((f) => this.compile(def, f, block, latest, nested));
        if (parts.length === 0) return () => false;
        return (v) => {
          for (const p of parts) if (p(v)) return true;
          return false;
        };
      }
      case 'changeBlockGte': {
        const n = filter.block;
        return (v) => v.lo >= n;
      }
      case 'child':
        if (nested) {
          throw new QueryExecutionError(
            `Child filter nesting not supported by value \`${filter.field}\`: \`${describe(filter.filter)}\``,
          );
        }
        return this.compileChild(def, filter.field, filter.filter, block, latest);
      case 'op':
        return this.compileOp(def, filter.field, filter.op, filter.value);
    }
  }

  private compileChild(def: EntityTypeDef, fieldName: string, filter: EntityFilter, block: number, latest: boolean): Predicate {
    const f = def.fieldMap.get(fieldName);
    if (!f || (f.kind !== 'entity' && f.kind !== 'interface')) throw new QueryExecutionError('Filter must by an object');
    const childTables = this.tablesOf(f.typeName);
    const childPreds = new Map<EntityTable, Predicate>(childTables.map((t) => [t, this.compile(t.def, filter, block, latest, true)]));
    const visible: Predicate = latest ? (c) => c.hi === OPEN : (c) => visibleAt(c, block);
    if (f.derivedFrom) {
      const backs = childTables.map((t) => {
        const back = t.def.fieldMap.get(f.derivedFrom!)!;
        return { t, index: () => t.byValue(back.column), pred: childPreds.get(t)! };
      });
      return (v) => {
        for (const b of backs) {
          for (const c of b.index().get(v.id)) if (visible(c) && b.pred(c)) return true;
        }
        return false;
      };
    }
    const col = f.column;
    const matchId = (id: Cell): boolean => {
      if (id === null) return false;
      const c = findById(childTables, String(id), block, latest);
      return c !== null && childPreds.get(c.table)!(c);
    };
    if (f.list) {
      return (v) => {
        const ids = v.row[col] as Cell[] | null;
        if (!ids) return false;
        for (const id of ids) if (matchId(id)) return true;
        return false;
      };
    }
    return (v) => matchId(v.row[col]);
  }

  private compileOp(def: EntityTypeDef, fieldName: string, op: FilterOp, raw: unknown): Predicate {
    const f = def.fieldMap.get(fieldName);
    if (!f) throw new QueryExecutionError(`Entity \`${def.name}\` has no attribute \`${fieldName}\``);
    if (f.column < 0) throw new QueryExecutionError(`Filter not supported by value \`${describe(raw)}\`: \`${fieldName}\` is derived`);
    const col = f.column;
    const unsupported = (): never => {
      throw new QueryExecutionError(`Filter not supported by value \`${describe(raw)}\`: \`${op}\``);
    };

    if (op === 'in' || op === 'not_in') {
      if (!Array.isArray(raw)) throw new QueryExecutionError(`Non-list value passed to \`_${op}\` filter`);
      if (raw.length === 0) return () => false;
      const hasNull = raw.some((x) => x === null);
      const values = raw.filter((x) => x !== null).map((x) => (f.list ? inputToCell(x, f) : inputToScalar(x, f)));
      const keys = new Set(values.map((x) => (x instanceof BigDec ? x.text : typeof x === 'object' ? JSON.stringify(x) : x)));
      const has = (c: Cell): boolean =>
        c instanceof BigDec ? keys.has(c.text) : Array.isArray(c) ? values.some((x) => cellsEqual(c, x as Cell)) : keys.has(c as string);
      if (op === 'in') return (v) => (v.row[col] === null ? hasNull : has(v.row[col]));
      return (v) => v.row[col] !== null && !hasNull && !has(v.row[col]);
    }

    if (op === 'eq' || op === 'not' || op === 'gt' || op === 'lt' || op === 'gte' || op === 'lte') {
      const value = inputToCell(raw, f);
      if (value === null) {
        if (op === 'eq') return (v) => v.row[col] === null;
        if (op === 'not') return (v) => v.row[col] !== null;
        return unsupported();
      }
      const primitive = !f.list && f.storage !== 'BigDecimal';
      switch (op) {
        case 'eq':
          if (primitive) return (v) => v.row[col] === value;
          return (v) => v.row[col] !== null && cellsEqual(v.row[col], value);
        case 'not':
          if (primitive) return (v) => v.row[col] !== null && v.row[col] !== value;
          return (v) => v.row[col] !== null && !cellsEqual(v.row[col], value);
        case 'gt':
          return (v) => v.row[col] !== null && compareCells(v.row[col], value) > 0;
        case 'lt':
          return (v) => v.row[col] !== null && compareCells(v.row[col], value) < 0;
        case 'gte':
          return (v) => v.row[col] !== null && compareCells(v.row[col], value) >= 0;
        case 'lte':
          return (v) => v.row[col] !== null && compareCells(v.row[col], value) <= 0;
      }
    }

    const negated = op.startsWith('not_');
    const nocase = op.endsWith('_nocase');
    const keep = (matched: boolean): boolean => (negated ? !matched : matched);

    if (op.includes('contains')) {
      if (raw === null || raw === undefined) return unsupported();
      if (f.list) {
        const wanted = inputToCell(raw, f) as Cell[];
        if (nocase) {
          if (f.storage !== 'String') return unsupported();
          const patterns = wanted.map((w) => likeToRegExp(String(w), true));
          return (v) => {
            const items = v.row[col] as Cell[] | null;
            if (items === null) return false;
            return keep(items.some((item) => item !== null && patterns.some((p) => p.test(item as string))));
          };
        }
        if (!negated) {
          return (v) => {
            const items = v.row[col] as Cell[] | null;
            return items !== null && wanted.every((w) => items.some((item) => cellsEqual(item, w)));
          };
        }
        return (v) => {
          const items = v.row[col] as Cell[] | null;
          return items !== null && !wanted.some((w) => items.some((item) => cellsEqual(item, w)));
        };
      }
      if (f.storage === 'Bytes') {
        if (nocase) return unsupported();
        const needle = inputToScalar(raw, f) as string;
        const hex = needle.slice(2);
        const containsBytes = (hay: string): boolean => {
          if (hex.length === 0) return true;
          for (let i = hay.indexOf(hex, 2); i >= 0; i = hay.indexOf(hex, i + 1)) if (i % 2 === 0) return true;
          return false;
        };
        return (v) => v.row[col] !== null && keep(containsBytes(v.row[col] as string));
      }
      if (f.storage !== 'String') return unsupported();
      if (typeof raw !== 'string') return unsupported();
      const pattern = raw.startsWith('%') || raw.endsWith('%') ? raw : `%${raw}%`;
      const re = likeToRegExp(pattern, nocase);
      return (v) => v.row[col] !== null && keep(re.test(v.row[col] as string));
    }

    // starts_with / ends_with (and their not_ / _nocase forms) on strings.
    if (f.storage !== 'String' || f.list || typeof raw !== 'string') return unsupported();
    const pattern = op.includes('starts_with') ? `${raw}%` : `%${raw}`;
    const re = likeToRegExp(pattern, nocase);
    return (v) => v.row[col] !== null && keep(re.test(v.row[col] as string));
  }
}

