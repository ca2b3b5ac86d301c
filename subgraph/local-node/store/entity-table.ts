/**
 * All versions of one entity type, with the indexes queries use.
 *
 * Like graph-node's `block_range`, each version is current in the half-open block range [lo, hi);
 * `hi` is `OPEN` while the version is current. Updating or removing an entity at block b closes the
 * current version at b. Indexes are built lazily on first use and kept up to date afterwards, so a
 * node that only indexes pays nothing for them.
 */
import type { EntityTypeDef } from '../schema/input-schema';
import { cellKey, compareCells, type Cell, type Row } from './values';

export const OPEN = Number.MAX_SAFE_INTEGER;

export interface Version {
  readonly table: EntityTable;
  readonly id: Cell;
  /** `idKey(id)`. */
  readonly key: string;
  readonly row: Row;
  readonly lo: number;
  hi: number;
}

export function visibleAt(v: Version, block: number): boolean {
  return v.lo <= block && block < v.hi;
}

/** Merges two arrays sorted by `compare`. */
function merge(a: Version[], b: Version[], compare: (x: Version, y: Version) => number): Version[] {
  if (a.length === 0) return b;
  if (b.length === 0) return a;
  const out: Version[] = new Array(a.length + b.length);
  let i = 0;
  let j = 0;
  let k = 0;
  while (i < a.length && j < b.length) out[k++] = compare(a[i], b[j]) <= 0 ? a[i++] : b[j++];
  while (i < a.length) out[k++] = a[i++];
  while (j < b.length) out[k++] = b[j++];
  return out;
}

/**
 * Versions sorted by one column (nulls last), ties broken by id, as graph-node's `order by c, id`.
 *
 * New versions collect in a small sorted tail that walks merge on the fly; the tail is folded into
 * the main array only when it grows past a fraction of it, so indexing while serving queries costs
 * amortised O(1) per written version instead of O(n) per query.
 */
export class SortedIndex {
  private main: Version[] = [];
  private tail: Version[] = [];
  private unsorted: Version[];

  constructor(
    private readonly column: number,
    private readonly isId: boolean,
    versions: Iterable<Version>,
  ) {
    this.unsorted = [...versions];
  }

  readonly compare = (a: Version, b: Version): number => {
    if (!this.isId) {
      const c = compareCells(a.row[this.column], b.row[this.column]);
      if (c !== 0) return c;
    }
    const c = compareCells(a.id, b.id);
    return c !== 0 ? c : a.lo - b.lo;
  };

  add(v: Version): void {
    this.unsorted.push(v);
  }

  get size(): number {
    return this.main.length + this.tail.length + this.unsorted.length;
  }

  private settle(): void {
    if (this.unsorted.length > 0) {
      this.tail = merge(this.tail, this.unsorted.sort(this.compare), this.compare);
      this.unsorted = [];
    }
    if (this.tail.length > Math.max(256, this.main.length >> 4)) {
      this.main = merge(this.main, this.tail, this.compare);
      this.tail = [];
    }
  }

  /** The first `limit` versions that match, in ascending order (descending with `desc`). */
  walk(desc: boolean, matches: (v: Version) => boolean, limit: number): Version[] {
    this.settle();
    const out: Version[] = [];
    const a = this.main;
    const b = this.tail;
    if (b.length === 0) {
      if (desc) {
        for (let i = a.length - 1; i >= 0 && out.length < limit; i--) if (matches(a[i])) out.push(a[i]);
      } else {
        for (let i = 0; i < a.length && out.length < limit; i++) if (matches(a[i])) out.push(a[i]);
      }
      return out;
    }
    const compare = this.compare;
    if (desc) {
      let i = a.length - 1;
      let j = b.length - 1;
      while ((i >= 0 || j >= 0) && out.length < limit) {
        const v = j < 0 || (i >= 0 && compare(a[i], b[j]) > 0) ? a[i--] : b[j--];
        if (matches(v)) out.push(v);
      }
    } else {
      let i = 0;
      let j = 0;
      while ((i < a.length || j < b.length) && out.length < limit) {
        const v = j >= b.length || (i < a.length && compare(a[i], b[j]) <= 0) ? a[i++] : b[j++];
        if (matches(v)) out.push(v);
      }
    }
    return out;
  }
}

/** Calls `visit` once per key a value is indexed under: the value itself, or each distinct element of a list. */
function forEachKey(value: Cell, list: boolean, visit: (key: string) => void): void {
  if (value === null) return;
  if (!list) {
    visit(cellKey(value));
    return;
  }
  const seen = new Set<string>();
  for (const item of value as Cell[]) {
    const k = cellKey(item);
    if (seen.has(k)) continue;
    seen.add(k);
    visit(k);
  }
}

/** Versions grouped by the value of one column; list columns are indexed by each element. */
export class ValueIndex {
  readonly buckets = new Map<string, Version[]>();

  constructor(
    private readonly column: number,
    private readonly list: boolean,
    versions: Iterable<Version>,
  ) {
    for (const v of versions) this.add(v);
  }

  add(v: Version): void {
    forEachKey(v.row[this.column], this.list, (k) => this.push(k, v));
  }

  private push(k: string, v: Version): void {
    const bucket = this.buckets.get(k);
    if (bucket) bucket.push(v);
    else this.buckets.set(k, [v]);
  }

