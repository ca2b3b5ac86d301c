/**
 * Reads and writes AssemblyScript 0.19 objects in a mapping instance's linear memory, with the
 * layouts graph-node's `runtime/wasm` uses (apiVersion >= 0.0.5):
 *
 * - every managed object has a 20-byte header before its pointer; the runtime id (rtId) is at
 *   ptr-8 and the payload size in bytes (rtSize) at ptr-4;
 * - String: UTF-16LE code units, length = rtSize / 2;
 * - ArrayBuffer: rtSize raw bytes;
 * - TypedArray (Uint8Array, and graph-ts's Bytes/BigInt/Address built on it):
 *   { buffer: u32, dataStart: u32, byteLength: i32 };
 * - Array<T>: { buffer: u32, dataStart: u32, byteLength: i32, length: i32 };
 * - classes: their fields in declaration order (pointers are u32), enums as
 *   { kind: i32, padding: u32, payload: u64 }.
 *
 * Objects are allocated through the module's exported `__new(size, rtId)` (graph-cli builds with
 * `--exportRuntime --runtime stub`), the rtId found through the exported `id_of_type(TypeId)`.
 * Memory may grow (and its ArrayBuffer be replaced) on every allocation, so views are refreshed.
 */
import { TypeId } from './type-ids';

export class AscHeap {
  private buffer!: ArrayBuffer;
  private bytes!: Buffer;
  private view!: DataView;

  constructor(
    private readonly memory: WebAssembly.Memory,
    private readonly newObject: (size: number, rtId: number) => number,
    private readonly rtIds: ReadonlyMap<TypeId, number>,
  ) {
    this.refresh();
  }

  /**
   * Re-reads the memory's buffer, which WASM replaces when memory grows. Called on entry to every
   * host function (the mapping may have grown memory since) and after every allocation.
   */
  refresh(): void {
    if (this.buffer !== this.memory.buffer) {
      this.buffer = this.memory.buffer;
      this.bytes = Buffer.from(this.buffer);
      this.view = new DataView(this.buffer);
    }
  }

  // ---- reading -------------------------------------------------------------------------------

  u32(ptr: number): number {
    return this.view.getUint32(ptr, true);
  }

  i32(ptr: number): number {
    return this.view.getInt32(ptr, true);
  }

  i64(ptr: number): bigint {
    return this.view.getBigInt64(ptr, true);
  }

  f64(ptr: number): number {
    return this.view.getFloat64(ptr, true);
  }

  u8(ptr: number): number {
    return this.bytes[ptr];
  }

  /** Payload size of a managed object (rtSize). */
  sizeOf(ptr: number): number {
    return this.u32(ptr - 4);
  }

  rtIdOf(ptr: number): number {
    return this.u32(ptr - 8);
  }

  string(ptr: number): string {
    this.checkPointer(ptr, 'string');
    const size = this.sizeOf(ptr);
    return this.bytes.toString('utf16le', ptr, ptr + size);
  }

  /** Copies the bytes of a Uint8Array-based object (Bytes, ByteArray, Address, BigInt). */
  typedArrayBytes(ptr: number): Uint8Array {
    this.checkPointer(ptr, 'byte array');
    const dataStart = this.view.getUint32(ptr + 4, true);
    const byteLength = this.view.getInt32(ptr + 8, true);
    return Uint8Array.prototype.slice.call(this.bytes, dataStart, dataStart + byteLength);
  }

  /** The u32 elements of an Array<pointer> (or Array<i32/u32>). */
  arrayU32(ptr: number): number[] {
    this.checkPointer(ptr, 'array');
    const dataStart = this.view.getUint32(ptr + 4, true);
    const length = this.view.getInt32(ptr + 12, true);
    const out = new Array<number>(length);
    for (let i = 0; i < length; i++) out[i] = this.view.getUint32(dataStart + i * 4, true);
    return out;
  }

  /** The u8 elements of an Array<u8> / Array<bool>. */
  arrayU8(ptr: number): number[] {
    this.checkPointer(ptr, 'array');
    const dataStart = this.view.getUint32(ptr + 4, true);
    const length = this.view.getInt32(ptr + 12, true);
    return Array.from(this.bytes.subarray(dataStart, dataStart + length));
  }

  /** A graph-ts BigInt: signed little-endian two's complement bytes. */
  bigInt(ptr: number): bigint {
    return bigIntFromSignedLe(this.typedArrayBytes(ptr));
  }

  private checkPointer(ptr: number, what: string): void {
    if (ptr === 0) throw new Error(`the mapping passed null where the host expected a ${what}`);
  }

  // ---- writing -------------------------------------------------------------------------------

  /** Allocates an object of graph-node type `typeId` with `size` payload bytes. */
  alloc(typeId: TypeId, size: number): number {
    const rtId = this.rtIds.get(typeId);
    // rtId 0 is legitimate (ArrayBuffer); `id_of_type` of graph-ts knows every listed type.
    if (rtId === undefined) {
      throw new Error(`the mapping's runtime does not know graph-node type id ${TypeId[typeId] ?? typeId}`);
    }
    const ptr = this.newObject(size, rtId);
    this.refresh();
    return ptr;
  }

  setU32(ptr: number, value: number): void {
    this.view.setUint32(ptr, value, true);
  }

  newString(value: string): number {
    const ptr = this.alloc(TypeId.String, value.length * 2);
    this.bytes.write(value, ptr, 'utf16le');
    return ptr;
  }

  newArrayBuffer(data: Uint8Array): number {
    const ptr = this.alloc(TypeId.ArrayBuffer, data.length);
    this.bytes.set(data, ptr);
    return ptr;
  }

