/**
 * The host functions of graph-ts's interface, with graph-node's semantics. graph-node links an
 * import by its name only (`store.set`, `bigInt.plus`, `abort`, ...), whatever module AssemblyScript
 * put it in (`index`, `common/numbers`, `env`), and so does this node.
 *
 * Each function works on the `HostScope` of the handler that is running (its heap, the block's
 * entity writer, the data source); `MappingError`s are deterministic failures of the mapping and
 * stop indexing, as in graph-node.
 */
import { encodeBase58, getBytes, keccak256, sha256 } from 'ethers';
import type { BlockPtr, EntityData } from '../store/types';
import { AscHeap } from './asc-heap';
import * as decimal from './big-decimal';
import { JsonKind, JsonParseError, parseJson, type JsonValue } from './json-value';
import { readBigDecimal, readEntity, writeBigDecimal, writeEntity } from './store-values';
import { decodeToken, encodeToken, readToken, writeToken, type Token } from './ethereum-values';
import { TypeId } from './type-ids';

/** A deterministic failure of the mapping (graph-node: a deterministic host error). */
export class MappingError extends Error {
  override name = 'MappingError';
  constructor(
    message: string,
    readonly location?: string,
  ) {
    super(message);
  }
}

/**
 * Not a failure of the mapping: the host must do something asynchronous (e.g. an `eth_call`) and
 * run the handler again. Propagates out of the WASM instance unchanged.
 */
export class HostInterrupt extends Error {
  override name = 'HostInterrupt';
}

export enum LogLevel {
  Critical = 0,
  Error = 1,
  Warning = 2,
  Info = 3,
  Debug = 4,
}

export interface EthereumCallRequest {
  /** Name of the ABI in the data source's mapping. */
  contractName: string;
  address: Uint8Array;
  functionName: string;
  /** `name(types):(types)` when the mapping gave it (apiVersion >= 0.0.4), else null. */
  functionSignature: string | null;
  args: Token[];
}

/** What a host function may do beyond the heap; one per running handler. */
export interface HostScope {
  heap: AscHeap;
  block: BlockPtr;
  dataSourceName: string;
  /** The data source's address (lower-case hex), or null for an address-less data source. */
  dataSourceAddress: string | null;
  network: string;
  context: EntityData | null;
  handler: string;
  store: {
    get(entityType: string, id: string): EntityData | null;
    getInBlock(entityType: string, id: string): EntityData | null;
    set(entityType: string, id: string, data: EntityData): void;
    remove(entityType: string, id: string): void;
    loadRelated(entityType: string, id: string, field: string): EntityData[];
  };
  createDataSource(template: string, params: string[], context: EntityData | null): void;
  /** `ethereum.call` at the handler's block: the decoded outputs, or null when the call reverted. */
  ethereumCall(request: EthereumCallRequest): Token[] | null;
  getBalance(address: Uint8Array): bigint;
  hasCode(address: Uint8Array): boolean;
  log(level: LogLevel, message: string): void;
}

type HostFunction = (scope: HostScope, ...args: number[]) => number | bigint | void;

function text(scope: HostScope, ptr: number): string {
  return scope.heap.string(ptr);
}

function bytes(scope: HostScope, ptr: number): Uint8Array {
  return scope.heap.typedArrayBytes(ptr);
}

function bigIntArg(scope: HostScope, ptr: number): bigint {
  return scope.heap.bigInt(ptr);
}

function decimalArg(scope: HostScope, ptr: number): decimal.BigDecimalValue {
  return decimal.normalize(readBigDecimal(scope.heap, ptr));
}

function newDecimal(scope: HostScope, value: decimal.BigDecimalValue): number {
  return writeBigDecimal(scope.heap, decimal.normalize(value));
}

function parseBigIntText(value: string, what: string): bigint {
  if (!/^[+-]?\d+$/.test(value.trim())) throw new MappingError(`${what}: "${value}" is not an integer`);
  return BigInt(value.trim());
}

