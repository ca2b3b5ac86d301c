/**
 * The local subgraph node's entity store: every entity version with its block range, in memory,
 * optionally journaled to `dataDir` so that a restart resumes where the node stopped.
 *
 * Writes of a block go through a `BlockWriter` and become visible together on `commit`, as
 * graph-node's `transact_block_operations` does. Queries read through `QueryEngine`.
 */
import { parseInputSchema, type EntityTypeDef, type InputSchema } from '../schema/input-schema';
import { EntityTable, OPEN, type Version } from './entity-table';
import { Journal, type JournalRecord } from './journal';
import { QueryEngine } from './query';
import {
  StoreError,
  type BlockPtr,
  type BlockWriter,
  type DynamicDataSource,
  type EntityData,
  type EntityStore,
  type IndexingError,
} from './types';
import {
  cellFromValue,
  cellKey,
  decodeCell,
  decodeValue,
  encodeCell,
  encodeValue,
  idFromString,
  idKey,
  rowToEntityData,
  type Cell,
  type Row,
} from './values';

export interface EntityStoreOptions {
  /** The subgraph's schema.graphql. */
  schemaSdl: string;
  /** Folder for the journal; without it the store lives in memory only. */
  dataDir?: string;
}

/** The entity store with the read side the query API uses. */
export interface QueryableEntityStore extends EntityStore {
  readonly schema: InputSchema;
  readonly engine: QueryEngine;
  table(entityType: string): EntityTable;
  /** The committed block with that hash (0x lower-case hex), if indexed. */
  blockByHash(hash: string): BlockPtr | null;
  /** Bumped on every commit and revert. */
  readonly generation: number;
}

export async function createEntityStore(options: EntityStoreOptions): Promise<QueryableEntityStore> {
  return new MemoryEntityStore(options);
}

interface PendingWrite {
  def: EntityTypeDef;
  key: string;
  /** The entity after this block's writes, or null when removed. */
  row: Row | null;
  /** Set (not only removed) in this block: what `get_in_block` returns. */
  setInBlock: boolean;
}

function encodeBlock(b: BlockPtr): unknown {
  return [b.number, b.hash, b.timestamp, b.parentHash];
}

function decodeBlock(j: unknown): BlockPtr {
  const [number, hash, timestamp, parentHash] = j as [number, string, number, string];
  return { number, hash, timestamp, parentHash };
}

function encodeDataSource(ds: DynamicDataSource): unknown {
  return [ds.template, ds.params, ds.context ? [...ds.context].map(([k, v]) => [k, encodeValue(v)]) : null, ds.createdAtBlock];
}

function decodeDataSource(j: unknown): DynamicDataSource {
  const [template, params, context, createdAtBlock] = j as [string, string[], Array<[string, unknown]> | null, number];
  return { template, params, context: context ? new Map(context.map(([k, v]) => [k, decodeValue(v)])) : null, createdAtBlock };
}

function encodeError(e: IndexingError | null): unknown {
  return e ? { ...e, block: encodeBlock(e.block) } : null;
}

function decodeError(j: unknown): IndexingError | null {
  if (!j) return null;
  const e = j as IndexingError & { block: unknown };
  return { ...e, block: decodeBlock(e.block) };
}

export class MemoryEntityStore implements QueryableEntityStore {
  readonly schema: InputSchema;
  readonly engine: QueryEngine;
  private readonly tables = new Map<string, EntityTable>();
  /** Committed block pointers by number, and numbers by hash. */
  private readonly blocks = new Map<number, BlockPtr>();
  private readonly blockNumbersByHash = new Map<string, number>();
  private latest: BlockPtr | null = null;
  private dynamicSources: DynamicDataSource[] = [];
  private error: IndexingError | null = null;
  private journal: Journal | null = null;
  private openWriter: Writer | null = null;
  generation = 0;

  constructor(options: EntityStoreOptions) {
    this.schema = parseInputSchema(options.schemaSdl);
    for (const def of this.schema.entities.values()) this.tables.set(def.name, new EntityTable(def));
    this.engine = new QueryEngine(this.schema, (name) => this.table(name));
    if (options.dataDir) this.journal = Journal.open(options.dataDir, options.schemaSdl, (r) => this.replay(r));
  }

  table(entityType: string): EntityTable {
    const t = this.tables.get(entityType);
    if (!t) throw new StoreError(`Entity type \`${entityType}\` is not defined in schema.graphql`);
    return t;
  }

  latestBlock(): BlockPtr | null {
    return this.latest;
  }

  blockAt(number: number): BlockPtr | null {
    return this.blocks.get(number) ?? null;
  }

  blockByHash(hash: string): BlockPtr | null {
    const n = this.blockNumbersByHash.get(hash.toLowerCase());
    return n === undefined ? null : this.blocks.get(n)!;
  }