  get(value: Cell): Version[] {
    return this.buckets.get(cellKey(value)) ?? EMPTY;
  }
}

const EMPTY: Version[] = [];

/** Composite indexes per table; each holds every version once more. */
const MAX_GROUPED_INDEXES = 32;

/** A `ValueIndex` whose groups are sorted indexes: equality filter plus order, or children by parent. */
export class GroupedIndex {
  private readonly groups = new Map<string, SortedIndex>();

  constructor(
    private readonly column: number,
    private readonly list: boolean,
    private readonly orderColumn: number,
    private readonly orderIsId: boolean,
    versions: Iterable<Version>,
  ) {
    for (const v of versions) this.add(v);
  }

  add(v: Version): void {
    forEachKey(v.row[this.column], this.list, (k) => this.group(k).add(v));
  }

  private group(key: string): SortedIndex {
    let g = this.groups.get(key);
    if (!g) {
      g = new SortedIndex(this.orderColumn, this.orderIsId, EMPTY);
      this.groups.set(key, g);
    }
    return g;
  }

  /** The group's sorted index, if any version has that value. */
  get(key: string): SortedIndex | undefined {
    return this.groups.get(key);
  }
}

export class EntityTable {
  /** Every version, in the order they were written. */
  private all: Version[] = [];
  /** Versions of each id, oldest first. */
  private readonly history = new Map<string, Version[]>();
  /** The current version of each live entity. */
  readonly current = new Map<string, Version>();
  private sortedIndexes = new Map<number, SortedIndex>();
  private valueIndexes = new Map<number, ValueIndex>();
  /** Composite indexes: versions grouped by one column's value, each group sorted by another. */
  private groupedIndexes = new Map<number, GroupedIndex>();

  constructor(readonly def: EntityTypeDef) {}

  get versionCount(): number {
    return this.all.length;
  }

  allVersions(): readonly Version[] {
    return this.all;
  }

  /** The version of `key` visible at `block`, or null. */
  at(key: string, block: number, latest: boolean): Version | null {
    if (latest) return this.current.get(key) ?? null;
    const versions = this.history.get(key);
    if (!versions) return null;
    for (let i = versions.length - 1; i >= 0; i--) {
      const v = versions[i];
      if (v.lo <= block) return block < v.hi ? v : null;
    }
    return null;
  }

  /** The block at which the current version of `key` was written, if the entity exists. */
  currentSince(key: string): number | null {
    return this.current.get(key)?.lo ?? null;
  }

  /** Writes `row` (or removes the entity when null) as of `block`. */
  write(key: string, row: Row | null, block: number): void {
    const prev = this.current.get(key);
    if (prev) {
      prev.hi = block;
      this.current.delete(key);
    }
    if (row === null) return;
    const v: Version = { table: this, id: row[this.def.idColumn], key, row, lo: block, hi: OPEN };
    this.all.push(v);
    const h = this.history.get(key);
    if (h) h.push(v);
    else this.history.set(key, [v]);
    this.current.set(key, v);
    for (const idx of this.sortedIndexes.values()) idx.add(v);
    for (const idx of this.valueIndexes.values()) idx.add(v);
    for (const idx of this.groupedIndexes.values()) idx.add(v);
  }

  /** Drops versions written after `block` and reopens versions closed after it. */
  revertTo(block: number): void {
    this.all = this.all.filter((v) => v.lo <= block);
    this.history.clear();
    this.current.clear();
    for (const v of this.all) {
      if (v.hi > block) v.hi = OPEN;
      const h = this.history.get(v.key);
      if (h) h.push(v);
      else this.history.set(v.key, [v]);
      if (v.hi === OPEN) this.current.set(v.key, v);
    }
    this.sortedIndexes = new Map();
    this.valueIndexes = new Map();
    this.groupedIndexes = new Map();
  }

  /** Versions sorted by `column` (-1: by id). */
  sorted(column: number): SortedIndex {
    let idx = this.sortedIndexes.get(column);
    if (!idx) {
      idx = new SortedIndex(column, column === this.def.idColumn || column < 0, this.all);
      this.sortedIndexes.set(column, idx);
    }
    return idx;
  }

  /**
   * Versions grouped by the value of `column` (each element for list columns), each group sorted
   * by `orderColumn`; null when the table already holds its maximum of such indexes.
   */
  grouped(column: number, orderColumn: number): GroupedIndex | null {
    const k = column * 65536 + orderColumn;
    let idx = this.groupedIndexes.get(k);
    if (!idx) {
      if (this.groupedIndexes.size >= MAX_GROUPED_INDEXES) return null;
      idx = new GroupedIndex(column, this.def.columns[column].list, orderColumn, orderColumn === this.def.idColumn, this.all);
      this.groupedIndexes.set(k, idx);
    }
    return idx;
  }

  byValue(column: number): ValueIndex {
    let idx = this.valueIndexes.get(column);
    if (!idx) {
      const list = this.def.columns[column].list;
      idx = new ValueIndex(column, list, this.all);
      this.valueIndexes.set(column, idx);
    }
    return idx;
  }

  historyOf(key: string): readonly Version[] {
    return this.history.get(key) ?? EMPTY;
  }
}