function writeJson(heap: AscHeap, value: JsonValue): number {
  switch (value.kind) {
    case JsonKind.Null:
      return heap.newEnum(TypeId.JsonValue, value.kind, 0);
    case JsonKind.Bool:
      return heap.newEnum(TypeId.JsonValue, value.kind, value.value ? 1 : 0);
    case JsonKind.Number:
    case JsonKind.String:
      return heap.newEnum(TypeId.JsonValue, value.kind, heap.newString(value.value));
    case JsonKind.Array: {
      const items = value.value.map((item) => writeJson(heap, item));
      return heap.newEnum(TypeId.JsonValue, value.kind, heap.newArrayU32(TypeId.ArrayJsonValue, items));
    }
    case JsonKind.Object: {
      const entries = value.value.map(([key, item]) =>
        heap.newStruct(TypeId.TypedMapEntryStringJsonValue, [heap.newString(key), writeJson(heap, item)]),
      );
      const map = heap.newStruct(TypeId.TypedMapStringJsonValue, [heap.newArrayU32(TypeId.ArrayTypedMapEntryStringJsonValue, entries)]);
      return heap.newEnum(TypeId.JsonValue, value.kind, map);
    }
  }
}

function entityArgs(scope: HostScope, typePtr: number, idPtr: number): [string, string] {
  return [text(scope, typePtr), text(scope, idPtr)];
}

function requireNonZero(value: bigint, what: string): void {
  if (value === 0n) throw new MappingError(`${what}: attempted to divide BigInt by zero`);
}

const I64_MIN = -(2n ** 63n);
const I64_MAX = 2n ** 63n - 1n;
const U64_MAX = 2n ** 64n - 1n;

