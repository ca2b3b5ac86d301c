/**
 * The contract between the local subgraph node's indexing runtime (which runs the mappings) and its
 * entity store (which keeps versions and answers queries). Both sides import only from here.
 *
 * Values mirror graph-ts's `Value` (StoreValueKind numbering in graph-ts `common/value.ts`).
 */

export enum ValueKind {
  String = 0,
  Int = 1,
  BigDecimal = 2,
  Bool = 3,
  Array = 4,
  Null = 5,
  Bytes = 6,
  BigInt = 7,
  Int8 = 8,
  Timestamp = 9,
}

export type Value =
  | { kind: ValueKind.String; value: string }
  | { kind: ValueKind.Int; value: number }
  /** Decimal as a normalised string (e.g. "1.5", "-0.001", "100"); graph-node's BigDecimal. */
  | { kind: ValueKind.BigDecimal; value: string }
  | { kind: ValueKind.Bool; value: boolean }
  | { kind: ValueKind.Array; value: Value[] }
  | { kind: ValueKind.Null }
  | { kind: ValueKind.Bytes; value: Uint8Array }
  | { kind: ValueKind.BigInt; value: bigint }
  | { kind: ValueKind.Int8; value: bigint }
  /** Microseconds since the Unix epoch, as graph-node's Timestamp. */
  | { kind: ValueKind.Timestamp; value: bigint };

/** An entity's fields by name. `id` is one of them. */
export type EntityData = Map<string, Value>;

/** A block the store has indexed or is indexing. */
export interface BlockPtr {
  number: number;
  /** 0x-prefixed lower-case hex. */
  hash: string;
  /** Seconds since the Unix epoch. */
  timestamp: number;
  parentHash: string;
}

/** Writes of one block; nothing is visible to queries until `commit`. */
export interface BlockWriter {
  readonly block: BlockPtr;
  /** The entity as of this block, including this block's uncommitted writes. */
  get(entityType: string, id: string): EntityData | null;
  /** Only entities written (set) in this block so far, as graph-node's `store.get_in_block`. */
  getInBlock(entityType: string, id: string): EntityData | null;
  /**
   * Sets an entity: fields merge into the existing version (graph-node semantics). Values are checked
   * against the schema; an immutable entity that already exists cannot change. Throws `StoreError`.
   */
  set(entityType: string, id: string, data: EntityData): void;
  remove(entityType: string, id: string): void;
  /** Entities of the `@derivedFrom` field `field` of entity `entityType`/`id`. */
  loadRelated(entityType: string, id: string, field: string): EntityData[];
  /** Records a data source created by this block's handlers (committed and reverted with the block). */
  addDataSource(ds: DynamicDataSource): void;
  /** Makes the block's changes visible atomically and records the block as indexed. */
  commit(): void;
  /** Throws the block's changes away. */
  discard(): void;
}

export class StoreError extends Error {
  override name = 'StoreError';
}

/** A data source created from a template by a mapping (`dataSource.create`/`createWithContext`). */
export interface DynamicDataSource {
  template: string;
  /** For Ethereum templates, params[0] is the address. */
  params: string[];
  context: EntityData | null;
  /** The block whose handler created it; the new data source indexes from the next event on. */
  createdAtBlock: number;
}

/** What went wrong when a mapping aborted; stops indexing as graph-node does. */
export interface IndexingError {
  message: string;
  block: BlockPtr;
  handler?: string;
  /** Source file and line when the mapping reported them (abort(message, file, line, column)). */
  location?: string;
}

/**
 * The versioned entity store of one subgraph deployment. It keeps every entity version with the
 * block range in which it was current, so queries can be answered as of any indexed block.
 */
export interface EntityStore {
  /** The last block committed, or null before the first. */
  latestBlock(): BlockPtr | null;
  /** The committed block with that number, if indexed (used to detect reorgs). */
  blockAt(number: number): BlockPtr | null;
  beginBlock(block: BlockPtr): BlockWriter;
  /** Drops every change, block pointer and dynamic data source above `blockNumber` (reorgs). */
  revertTo(blockNumber: number): void;
  /** Dynamic data sources created so far, in creation order. */
  dataSources(): DynamicDataSource[];
  /** A fatal indexing error, reported by `_meta { hasIndexingErrors }` and query errors; null clears. */
  setIndexingError(error: IndexingError | null): void;
  indexingError(): IndexingError | null;
  /** Flushes and closes any files. */
  close(): Promise<void>;
}
