/**
 * Entity values inside the store, and their conversion from and to graph-ts `Value`s.
 *
 * Rows keep one compact JavaScript value per stored field so that filters and sorting compare them
 * directly: strings for String/ID/enums, lower-case `0x` hex strings for Bytes (hex order equals byte
 * order), `bigint` for BigInt/Int8/Timestamp, numbers for Int, booleans, `BigDec` for BigDecimal,
 * arrays for lists and `null` for absent values. References hold the referenced entity's id.
 */
import type { EntityTypeDef, FieldDef, IdType, StorageType } from '../schema/input-schema';
import { printType } from '../schema/input-schema';
import { StoreError, ValueKind, type EntityData, type Value } from './types';

/** A BigDecimal: `digits × 10^-scale`, plus the text graph-node would print. */
export class BigDec {
  constructor(
    readonly digits: bigint,
    readonly scale: number,
    readonly text: string,
  ) {}

  static parse(text: string): BigDec | null {
    const m = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text.trim());
    if (!m || (m[2] === '' && (m[3] === undefined || m[3] === ''))) return null;
    const frac = m[3] ?? '';
    let digits = BigInt(`${m[1] === '-' ? '-' : ''}${m[2] || '0'}${frac}`);
    let scale = frac.length - (m[4] ? Number(m[4]) : 0);
    if (scale < 0) {
      digits *= 10n ** BigInt(-scale);
      scale = 0;
    }
    while (scale > 0 && digits % 10n === 0n) {
      digits /= 10n;
      scale--;
    }
    return new BigDec(digits, scale, formatDecimal(digits, scale));
  }

  compare(other: BigDec): number {
    let a = this.digits;
    let b = other.digits;
    if (this.scale < other.scale) a *= 10n ** BigInt(other.scale - this.scale);
    else if (other.scale < this.scale) b *= 10n ** BigInt(this.scale - other.scale);
    return a < b ? -1 : a > b ? 1 : 0;
  }

  toString(): string {
    return this.text;
  }
}

function formatDecimal(digits: bigint, scale: number): string {
  if (digits === 0n) return '0';
  const negative = digits < 0n;
  let s = (negative ? -digits : digits).toString();
  if (scale > 0) {
    if (s.length <= scale) s = '0'.repeat(scale - s.length + 1) + s;
    s = `${s.slice(0, s.length - scale)}.${s.slice(s.length - scale)}`;
  }
  return negative ? `-${s}` : s;
}

export type Scalar = string | number | bigint | boolean | BigDec;
export type Cell = Scalar | Cell[] | null;
export type Row = Cell[];

const HEX = /^0x([0-9a-fA-F]*)$/;

export function bytesToHex(bytes: Uint8Array): string {
  return `0x${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex')}`;
}

export function hexToBytes(hex: string): Uint8Array {
  return new Uint8Array(Buffer.from(hex.slice(2), 'hex'));
}

/** Normalises an entity id given as a string (as `store.set` receives it) to its stored form. */
export function idFromString(def: EntityTypeDef | { name: string; idType: IdType }, id: string): string | bigint {
  switch (def.idType) {
    case 'String':
      return id;
    case 'Bytes': {
      const m = HEX.exec(id);
      if (!m || m[1].length % 2 !== 0) {
        throw new StoreError(`Entity ${def.name}[${id}]: the id must be 0x-prefixed hex with an even number of digits, as ${def.name} has Bytes ids`);
      }
      return id.toLowerCase();
    }
    case 'Int8':
      if (!/^-?\d+$/.test(id)) throw new StoreError(`Entity ${def.name}[${id}]: the id must be a decimal integer, as ${def.name} has Int8 ids`);
      return BigInt(id);
  }
}

/** The string key of a stored id (map key and error messages). */
export function idKey(id: Cell): string {
  return typeof id === 'string' ? id : String(id);
}

/** A key that is equal for equal values of one storage type (hash indexes). */
export function cellKey(v: Cell): string {
  if (v === null) return '\u0000null';
  if (typeof v === 'string') return v;
  if (v instanceof BigDec) return v.text;
  if (Array.isArray(v)) return JSON.stringify(v.map(cellKey));
  return String(v);
}

