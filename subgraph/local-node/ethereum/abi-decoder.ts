/**
 * A direct decoder from Solidity ABI encoding to graph-ts `ethereum.Value` tokens, used for event
 * parameters on the hot path (ethers' decoder builds checksummed address strings and Result proxies
 * that the mapping never sees). Follows the ABI specification: static values in 32-byte head slots,
 * dynamic ones (bytes, string, T[], tuples or fixed arrays holding dynamic values) at offsets.
 * Throws `AbiDecodingError` on data that does not fit the types.
 */
import type { ParamType } from 'ethers';
import { EthereumValueKind, type Token } from '../wasm/ethereum-values';

export class AbiDecodingError extends Error {
  override name = 'AbiDecodingError';
}

const TWO_256 = 1n << 256n;

export function hexToBytes(hex: string): Buffer {
  return Buffer.from(hex.length >= 2 && hex[1] === 'x' ? hex.slice(2) : hex, 'hex');
}

function isDynamic(type: ParamType): boolean {
  switch (type.baseType) {
    case 'string':
    case 'bytes':
      return true;
    case 'array':
      return type.arrayLength === -1 || isDynamic(type.arrayChildren!);
    case 'tuple':
      return type.components!.some(isDynamic);
    default:
      return false;
  }
}

function headSize(type: ParamType): number {
  if (isDynamic(type)) return 32;
  if (type.baseType === 'array') return (type.arrayLength ?? 0) * headSize(type.arrayChildren!);
  if (type.baseType === 'tuple') return type.components!.reduce((sum, c) => sum + headSize(c), 0);
  return 32;
}

function word(data: Buffer, at: number): Buffer {
  if (at < 0 || at + 32 > data.length) throw new AbiDecodingError(`ABI data too short: need 32 bytes at ${at}, have ${data.length}`);
  return data.subarray(at, at + 32);
}

function uint256(slot: Buffer): bigint {
  // Small values (the common case) without going through a hex string.
  let zeros = 0;
  while (zeros < 26 && slot[zeros] === 0) zeros++;
  if (zeros === 26) return BigInt(slot.readUIntBE(26, 6));
  return BigInt(`0x${slot.toString('hex')}`);
}

function offsetAt(data: Buffer, at: number): number {
  const value = uint256(word(data, at));
  if (value > BigInt(data.length)) throw new AbiDecodingError(`ABI offset ${value} beyond the data (${data.length} bytes)`);
  return Number(value);
}

function decodeStatic(type: ParamType, slot: Buffer): Token {
  const base = type.baseType;
  if (base === 'address') return { kind: EthereumValueKind.Address, value: slot.subarray(12, 32) };
  if (base === 'bool') return { kind: EthereumValueKind.Bool, value: slot[31] !== 0 };
  if (base.startsWith('uint')) return { kind: EthereumValueKind.Uint, value: uint256(slot) };
  if (base.startsWith('int')) {
    const unsigned = uint256(slot);
    return { kind: EthereumValueKind.Int, value: slot[0] & 0x80 ? unsigned - TWO_256 : unsigned };
  }
  if (base.startsWith('bytes')) {
    const size = Number(base.slice(5));
    return { kind: EthereumValueKind.FixedBytes, value: slot.subarray(0, size) };
  }
  throw new AbiDecodingError(`unsupported ABI type ${type.format()}`);
}

/** Decodes the values of `types` encoded as a tuple starting at `base`. */
function decodeTuple(types: readonly ParamType[], data: Buffer, base: number): Token[] {
  const out: Token[] = new Array(types.length);
  let head = base;
  for (let i = 0; i < types.length; i++) {
    const type = types[i];
    if (isDynamic(type)) {
      out[i] = decodeAt(type, data, base + offsetAt(data, head));
      head += 32;
    } else {
      out[i] = decodeAt(type, data, head);
      head += headSize(type);
    }
  }
  return out;
}

/** Decodes one value whose encoding starts at `at` (its content for dynamic types). */
function decodeAt(type: ParamType, data: Buffer, at: number): Token {
  switch (type.baseType) {
    case 'string':
    case 'bytes': {
      const length = Number(uint256(word(data, at)));
      if (at + 32 + length > data.length) throw new AbiDecodingError(`ABI ${type.baseType} of ${length} bytes runs past the data`);
      const content = data.subarray(at + 32, at + 32 + length);
      return type.baseType === 'string'
        ? { kind: EthereumValueKind.String, value: content.toString('utf8') }
        : { kind: EthereumValueKind.Bytes, value: content };
    }
    case 'array': {
      const child = type.arrayChildren!;
      if (type.arrayLength === -1) {
        const length = Number(uint256(word(data, at)));
        if (length > data.length) throw new AbiDecodingError(`ABI array length ${length} beyond the data`);
        return { kind: EthereumValueKind.Array, value: decodeTuple(new Array<ParamType>(length).fill(child), data, at + 32) };
      }
      return { kind: EthereumValueKind.FixedArray, value: decodeTuple(new Array<ParamType>(type.arrayLength ?? 0).fill(child), data, at) };
    }
    case 'tuple':
      return { kind: EthereumValueKind.Tuple, value: decodeTuple(type.components!, data, at) };
    default:
      return decodeStatic(type, word(data, at));
  }
}

/** Decodes ABI-encoded `data` as the tuple `types`. */
export function decodeAbiParameters(types: readonly ParamType[], data: Buffer): Token[] {
  return decodeTuple(types, data, 0);
}

/** Decodes an indexed event parameter of a static type from its 32-byte topic. */
export function decodeTopic(type: ParamType, topic: Buffer): Token {
  if (topic.length !== 32) throw new AbiDecodingError(`topic of ${topic.length} bytes`);
  return decodeStatic(type, topic);
}

export { isDynamic as isDynamicAbiType };
