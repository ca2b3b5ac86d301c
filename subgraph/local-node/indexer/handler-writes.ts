/**
 * The writes of one handler run, held back until the handler returns. A handler may have to be run
 * again from the start (see `ChainCallNeeded`), so its `store.set/remove` and `dataSource.create`
 * calls only reach the block's writer once it has finished; its own reads see them meanwhile, with
 * graph-node's semantics (set merges into the current entity, get_in_block sees entities set in
 * this block, loadRelated includes entities saved earlier in the handler).
 */
import { hexlify } from 'ethers';
import { ValueKind, type BlockWriter, type DynamicDataSource, type EntityData, type Value } from '../store/types';
import type { EntityIds } from './entity-ids';

type Op =
  | { op: 'set'; entityType: string; id: string; data: EntityData }
  | { op: 'remove'; entityType: string; id: string }
  | { op: 'dataSource'; record: DynamicDataSource };

const keyOf = (entityType: string, id: string): string => `${entityType}\u0000${id}`;

function refText(value: Value): string | null {
  if (value.kind === ValueKind.Bytes) return hexlify(value.value);
  if (value.kind === ValueKind.String) return value.value;
  if (value.kind === ValueKind.Int8) return value.value.toString();
  return null;
}

export class HandlerWrites {
  private readonly ops: Op[] = [];
  /** Entity state after this handler's writes: the entity, or null when removed. */
  private readonly state = new Map<string, { entityType: string; id: string; data: EntityData | null; set: boolean }>();

  constructor(
    private readonly writer: BlockWriter,
    private readonly schema: EntityIds,
  ) {}

  get(entityType: string, id: string): EntityData | null {
    const local = this.state.get(keyOf(entityType, id));
    if (local) return local.data ? new Map(local.data) : null;
    return this.writer.get(entityType, id);
  }

  getInBlock(entityType: string, id: string): EntityData | null {
    const local = this.state.get(keyOf(entityType, id));
    if (local) return local.data && local.set ? new Map(local.data) : local.data ? this.writer.getInBlock(entityType, id) : null;
    return this.writer.getInBlock(entityType, id);
  }

  set(entityType: string, id: string, data: EntityData): void {
    const current = this.get(entityType, id);
    const merged: EntityData = current ?? new Map();
    for (const [field, value] of data) merged.set(field, value);
    this.state.set(keyOf(entityType, id), { entityType, id, data: merged, set: true });
    this.ops.push({ op: 'set', entityType, id, data });
  }

  remove(entityType: string, id: string): void {
    this.state.set(keyOf(entityType, id), { entityType, id, data: null, set: false });
    this.ops.push({ op: 'remove', entityType, id });
  }

  loadRelated(entityType: string, id: string, field: string): EntityData[] {
    const committed = this.writer.loadRelated(entityType, id, field);
    if (this.state.size === 0) return committed;
    const derived = this.schema.derivedField(entityType, field);
    if (!derived) return committed;
    const parent = id.toLowerCase();
    const pointsHere = (data: EntityData): boolean => {
      const value = data.get(derived.field);
      if (!value) return false;
      const values = value.kind === ValueKind.Array ? value.value : [value];
      return values.some((v) => refText(v)?.toLowerCase() === parent);
    };
    const out: EntityData[] = [];
    const touched = new Set<string>();
    for (const entry of this.state.values()) if (derived.types.includes(entry.entityType)) touched.add(entry.id.toLowerCase());
    for (const entity of committed) {
      const entityId = entity.get('id');
      if (entityId && touched.has(refText(entityId)?.toLowerCase() ?? '')) continue;
      out.push(entity);
    }
    for (const entry of this.state.values()) {
      if (derived.types.includes(entry.entityType) && entry.data && pointsHere(entry.data)) out.push(new Map(entry.data));
    }
    return out;
  }

  addDataSource(record: DynamicDataSource): void {
    this.ops.push({ op: 'dataSource', record });
  }

  /** Hands the writes to the block's writer, in the order the handler made them. */
  apply(): void {
    for (const op of this.ops) {
      if (op.op === 'set') this.writer.set(op.entityType, op.id, op.data);
      else if (op.op === 'remove') this.writer.remove(op.entityType, op.id);
      else this.writer.addDataSource(op.record);
    }
  }
}