  beginBlock(block: BlockPtr): BlockWriter {
    if (this.openWriter) {
      throw new StoreError(`block ${this.openWriter.block.number} is still being written; commit or discard it before beginning block ${block.number}`);
    }
    if (this.latest && block.number <= this.latest.number) {
      throw new StoreError(
        `block ${block.number} is not after the latest committed block ${this.latest.number}; call revertTo(${block.number - 1}) first to replace it`,
      );
    }
    this.openWriter = new Writer(this, block);
    return this.openWriter;
  }

  /** Called by a writer when it finishes. */
  writerDone(w: Writer): void {
    if (this.openWriter === w) this.openWriter = null;
  }

  /** Applies a block's writes; `record` is false while replaying the journal. */
  applyBlock(block: BlockPtr, writes: Iterable<PendingWrite>, dataSources: DynamicDataSource[], record: boolean): void {
    const list = [...writes];
    if (record && this.journal) {
      this.journal.append({
        t: 'block',
        block: encodeBlock(block),
        ops: list.map((w) => [w.def.name, w.key, w.row ? w.row.map(encodeCell) : null]),
        ds: dataSources.map(encodeDataSource),
      });
    }
    for (const w of list) {
      const table = this.tables.get(w.def.name)!;
      if (w.row === null && !table.current.has(w.key)) continue;
      table.write(w.key, w.row, block.number);
    }
    this.dynamicSources.push(...dataSources);
    this.blocks.set(block.number, block);
    this.blockNumbersByHash.set(block.hash.toLowerCase(), block.number);
    this.latest = block;
    this.generation++;
  }

  revertTo(blockNumber: number): void {
    if (this.openWriter) throw new StoreError(`block ${this.openWriter.block.number} is still being written; discard it before reverting`);
    this.journal?.append({ t: 'revert', to: blockNumber });
    this.doRevert(blockNumber);
  }

  private doRevert(blockNumber: number): void {
    for (const t of this.tables.values()) t.revertTo(blockNumber);
    for (const [n, b] of this.blocks) {
      if (n > blockNumber) {
        this.blocks.delete(n);
        this.blockNumbersByHash.delete(b.hash.toLowerCase());
      }
    }
    let latest: BlockPtr | null = null;
    for (const b of this.blocks.values()) if (!latest || b.number > latest.number) latest = b;
    this.latest = latest;
    this.dynamicSources = this.dynamicSources.filter((ds) => ds.createdAtBlock <= blockNumber);
    if (this.error && this.error.block.number > blockNumber) this.error = null;
    this.generation++;
  }

  dataSources(): DynamicDataSource[] {
    return [...this.dynamicSources];
  }

  setIndexingError(error: IndexingError | null): void {
    this.journal?.append({ t: 'error', error: encodeError(error) });
    this.error = error;
    this.generation++;
  }

  indexingError(): IndexingError | null {
    return this.error;
  }

  async close(): Promise<void> {
    this.journal?.close();
    this.journal = null;
  }

  private replay(record: JournalRecord): void {
    switch (record.t) {
      case 'block': {
        const writes: PendingWrite[] = record.ops.map((op) => {
          const [type, key, row] = op as [string, string, unknown[] | null];
          const def = this.table(type).def;
          return {
            def,
            key,
            row: row ? def.columns.map((f) => decodeCell(row[f.column] as never, f)) : null,
            setInBlock: row !== null,
          };
        });
        this.applyBlock(decodeBlock(record.block), writes, record.ds.map(decodeDataSource), false);
        break;
      }
      case 'revert':
        this.doRevert(record.to);
        break;
      case 'error':
        this.error = decodeError(record.error);
        break;
    }
  }
}

class Writer implements BlockWriter {
  private readonly pending = new Map<string, Map<string, PendingWrite>>();
  private readonly created: DynamicDataSource[] = [];
  private finished = false;

  constructor(
    private readonly store: MemoryEntityStore,
    readonly block: BlockPtr,
  ) {}

  private check(): void {
    if (this.finished) throw new StoreError(`block ${this.block.number} was already committed or discarded`);
  }

  private entityType(entityType: string): EntityTypeDef {
    const def = this.store.schema.entities.get(entityType);
    if (!def) {
      throw new StoreError(`Entity type \`${entityType}\` is not defined in schema.graphql (only entity types, not interfaces, can be stored)`);
    }
    return def;
  }

  private pendingOf(type: string): Map<string, PendingWrite> {
    let m = this.pending.get(type);
    if (!m) {
      m = new Map();
      this.pending.set(type, m);
    }
    return m;
  }

  /** The row of the entity as of this block (pending writes first), or null. */
  private currentRow(def: EntityTypeDef, key: string): Row | null {
    const p = this.pending.get(def.name)?.get(key);
    if (p) return p.row;
    return this.store.table(def.name).current.get(key)?.row ?? null;
  }