  /** A Uint8Array-based object (Bytes, Address, BigInt) of type `typeId` over a new buffer. */
  newTypedArray(data: Uint8Array, typeId: TypeId = TypeId.Uint8Array): number {
    const buffer = this.newArrayBuffer(data);
    const ptr = this.alloc(typeId, 12);
    this.view.setUint32(ptr, buffer, true);
    this.view.setUint32(ptr + 4, buffer, true);
    this.view.setInt32(ptr + 8, data.length, true);
    return ptr;
  }

  newBytes(data: Uint8Array): number {
    return this.newTypedArray(data, TypeId.Uint8Array);
  }

  newBigInt(value: bigint): number {
    return this.newTypedArray(bigIntToSignedLe(value), TypeId.Uint8Array);
  }

  /** An Array<T> of 4-byte elements (pointers, i32). */
  newArrayU32(typeId: TypeId, elements: ArrayLike<number>): number {
    const byteLength = elements.length * 4;
    const buffer = this.alloc(TypeId.ArrayBuffer, byteLength);
    for (let i = 0; i < elements.length; i++) this.view.setUint32(buffer + i * 4, elements[i] >>> 0, true);
    return this.wrapArray(typeId, buffer, byteLength, elements.length);
  }

  /** An Array<T> of 1-byte elements (u8, bool). */
  newArrayU8(typeId: TypeId, elements: ArrayLike<number>): number {
    const buffer = this.alloc(TypeId.ArrayBuffer, elements.length);
    for (let i = 0; i < elements.length; i++) this.bytes[buffer + i] = elements[i];
    return this.wrapArray(typeId, buffer, elements.length, elements.length);
  }

  private wrapArray(typeId: TypeId, buffer: number, byteLength: number, length: number): number {
    const ptr = this.alloc(typeId, 16);
    this.view.setUint32(ptr, buffer, true);
    this.view.setUint32(ptr + 4, buffer, true);
    this.view.setInt32(ptr + 8, byteLength, true);
    this.view.setInt32(ptr + 12, length, true);
    return ptr;
  }

  /** A class whose fields are all 4-byte pointers/ints, in declaration order. */
  newStruct(typeId: TypeId, fields: ArrayLike<number>): number {
    const ptr = this.alloc(typeId, fields.length * 4);
    for (let i = 0; i < fields.length; i++) this.view.setUint32(ptr + i * 4, fields[i] >>> 0, true);
    return ptr;
  }

  /** An enum-like class `{ kind: i32, data: u64 }` (store Value, ethereum.Value, JSONValue). */
  newEnum(typeId: TypeId, kind: number, payload: bigint | number): number {
    const ptr = this.alloc(typeId, 16);
    this.view.setInt32(ptr, kind, true);
    this.view.setUint32(ptr + 4, 0, true);
    if (typeof payload === 'bigint') this.view.setBigUint64(ptr + 8, BigInt.asUintN(64, payload), true);
    else {
      this.view.setUint32(ptr + 8, payload >>> 0, true);
      this.view.setUint32(ptr + 12, 0, true);
    }
    return ptr;
  }

  /** `Wrapped<bool>`: a one-byte object. */
  newWrappedBool(value: boolean): number {
    const ptr = this.alloc(TypeId.WrappedBool, 1);
    this.bytes[ptr] = value ? 1 : 0;
    return ptr;
  }
}

const SMALL_LIMIT = 2n ** 47n;

/** Signed little-endian two's complement bytes (graph-ts BigInt) to a bigint. */
export function bigIntFromSignedLe(bytes: Uint8Array): bigint {
  const n = bytes.length;
  if (n === 0) return 0n;
  if (n <= 6) {
    let value = 0;
    for (let i = n - 1; i >= 0; i--) value = value * 256 + bytes[i];
    if (bytes[n - 1] & 0x80) value -= 2 ** (8 * n);
    return BigInt(value);
  }
  let hex = '';
  for (let i = n - 1; i >= 0; i--) hex += (bytes[i] < 16 ? '0' : '') + bytes[i].toString(16);
  const unsigned = BigInt(`0x${hex}`);
  return bytes[n - 1] & 0x80 ? unsigned - (1n << BigInt(8 * n)) : unsigned;
}

/** A bigint to the shortest signed little-endian bytes (as num-bigint's `to_signed_bytes_le`). */
export function bigIntToSignedLe(value: bigint): Uint8Array {
  if (value >= -128n && value <= 127n) return Uint8Array.of(Number(value) & 0xff);
  if (value >= -SMALL_LIMIT && value < SMALL_LIMIT) {
    // Fits a double exactly: no bigint arithmetic (block numbers, timestamps, amounts of gas).
    let n = Number(value);
    let length = 1;
    while (n >= 2 ** (8 * length - 1) || n < -(2 ** (8 * length - 1))) length++;
    if (n < 0) n += 2 ** (8 * length);
    const out = new Uint8Array(length);
    for (let i = 0; i < length; i++) {
      out[i] = n % 256;
      n = Math.floor(n / 256);
    }
    return out;
  }
  let length = 1;
  if (value >= 0n) {
    while (value >= 1n << BigInt(8 * length - 1)) length++;
  } else {
    while (value < -(1n << BigInt(8 * length - 1))) length++;
  }
  let unsigned = value < 0n ? value + (1n << BigInt(8 * length)) : value;
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) {
    out[i] = Number(unsigned & 0xffn);
    unsigned >>= 8n;
  }
  return out;
}
