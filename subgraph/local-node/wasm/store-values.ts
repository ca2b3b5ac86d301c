/**
 * graph-ts store `Value`s and `Entity` maps across the WASM boundary, as graph-node converts them
 * (runtime/wasm/src/to_from/external.rs): a Value is an enum `{ kind, payload }` whose payload is a
 * pointer (String, BigDecimal, Array, Bytes, BigInt), an i32 (Int), a bool, or an i64 (Int8,
 * Timestamp); an Entity is a TypedMap, i.e. `{ entries: Array<TypedMapEntry<string, Value>> }`.
 */
import { ValueKind, type EntityData, type Value } from '../store/types';
import { AscHeap, bigIntFromSignedLe } from './asc-heap';
import { formatBigDecimal, parseBigDecimal } from './big-decimal';
import { TypeId } from './type-ids';

export function readBigDecimal(heap: AscHeap, ptr: number): { digits: bigint; exp: number } {
  const digits = heap.bigInt(heap.u32(ptr));
  const exp = heap.bigInt(heap.u32(ptr + 4));
  return { digits, exp: Number(exp) };
}

export function writeBigDecimal(heap: AscHeap, value: { digits: bigint; exp: number }): number {
  const digits = heap.newBigInt(value.digits);
  const exp = heap.newBigInt(BigInt(value.exp));
  return heap.newStruct(TypeId.BigDecimal, [digits, exp]);
}

export function readStoreValue(heap: AscHeap, ptr: number): Value {
  const kind = heap.i32(ptr) as ValueKind;
  const payload = ptr + 8;
  switch (kind) {
    case ValueKind.String:
      return { kind, value: heap.string(heap.u32(payload)) };
    case ValueKind.Int:
      return { kind, value: heap.i32(payload) };
    case ValueKind.BigDecimal:
      return { kind, value: formatBigDecimal(readBigDecimal(heap, heap.u32(payload))) };
    case ValueKind.Bool:
      return { kind, value: heap.u8(payload) !== 0 };
    case ValueKind.Array:
      return { kind, value: heap.arrayU32(heap.u32(payload)).map((item) => readStoreValue(heap, item)) };
    case ValueKind.Null:
      return { kind };
    case ValueKind.Bytes:
      return { kind, value: heap.typedArrayBytes(heap.u32(payload)) };
    case ValueKind.BigInt:
      return { kind, value: bigIntFromSignedLe(heap.typedArrayBytes(heap.u32(payload))) };
    case ValueKind.Int8:
    case ValueKind.Timestamp:
      return { kind, value: heap.i64(payload) };
    default:
      throw new Error(`the mapping passed a store value of unknown kind ${String(kind)}`);
  }
}

export function writeStoreValue(heap: AscHeap, value: Value): number {
  switch (value.kind) {
    case ValueKind.String:
      return heap.newEnum(TypeId.StoreValue, value.kind, heap.newString(value.value));
    case ValueKind.Int:
      return heap.newEnum(TypeId.StoreValue, value.kind, value.value);
    case ValueKind.BigDecimal:
      return heap.newEnum(TypeId.StoreValue, value.kind, writeBigDecimal(heap, parseBigDecimal(value.value)));
    case ValueKind.Bool:
      return heap.newEnum(TypeId.StoreValue, value.kind, value.value ? 1 : 0);
    case ValueKind.Array: {
      const items = value.value.map((item) => writeStoreValue(heap, item));
      return heap.newEnum(TypeId.StoreValue, value.kind, heap.newArrayU32(TypeId.ArrayStoreValue, items));
    }
    case ValueKind.Null:
      return heap.newEnum(TypeId.StoreValue, value.kind, 0);
    case ValueKind.Bytes:
      return heap.newEnum(TypeId.StoreValue, value.kind, heap.newBytes(value.value));
    case ValueKind.BigInt:
      return heap.newEnum(TypeId.StoreValue, value.kind, heap.newBigInt(value.value));
    case ValueKind.Int8:
    case ValueKind.Timestamp:
      return heap.newEnum(TypeId.StoreValue, value.kind, value.value);
  }
}

export function readEntity(heap: AscHeap, ptr: number): EntityData {
  const data: EntityData = new Map();
  for (const entry of heap.arrayU32(heap.u32(ptr))) {
    data.set(heap.string(heap.u32(entry)), readStoreValue(heap, heap.u32(entry + 4)));
  }
  return data;
}

export function writeEntity(heap: AscHeap, data: EntityData): number {
  const entries: number[] = [];
  for (const [key, value] of data) {
    const keyPtr = heap.newString(key);
    const valuePtr = writeStoreValue(heap, value);
    entries.push(heap.newStruct(TypeId.TypedMapEntryStringStoreValue, [keyPtr, valuePtr]));
  }
  return heap.newStruct(TypeId.TypedMapStringStoreValue, [heap.newArrayU32(TypeId.ArrayTypedMapEntryStringStoreValue, entries)]);
}