  get(entityType: string, id: string): EntityData | null {
    this.check();
    const def = this.entityType(entityType);
    const row = this.currentRow(def, idKey(idFromString(def, id)));
    return row ? rowToEntityData(def, row) : null;
  }

  getInBlock(entityType: string, id: string): EntityData | null {
    this.check();
    const def = this.entityType(entityType);
    const p = this.pending.get(def.name)?.get(idKey(idFromString(def, id)));
    return p && p.setInBlock && p.row ? rowToEntityData(def, p.row) : null;
  }

  set(entityType: string, id: string, data: EntityData): void {
    this.check();
    const def = this.entityType(entityType);
    const idCell = idFromString(def, id);
    const key = idKey(idCell);
    const pendingHere = this.pending.get(def.name)?.get(key);
    if (def.immutable && !pendingHere) {
      const since = this.store.table(def.name).currentSince(key);
      if (since !== null) {
        if (def.skipDuplicates) return;
        throw new StoreError(
          `entity ${def.name}[${key}] is immutable; inserting it at block ${this.block.number} is not possible as it was already inserted at block ${since}`,
        );
      }
    }
    const base = pendingHere ? pendingHere.row : def.immutable ? null : this.currentRow(def, key);
    const row: Row = base ? base.slice() : new Array<Cell>(def.columns.length).fill(null);
    for (const [name, value] of data) {
      const field = def.fieldMap.get(name);
      if (!field) throw new StoreError(`Unknown key \`${name}\`. It probably is not part of the schema`);
      if (field.column < 0) throw new StoreError(`Entity ${def.name}[${key}]: field \`${name}\` is derived and cannot be set`);
      const cell = cellFromValue(def.name, key, field, value);
      if (field.column === def.idColumn) {
        if (cell === null || cellKey(cell) !== cellKey(idCell)) {
          throw new StoreError(
            `Entity ${def.name}[${key}]: the value of its \`id\` field (${cell === null ? 'null' : idKey(cell)}) conflicts with the id passed to store.set (${key})`,
          );
        }
      }
      row[field.column] = cell;
    }
    row[def.idColumn] = idCell;
    for (const f of def.columns) {
      if (f.nonNull && row[f.column] === null) {
        throw new StoreError(`Entity ${def.name}[${key}]: missing value for non-nullable field \`${f.name}\``);
      }
    }
    this.pendingOf(def.name).set(key, { def, key, row, setInBlock: true });
  }

  remove(entityType: string, id: string): void {
    this.check();
    const def = this.entityType(entityType);
    const key = idKey(idFromString(def, id));
    if (def.immutable) {
      if (def.skipDuplicates) return;
      throw new StoreError(`immutable entity type ${def.name} only allows inserts, not removing ${def.name}[${key}]`);
    }
    this.pendingOf(def.name).set(key, { def, key, row: null, setInBlock: false });
  }

  loadRelated(entityType: string, id: string, field: string): EntityData[] {
    this.check();
    const def = this.entityType(entityType);
    const f = def.fieldMap.get(field);
    if (!f || !f.derivedFrom) {
      throw new StoreError(`loadRelated: \`${entityType}.${field}\` is not a @derivedFrom field of schema.graphql`);
    }
    const parentId = idFromString(def, id);
    const out: EntityData[] = [];
    for (const childDef of this.store.schema.concreteTypes(f.typeName)) {
      const back = childDef.fieldMap.get(f.derivedFrom)!;
      const refersHere = (row: Row): boolean => {
        const c = row[back.column];
        if (c === null) return false;
        if (Array.isArray(c)) return c.some((x) => x !== null && cellKey(x) === cellKey(parentId));
        return cellKey(c) === cellKey(parentId);
      };
      const pending = this.pending.get(childDef.name);
      const seen = new Set<string>();
      const table = this.store.table(childDef.name);
      const committed: Version[] = table.byValue(back.column).get(parentId).filter((v) => v.hi === OPEN);
      for (const v of committed) {
        seen.add(v.key);
        const p = pending?.get(v.key);
        const row = p ? p.row : v.row;
        if (row && refersHere(row)) out.push(rowToEntityData(childDef, row));
      }
      if (pending) {
        for (const p of pending.values()) {
          if (!seen.has(p.key) && p.row && refersHere(p.row)) out.push(rowToEntityData(childDef, p.row));
        }
      }
    }
    return out;
  }

  addDataSource(ds: DynamicDataSource): void {
    this.check();
    this.created.push({ ...ds, createdAtBlock: this.block.number });
  }

  commit(): void {
    this.check();
    this.finished = true;
    const writes = [...this.pending.values()].flatMap((m) => [...m.values()]);
    try {
      this.store.applyBlock(this.block, writes, this.created, true);
    } finally {
      this.store.writerDone(this);
    }
  }

  discard(): void {
    if (this.finished) return;
    this.finished = true;
    this.pending.clear();
    this.store.writerDone(this);
  }
}
