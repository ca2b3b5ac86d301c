/**
 * graph-ts `ethereum.Value` (an enum `{ kind, payload }`, kinds as graph-ts's ethereum.ValueKind)
 * across the WASM boundary, and its conversion from and to ethers' ABI values. Indexed event
 * parameters of dynamic types (string, bytes, arrays, tuples) carry only their topic hash, which
 * graph-node delivers as FIXED_BYTES.
 */
import { AbiCoder, getAddress, getBytes, Indexed, ParamType, hexlify } from 'ethers';
import { AscHeap } from './asc-heap';
import { TypeId } from './type-ids';

export enum EthereumValueKind {
  Address = 0,
  FixedBytes = 1,
  Bytes = 2,
  Int = 3,
  Uint = 4,
  Bool = 5,
  String = 6,
  FixedArray = 7,
  Array = 8,
  Tuple = 9,
}

export type Token =
  | { kind: EthereumValueKind.Address | EthereumValueKind.FixedBytes | EthereumValueKind.Bytes; value: Uint8Array }
  | { kind: EthereumValueKind.Int | EthereumValueKind.Uint; value: bigint }
  | { kind: EthereumValueKind.Bool; value: boolean }
  | { kind: EthereumValueKind.String; value: string }
  | { kind: EthereumValueKind.FixedArray | EthereumValueKind.Array | EthereumValueKind.Tuple; value: Token[] };

/** An ethers-decoded value of ABI type `type` as a token. */
export function tokenFromAbi(type: ParamType, value: unknown): Token {
  if (value instanceof Indexed) {
    return { kind: EthereumValueKind.FixedBytes, value: getBytes(value.hash ?? '0x') };
  }
  switch (type.baseType) {
    case 'address':
      return { kind: EthereumValueKind.Address, value: getBytes(value as string) };
    case 'bool':
      return { kind: EthereumValueKind.Bool, value: value as boolean };
    case 'string':
      return { kind: EthereumValueKind.String, value: value as string };
    case 'bytes':
      return { kind: EthereumValueKind.Bytes, value: getBytes(value as string) };
    case 'array': {
      const items = (value as unknown[]).map((item) => tokenFromAbi(type.arrayChildren!, item));
      return { kind: type.arrayLength === -1 ? EthereumValueKind.Array : EthereumValueKind.FixedArray, value: items };
    }
    case 'tuple': {
      const items = (value as unknown[]);
      return { kind: EthereumValueKind.Tuple, value: type.components!.map((component, i) => tokenFromAbi(component, items[i])) };
    }
    default:
      if (type.baseType.startsWith('bytes')) return { kind: EthereumValueKind.FixedBytes, value: getBytes(value as string) };
      if (type.baseType.startsWith('uint')) return { kind: EthereumValueKind.Uint, value: value as bigint };
      if (type.baseType.startsWith('int')) return { kind: EthereumValueKind.Int, value: value as bigint };
      throw new Error(`ABI type ${type.format()} has no graph-ts ethereum.Value kind`);
  }
}

/** A token as a value ethers can encode. */
export function tokenToAbi(token: Token): unknown {
  switch (token.kind) {
    case EthereumValueKind.Address:
      return getAddress(hexlify(token.value));
    case EthereumValueKind.FixedBytes:
    case EthereumValueKind.Bytes:
      return token.value;
    case EthereumValueKind.FixedArray:
    case EthereumValueKind.Array:
    case EthereumValueKind.Tuple:
      return token.value.map(tokenToAbi);
    default:
      return token.value;
  }
}

/** The ABI type of a token, as ethabi derives it when encoding a bare token (ints are 256-bit). */
export function tokenAbiType(token: Token): string {
  switch (token.kind) {
    case EthereumValueKind.Address:
      return 'address';
    case EthereumValueKind.FixedBytes:
      return `bytes${token.value.length}`;
    case EthereumValueKind.Bytes:
      return 'bytes';
    case EthereumValueKind.Int:
      return 'int256';
    case EthereumValueKind.Uint:
      return 'uint256';
    case EthereumValueKind.Bool:
      return 'bool';
    case EthereumValueKind.String:
      return 'string';
    case EthereumValueKind.FixedArray:
    case EthereumValueKind.Array: {
      if (token.value.length === 0 && token.kind === EthereumValueKind.Array) return 'uint256[]';
      const child = token.value.length > 0 ? tokenAbiType(token.value[0]) : 'uint256';
      return token.kind === EthereumValueKind.Array ? `${child}[]` : `${child}[${token.value.length}]`;
    }
    case EthereumValueKind.Tuple:
      return `(${token.value.map(tokenAbiType).join(',')})`;
  }
}

const coder = AbiCoder.defaultAbiCoder();

/** `ethereum.encode`: ABI-encodes one token. */
export function encodeToken(token: Token): Uint8Array {
  return getBytes(coder.encode([tokenAbiType(token)], [tokenToAbi(token)]));
}

/** `ethereum.decode`: decodes `data` as the ABI type `types` (e.g. `(uint256,address)`). */
export function decodeToken(types: string, data: Uint8Array): Token {
  const type = ParamType.from(types);
  const [value] = coder.decode([type], data);
  return tokenFromAbi(type, value);
}

export function readToken(heap: AscHeap, ptr: number): Token {
  const kind = heap.i32(ptr) as EthereumValueKind;
  const payload = ptr + 8;
  switch (kind) {
    case EthereumValueKind.Address:
    case EthereumValueKind.FixedBytes:
    case EthereumValueKind.Bytes:
      return { kind, value: heap.typedArrayBytes(heap.u32(payload)) };
    case EthereumValueKind.Int:
    case EthereumValueKind.Uint:
      return { kind, value: heap.bigInt(heap.u32(payload)) };
    case EthereumValueKind.Bool:
      return { kind, value: heap.u8(payload) !== 0 };
    case EthereumValueKind.String:
      return { kind, value: heap.string(heap.u32(payload)) };
    case EthereumValueKind.FixedArray:
    case EthereumValueKind.Array:
    case EthereumValueKind.Tuple:
      return { kind, value: heap.arrayU32(heap.u32(payload)).map((item) => readToken(heap, item)) };
    default:
      throw new Error(`the mapping passed an ethereum.Value of unknown kind ${String(kind)}`);
  }
}

export function writeToken(heap: AscHeap, token: Token): number {
  switch (token.kind) {
    case EthereumValueKind.Address:
    case EthereumValueKind.FixedBytes:
    case EthereumValueKind.Bytes:
      return heap.newEnum(TypeId.EthereumValue, token.kind, heap.newBytes(token.value));
    case EthereumValueKind.Int:
    case EthereumValueKind.Uint:
      return heap.newEnum(TypeId.EthereumValue, token.kind, heap.newBigInt(token.value));
    case EthereumValueKind.Bool:
      return heap.newEnum(TypeId.EthereumValue, token.kind, token.value ? 1 : 0);
    case EthereumValueKind.String:
      return heap.newEnum(TypeId.EthereumValue, token.kind, heap.newString(token.value));
    case EthereumValueKind.FixedArray:
    case EthereumValueKind.Array:
    case EthereumValueKind.Tuple: {
      const items = token.value.map((item) => writeToken(heap, item));
      return heap.newEnum(TypeId.EthereumValue, token.kind, heap.newArrayU32(TypeId.ArrayEthereumValue, items));
    }
  }
}
