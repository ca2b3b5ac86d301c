/**
 * Writes the graph-ts `ethereum.*` trigger objects (Block, Transaction, TransactionReceipt, Log,
 * Event, EventParam) into a mapping instance, field for field as graph-node's
 * chain/ethereum/src/runtime/abi.rs lays them out for the mapping's apiVersion:
 * Block gains `baseFeePerGas` and Transaction `nonce` in 0.0.6; Event gains `receipt` in 0.0.7.
 */
import { hexToBytes } from '../ethereum/abi-decoder';
import type { RpcBlock, RpcLog, RpcReceipt, RpcTransaction } from '../ethereum/rpc-types';
import { AscHeap } from './asc-heap';
import { writeToken, type Token } from './ethereum-values';
import { TypeId } from './type-ids';

export interface ApiFeatures {
  /** Block.baseFeePerGas and Transaction.nonce (apiVersion >= 0.0.6). */
  v006: boolean;
  /** Event.receipt (apiVersion >= 0.0.7). */
  v007: boolean;
}

export function apiFeatures(apiVersion: string): ApiFeatures {
  const patch = Number(apiVersion.split('.')[2] ?? 0);
  return { v006: patch >= 6, v007: patch >= 7 };
}

const quantity = (hex: string | undefined | null): bigint => (hex ? BigInt(hex) : 0n);

function bytesField(heap: AscHeap, hex: string | null | undefined): number {
  return hex ? heap.newBytes(hexToBytes(hex)) : 0;
}

/** A field of a block or transaction, parsed once: bytes, a BigInt, or absent (null pointer). */
type Field = { bytes: Uint8Array } | { int: bigint } | null;

const bytesOf = (hex: string | null | undefined): Field => (hex ? { bytes: hexToBytes(hex) } : null);
const intOf = (hex: string | null | undefined): Field => (hex ? { int: BigInt(hex) } : null);

function writeFields(heap: AscHeap, typeId: TypeId, fields: Field[]): number {
  const pointers = new Array<number>(fields.length);
  for (let i = 0; i < fields.length; i++) {
    const field = fields[i];
    pointers[i] = field === null ? 0 : 'bytes' in field ? heap.newBytes(field.bytes) : heap.newBigInt(field.int);
  }
  return heap.newStruct(typeId, pointers);
}

// Every event of a block carries the same block (and often transaction): parse their hex once.
const blockFields = new WeakMap<RpcBlock, Field[]>();
const transactionFields = new WeakMap<RpcTransaction, Field[]>();

export function writeBlock(heap: AscHeap, block: RpcBlock, features: ApiFeatures): number {
  let fields = blockFields.get(block);
  if (!fields) {
    fields = [
      bytesOf(block.hash),
      bytesOf(block.parentHash),
      bytesOf(block.sha3Uncles),
      bytesOf(block.miner),
      bytesOf(block.stateRoot),
      bytesOf(block.transactionsRoot),
      bytesOf(block.receiptsRoot),
      { int: quantity(block.number) },
      { int: quantity(block.gasUsed) },
      { int: quantity(block.gasLimit) },
      { int: quantity(block.timestamp) },
      { int: quantity(block.difficulty) },
      { int: quantity(block.totalDifficulty) },
      intOf(block.size),
      intOf(block.baseFeePerGas),
    ];
    blockFields.set(block, fields);
  }
  return writeFields(heap, TypeId.EthereumBlock, features.v006 ? fields : fields.slice(0, 14));
}

export function writeTransaction(heap: AscHeap, tx: RpcTransaction, features: ApiFeatures): number {
  let fields = transactionFields.get(tx);
  if (!fields) {
    fields = [
      bytesOf(tx.hash),
      { int: quantity(tx.transactionIndex) },
      bytesOf(tx.from),
      bytesOf(tx.to),
      { int: quantity(tx.value) },
      { int: quantity(tx.gas) },
      { int: quantity(tx.gasPrice) },
      { bytes: hexToBytes(tx.input || '0x') },
      { int: quantity(tx.nonce) },
    ];
    transactionFields.set(tx, fields);
  }
  return writeFields(heap, TypeId.EthereumTransaction, features.v006 ? fields : fields.slice(0, 8));
}

export function writeLog(heap: AscHeap, log: RpcLog): number {
  const topics = heap.newArrayU32(TypeId.ArrayH256, log.topics.map((topic) => bytesField(heap, topic)));
  return heap.newStruct(TypeId.Log, [
    bytesField(heap, log.address),
    topics,
    bytesField(heap, log.data),
    bytesField(heap, log.blockHash),
    heap.newBigInt(quantity(log.blockNumber)),
    bytesField(heap, log.transactionHash),
    heap.newBigInt(quantity(log.transactionIndex)),
    heap.newBigInt(quantity(log.logIndex)),
    log.transactionLogIndex ? heap.newBigInt(quantity(log.transactionLogIndex)) : 0,
    0,
    log.removed === undefined ? 0 : heap.newWrappedBool(log.removed),
  ]);
}

export function writeReceipt(heap: AscHeap, receipt: RpcReceipt): number {
  const logs = heap.newArrayU32(TypeId.ArrayLog, receipt.logs.map((log) => writeLog(heap, log)));
  return heap.newStruct(TypeId.TransactionReceipt, [
    bytesField(heap, receipt.transactionHash),
    heap.newBigInt(quantity(receipt.transactionIndex)),
    bytesField(heap, receipt.blockHash),
    heap.newBigInt(quantity(receipt.blockNumber)),
    heap.newBigInt(quantity(receipt.cumulativeGasUsed)),
    heap.newBigInt(quantity(receipt.gasUsed)),
    receipt.contractAddress ? bytesField(heap, receipt.contractAddress) : 0,
    logs,
    receipt.status ? heap.newBigInt(quantity(receipt.status)) : 0,
    receipt.root ? bytesField(heap, receipt.root) : 0,
    bytesField(heap, receipt.logsBloom),
  ]);
}

export interface EventParam {
  name: string;
  value: Token;
}

export interface EventInput {
  log: RpcLog;
  block: RpcBlock;
  transaction: RpcTransaction;
  params: EventParam[];
  receipt: RpcReceipt | null;
}

export function writeEvent(heap: AscHeap, event: EventInput, features: ApiFeatures): number {
  const params = event.params.map((param) =>
    heap.newStruct(TypeId.EventParam, [heap.newString(param.name), writeToken(heap, param.value)]),
  );
  const logIndex = quantity(event.log.logIndex);
  const fields = [
    bytesField(heap, event.log.address),
    heap.newBigInt(logIndex),
    // graph-node fills `transactionLogIndex` with the log's block-wide index too.
    heap.newBigInt(logIndex),
    0,
    writeBlock(heap, event.block, features),
    writeTransaction(heap, event.transaction, features),
    heap.newArrayU32(TypeId.ArrayEventParam, params),
  ];
  if (features.v007) fields.push(event.receipt ? writeReceipt(heap, event.receipt) : 0);
  return heap.newStruct(TypeId.EthereumEvent, fields);
}