export function compareScalars(a: Scalar, b: Scalar): number {
  if (a instanceof BigDec) return a.compare(b as BigDec);
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Postgres order for one column: arrays compare element-wise; nulls sort after every value. */
export function compareCells(a: Cell, b: Cell): number {
  if (a === null) return b === null ? 0 : 1;
  if (b === null) return -1;
  if (Array.isArray(a)) {
    const bl = b as Cell[];
    const n = Math.min(a.length, bl.length);
    for (let i = 0; i < n; i++) {
      const c = compareCells(a[i], bl[i]);
      if (c !== 0) return c;
    }
    return a.length - bl.length;
  }
  return compareScalars(a, b as Scalar);
}

export function cellsEqual(a: Cell, b: Cell): boolean {
  if (a === null || b === null) return a === b;
  if (Array.isArray(a)) return Array.isArray(b) && compareCells(a, b) === 0;
  if (a instanceof BigDec) return b instanceof BigDec && a.compare(b) === 0;
  return a === b;
}

const KIND_NAMES: Record<ValueKind, string> = {
  [ValueKind.String]: 'String',
  [ValueKind.Int]: 'Int',
  [ValueKind.BigDecimal]: 'BigDecimal',
  [ValueKind.Bool]: 'Boolean',
  [ValueKind.Array]: 'List',
  [ValueKind.Null]: 'Null',
  [ValueKind.Bytes]: 'Bytes',
  [ValueKind.BigInt]: 'BigInt',
  [ValueKind.Int8]: 'Int8',
  [ValueKind.Timestamp]: 'Timestamp',
};

export function displayValue(v: Value): string {
  switch (v.kind) {
    case ValueKind.Null:
      return 'null';
    case ValueKind.Array:
      return `[${v.value.map(displayValue).join(', ')}]`;
    case ValueKind.Bytes:
      return bytesToHex(v.value);
    default:
      return String(v.value);
  }
}

function scalarFromValue(v: Value, storage: StorageType): Scalar | undefined {
  switch (storage) {
    case 'String':
      return v.kind === ValueKind.String ? v.value : undefined;
    case 'Bytes':
      return v.kind === ValueKind.Bytes ? bytesToHex(v.value) : undefined;
    case 'BigInt':
      return v.kind === ValueKind.BigInt ? v.value : undefined;
    case 'Int8':
      return v.kind === ValueKind.Int8 ? v.value : undefined;
    case 'Timestamp':
      return v.kind === ValueKind.Timestamp ? v.value : undefined;
    case 'Int':
      return v.kind === ValueKind.Int ? v.value : undefined;
    case 'Boolean':
      return v.kind === ValueKind.Bool ? v.value : undefined;
    case 'BigDecimal':
      if (v.kind !== ValueKind.BigDecimal) return undefined;
      return BigDec.parse(v.value) ?? undefined;
  }
}

/**
 * Converts a mapping's value for `field` to a cell, checking it as graph-node's `is_assignable`
 * does: the exact kind the field's type needs (references need the referenced id's kind), lists
 * for list fields, null anywhere (non-null fields are checked once the entity is merged).
 */
export function cellFromValue(entity: string, id: string, field: FieldDef, v: Value): Cell {
  if (v.kind === ValueKind.Null) return null;
  const wrong = (): StoreError =>
    new StoreError(
      `Entity ${entity}[${id}]: the value \`${displayValue(v)}\` for field \`${field.name}\` must have type ${printType(field.typeNode)} but has type ${
        v.kind === ValueKind.Array ? `[${v.value.length > 0 ? KIND_NAMES[v.value[0].kind] : 'Null'}]` : KIND_NAMES[v.kind]
      }`,
    );
  if (field.list) {
    if (v.kind !== ValueKind.Array) throw wrong();
    const out: Cell[] = [];
    for (const item of v.value) {
      if (item.kind === ValueKind.Null) {
        if (field.itemNonNull) throw wrong();
        out.push(null);
        continue;
      }
      const s = scalarFromValue(item, field.storage);
      if (s === undefined) throw wrong();
      out.push(s);
    }
    return out;
  }
  const s = scalarFromValue(v, field.storage);
  if (s === undefined) throw wrong();
  return s;
}

function scalarToValue(s: Scalar, storage: StorageType): Value {
  switch (storage) {
    case 'String':
      return { kind: ValueKind.String, value: s as string };
    case 'Bytes':
      return { kind: ValueKind.Bytes, value: hexToBytes(s as string) };
    case 'BigInt':
      return { kind: ValueKind.BigInt, value: s as bigint };
    case 'Int8':
      return { kind: ValueKind.Int8, value: s as bigint };
    case 'Timestamp':
      return { kind: ValueKind.Timestamp, value: s as bigint };
    case 'Int':
      return { kind: ValueKind.Int, value: s as number };
    case 'Boolean':
      return { kind: ValueKind.Bool, value: s as boolean };
    case 'BigDecimal':
      return { kind: ValueKind.BigDecimal, value: (s as BigDec).text };
  }
}

export function cellToValue(c: Cell, field: FieldDef): Value {
  if (c === null) return { kind: ValueKind.Null };
  if (Array.isArray(c)) {
    return { kind: ValueKind.Array, value: c.map((x) => (x === null ? { kind: ValueKind.Null } : scalarToValue(x as Scalar, field.storage))) };
  }
  return scalarToValue(c, field.storage);
}

/** A row as graph-ts entity data: every stored field that is not null (graph-node drops nulls). */
export function rowToEntityData(def: EntityTypeDef, row: Row): EntityData {
  const data: EntityData = new Map();
  for (const f of def.columns) {
    const c = row[f.column];
    if (c !== null) data.set(f.name, cellToValue(c, f));
  }
  return data;
}

// --- JSON encoding for the journal -------------------------------------------------------------

type Json = string | number | boolean | null | Json[];

function encodeScalar(s: Scalar): Json {
  if (typeof s === 'bigint') return s.toString();
  if (s instanceof BigDec) return s.text;
  return s;
}

export function encodeCell(c: Cell): Json {
  if (c === null) return null;
  if (Array.isArray(c)) return c.map(encodeCell);
  return encodeScalar(c);
}

function decodeScalar(j: Json, storage: StorageType): Scalar {
  switch (storage) {
    case 'BigInt':
    case 'Int8':
    case 'Timestamp':
      return BigInt(j as string);
    case 'BigDecimal':
      return BigDec.parse(j as string)!;
    default:
      return j as Scalar;
  }
}

export function decodeCell(j: Json, field: FieldDef): Cell {
  if (j === null) return null;
  if (field.list) return (j as Json[]).map((x) => (x === null ? null : decodeScalar(x, field.storage)));
  return decodeScalar(j, field.storage);
}

/** Schema-free encoding of graph-ts values (data source contexts). */
export function encodeValue(v: Value): unknown {
  switch (v.kind) {
    case ValueKind.Null:
      return [v.kind];
    case ValueKind.Array:
      return [v.kind, v.value.map(encodeValue)];
    case ValueKind.Bytes:
      return [v.kind, bytesToHex(v.value)];
    case ValueKind.BigInt:
    case ValueKind.Int8:
    case ValueKind.Timestamp:
      return [v.kind, v.value.toString()];
    default:
      return [v.kind, v.value];
  }
}

export function decodeValue(j: unknown): Value {
  const [kind, value] = j as [ValueKind, unknown];
  switch (kind) {
    case ValueKind.Null:
      return { kind };
    case ValueKind.Array:
      return { kind, value: (value as unknown[]).map(decodeValue) };
    case ValueKind.Bytes:
      return { kind, value: hexToBytes(value as string) };
    case ValueKind.BigInt:
    case ValueKind.Int8:
    case ValueKind.Timestamp:
      return { kind, value: BigInt(value as string) };
    case ValueKind.String:
    case ValueKind.BigDecimal:
      return { kind, value: value as string };
    case ValueKind.Int:
      return { kind, value: value as number };
    case ValueKind.Bool:
      return { kind, value: value as boolean };
  }
}