/** Host functions by import name. */
export const HOST_FUNCTIONS: Record<string, HostFunction> = {
  abort(scope, messagePtr, filePtr, line, column) {
    const message = messagePtr ? text(scope, messagePtr) : '';
    const file = filePtr ? text(scope, filePtr) : '(unknown file)';
    const location = `${file}, line ${line}, column ${column}`;
    throw new MappingError(`Mapping aborted at ${location}, with message: ${message}`, location);
  },

  // ---- store ----------------------------------------------------------------------------------
  'store.get'(scope, typePtr, idPtr) {
    const entity = scope.store.get(...entityArgs(scope, typePtr, idPtr));
    return entity ? writeEntity(scope.heap, entity) : 0;
  },
  'store.get_in_block'(scope, typePtr, idPtr) {
    const entity = scope.store.getInBlock(...entityArgs(scope, typePtr, idPtr));
    return entity ? writeEntity(scope.heap, entity) : 0;
  },
  'store.set'(scope, typePtr, idPtr, dataPtr) {
    const [entityType, id] = entityArgs(scope, typePtr, idPtr);
    scope.store.set(entityType, id, readEntity(scope.heap, dataPtr));
  },
  'store.remove'(scope, typePtr, idPtr) {
    scope.store.remove(...entityArgs(scope, typePtr, idPtr));
  },
  'store.loadRelated'(scope, typePtr, idPtr, fieldPtr) {
    const [entityType, id] = entityArgs(scope, typePtr, idPtr);
    const related = scope.store.loadRelated(entityType, id, text(scope, fieldPtr));
    const items = related.map((entity) => writeEntity(scope.heap, entity));
    return scope.heap.newArrayU32(TypeId.ArrayTypedMapEntryStringStoreValue, items);
  },

  // ---- logging --------------------------------------------------------------------------------
  'log.log'(scope, level, messagePtr) {
    const message = text(scope, messagePtr);
    if (level === LogLevel.Critical) {
      throw new MappingError(`Critical error logged in mapping with log_level 0: ${message}`);
    }
    scope.log(level as LogLevel, message);
  },

  // ---- typeConversion -------------------------------------------------------------------------
  'typeConversion.bytesToString'(scope, ptr) {
    const decoded = Buffer.from(bytes(scope, ptr)).toString('utf8').replace(/\u0000+$/, '');
    return scope.heap.newString(decoded);
  },
  'typeConversion.bytesToHex'(scope, ptr) {
    const data = bytes(scope, ptr);
    return scope.heap.newString(`0x${Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('hex')}`);
  },
  'typeConversion.bigIntToString'(scope, ptr) {
    return scope.heap.newString(bigIntArg(scope, ptr).toString());
  },
  'typeConversion.bigIntToHex'(scope, ptr) {
    const value = bigIntArg(scope, ptr);
    return scope.heap.newString(value === 0n ? '0x0' : `0x${value.toString(16)}`);
  },
  'typeConversion.stringToH160'(scope, ptr) {
    const value = text(scope, ptr);
    const hex = value.startsWith('0x') ? value.slice(2) : value;
    if (!/^[0-9a-fA-F]{40}$/.test(hex)) throw new MappingError(`Failed to convert string to Address/H160: '${value}'`);
    return scope.heap.newBytes(Buffer.from(hex, 'hex'));
  },
  'typeConversion.bytesToBase58'(scope, ptr) {
    const data = bytes(scope, ptr);
    return scope.heap.newString(data.length === 0 ? '' : encodeBase58(data));
  },

  // ---- bigInt ---------------------------------------------------------------------------------
  'bigInt.plus': (scope, x, y) => scope.heap.newBigInt(bigIntArg(scope, x) + bigIntArg(scope, y)),
  'bigInt.minus': (scope, x, y) => scope.heap.newBigInt(bigIntArg(scope, x) - bigIntArg(scope, y)),
  'bigInt.times': (scope, x, y) => scope.heap.newBigInt(bigIntArg(scope, x) * bigIntArg(scope, y)),
  'bigInt.dividedBy'(scope, x, y) {
    const divisor = bigIntArg(scope, y);
    requireNonZero(divisor, 'bigInt.dividedBy');
    return scope.heap.newBigInt(bigIntArg(scope, x) / divisor);
  },
  'bigInt.dividedByDecimal'(scope, x, y) {
    const divisor = decimalArg(scope, y);
    if (divisor.digits === 0n) throw new MappingError('bigInt.dividedByDecimal: attempted to divide by zero');
    return newDecimal(scope, decimal.divide(decimal.fromBigInt(bigIntArg(scope, x)), divisor));
  },
  'bigInt.mod'(scope, x, y) {
    const divisor = bigIntArg(scope, y);
    requireNonZero(divisor, 'bigInt.mod');
    return scope.heap.newBigInt(bigIntArg(scope, x) % divisor);
  },
  'bigInt.pow': (scope, x, exp) => scope.heap.newBigInt(bigIntArg(scope, x) ** BigInt(exp & 0xff)),
  'bigInt.fromString'(scope, ptr) {
    return scope.heap.newBigInt(parseBigIntText(text(scope, ptr), 'bigInt.fromString'));
  },
  'bigInt.bitOr': (scope, x, y) => scope.heap.newBigInt(bigIntArg(scope, x) | bigIntArg(scope, y)),
  'bigInt.bitAnd': (scope, x, y) => scope.heap.newBigInt(bigIntArg(scope, x) & bigIntArg(scope, y)),
  'bigInt.leftShift': (scope, x, bits) => scope.heap.newBigInt(bigIntArg(scope, x) << BigInt(bits & 0xff)),
  'bigInt.rightShift': (scope, x, bits) => scope.heap.newBigInt(bigIntArg(scope, x) >> BigInt(bits & 0xff)),

  // ---- bigDecimal -----------------------------------------------------------------------------
  'bigDecimal.plus': (scope, x, y) => newDecimal(scope, decimal.add(decimalArg(scope, x), decimalArg(scope, y))),
  'bigDecimal.minus': (scope, x, y) => newDecimal(scope, decimal.subtract(decimalArg(scope, x), decimalArg(scope, y))),
  'bigDecimal.times': (scope, x, y) => newDecimal(scope, decimal.multiply(decimalArg(scope, x), decimalArg(scope, y))),
  'bigDecimal.dividedBy'(scope, x, y) {
    const divisor = decimalArg(scope, y);
    if (divisor.digits === 0n) throw new MappingError('bigDecimal.dividedBy: attempted to divide BigDecimal by zero');
    return newDecimal(scope, decimal.divide(decimalArg(scope, x), divisor));
  },
  'bigDecimal.equals': (scope, x, y) => (decimal.equals(decimalArg(scope, x), decimalArg(scope, y)) ? 1 : 0),
  'bigDecimal.toString': (scope, x) => scope.heap.newString(decimal.formatBigDecimal(decimalArg(scope, x))),
  'bigDecimal.fromString'(scope, ptr) {
    const value = text(scope, ptr);
    try {
      return newDecimal(scope, decimal.parseBigDecimal(value));
    } catch {
      throw new MappingError(`bigDecimal.fromString: "${value}" is not a decimal number`);
    }
  },

  // ---- crypto ---------------------------------------------------------------------------------
  'crypto.keccak256': (scope, ptr) => scope.heap.newBytes(getBytes(keccak256(bytes(scope, ptr)))),
  'crypto.sha256': (scope, ptr) => scope.heap.newBytes(getBytes(sha256(bytes(scope, ptr)))),

  // ---- json -----------------------------------------------------------------------------------
  'json.fromBytes'(scope, ptr) {
    try {
      return writeJson(scope.heap, parseJson(Buffer.from(bytes(scope, ptr)).toString('utf8')));
    } catch (error) {
      if (error instanceof JsonParseError) throw new MappingError(`json.fromBytes: ${error.message}`);
      throw error;
    }
  },
  'json.try_fromBytes'(scope, ptr) {
    const heap = scope.heap;
    let parsed: JsonValue | null = null;
    try {
      parsed = parseJson(Buffer.from(bytes(scope, ptr)).toString('utf8'));
    } catch (error) {
      if (!(error instanceof JsonParseError)) throw error;
    }
    if (parsed) {
      const wrapped = heap.newStruct(TypeId.WrappedJsonValue, [writeJson(heap, parsed)]);
      return heap.newStruct(TypeId.ResultJsonValueBool, [wrapped, 0]);
    }
    return heap.newStruct(TypeId.ResultJsonValueBool, [0, heap.newWrappedBool(true)]);
  },
  'json.toI64'(scope, ptr) {
    const value = parseBigIntText(text(scope, ptr), 'json.toI64');
    if (value < I64_MIN || value > I64_MAX) throw new MappingError(`json.toI64: ${value} does not fit in i64`);
    return value;
  },
  'json.toU64'(scope, ptr) {
    const value = parseBigIntText(text(scope, ptr), 'json.toU64');
    if (value < 0n || value > U64_MAX) throw new MappingError(`json.toU64: ${value} does not fit in u64`);
    return BigInt.asIntN(64, value);
  },
  'json.toF64'(scope, ptr) {
    const value = Number(text(scope, ptr));
    if (Number.isNaN(value)) throw new MappingError(`json.toF64: "${text(scope, ptr)}" is not a number`);
    return value as unknown as number;
  },
  'json.toBigInt'(scope, ptr) {
    return scope.heap.newBigInt(parseBigIntText(text(scope, ptr), 'json.toBigInt'));
  },

  // ---- ethereum -------------------------------------------------------------------------------
  'ethereum.call'(scope, callPtr) {
    const heap = scope.heap;
    const request: EthereumCallRequest = {
      contractName: heap.string(heap.u32(callPtr)),
      address: heap.typedArrayBytes(heap.u32(callPtr + 4)),
      functionName: heap.string(heap.u32(callPtr + 8)),
      functionSignature: heap.sizeOf(callPtr) >= 20 ? heap.string(heap.u32(callPtr + 12)) : null,
      args: heap.arrayU32(heap.u32(callPtr + (heap.sizeOf(callPtr) >= 20 ? 16 : 12))).map((item) => readToken(heap, item)),
    };
    const result = scope.ethereumCall(request);
    if (result === null) return 0;
    return heap.newArrayU32(TypeId.ArrayEthereumValue, result.map((token) => writeToken(heap, token)));
  },
  'ethereum.encode'(scope, tokenPtr) {
    try {
      return scope.heap.newBytes(encodeToken(readToken(scope.heap, tokenPtr)));
    } catch {
      return 0;
    }
  },
  'ethereum.decode'(scope, typesPtr, dataPtr) {
    const types = text(scope, typesPtr);
    let token: Token;
    try {
      token = decodeToken(types, bytes(scope, dataPtr));
    } catch {
      return 0;
    }
    return writeToken(scope.heap, token);
  },
  'ethereum.getBalance': (scope, addressPtr) => scope.heap.newBigInt(scope.getBalance(bytes(scope, addressPtr))),
  'ethereum.hasCode'(scope, addressPtr) {
    const inner = scope.heap.newWrappedBool(scope.hasCode(bytes(scope, addressPtr)));
    return inner;
  },

  // ---- dataSource -----------------------------------------------------------------------------
  'dataSource.create'(scope, namePtr, paramsPtr) {
    const params = scope.heap.arrayU32(paramsPtr).map((p) => text(scope, p));
    scope.createDataSource(text(scope, namePtr), params, null);
  },
  'dataSource.createWithContext'(scope, namePtr, paramsPtr, contextPtr) {
    const params = scope.heap.arrayU32(paramsPtr).map((p) => text(scope, p));
    scope.createDataSource(text(scope, namePtr), params, readEntity(scope.heap, contextPtr));
  },
  'dataSource.address'(scope) {
    const address = scope.dataSourceAddress;
    return scope.heap.newBytes(address ? getBytes(address) : new Uint8Array(0));
  },
  'dataSource.network': (scope) => scope.heap.newString(scope.network),
  'dataSource.context': (scope) => writeEntity(scope.heap, scope.context ?? new Map()),
};

/** Host functions graph-ts declares that this node refuses, with the reason (checked at load). */
export const UNSUPPORTED_HOST_FUNCTIONS: Record<string, string> = {
  'ens.nameByHash': 'ENS name lookups need graph-node\'s ENS rainbow table, which the local node does not have',
  'ipfs.cat': 'the local node has no IPFS client; use file data sources on graph-node',
  'ipfs.map': 'the local node has no IPFS client',
  'ipfs.getBlock': 'the local node has no IPFS client',
  'yaml.fromBytes': 'YAML parsing in mappings is not implemented by the local node',
  'yaml.try_fromBytes': 'YAML parsing in mappings is not implemented by the local node',
  'arweave.transactionData': 'Arweave is not supported by the local node',
  'box.profile': '3Box is not supported (graph-node removed it too)',
};

/**
 * Checks that every function the module imports is a host function this node implements, naming the
 * first one that is not (graph-node would fail the same way when instantiating the module).
 */
export function checkHostImports(module: WebAssembly.Module): void {
  for (const entry of WebAssembly.Module.imports(module)) {
    if (entry.kind !== 'function') {
      throw new Error(`imports ${entry.kind} "${entry.module}.${entry.name}", but the host only provides functions`);
    }
    if (HOST_FUNCTIONS[entry.name]) continue;
    const reason = UNSUPPORTED_HOST_FUNCTIONS[entry.name];
    if (reason) throw new Error(`imports host function "${entry.name}", which is not supported: ${reason}`);
    throw new Error(
      `imports unknown host function "${entry.name}" (module "${entry.module}"); the local subgraph node does not implement it. Supported: ${Object.keys(HOST_FUNCTIONS).sort().join(', ')}`,
    );
  }
}

