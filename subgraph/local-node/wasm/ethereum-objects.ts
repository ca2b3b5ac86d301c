/**
 * Writes the graph-ts `ethereum.*` trigger objects (Block, Transaction, TransactionReceipt, Log,
 * Event, EventParam) into a mapping instance, field for field as graph-node's
 * chain/ethereum/src/runtime/abi.rs lays them out for the mapping's apiVersion:
 * Block gains `baseFeePerGas` and Transaction `nonce` in 0.0.6; Event gains `receipt` in 0.0.7.
 */
import { getBytes } from 'ethers';
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
  return hex ? heap.newBytes(getBytes(hex)) : 0;
}

export function writeBlock(heap: AscHeap, block: RpcBlock, features: ApiFeatures): number {
  const fields = [
    bytesField(heap, block.hash),
    bytesField(heap, block.parentHash),
    bytesField(heap, block.sha3Uncles),
    bytesField(heap, block.miner),
    bytesField(heap, block.stateRoot),
    bytesField(heap, block.transactionsRoot),
    bytesField(heap, block.receiptsRoot),
    heap.newBigInt(quantity(block.number)),
    heap.newBigInt(quantity(block.gasUsed)),
    heap.newBigInt(quantity(block.gasLimit)),
    heap.newBigInt(quantity(block.timestamp)),
    heap.newBigInt(quantity(block.difficulty)),
    heap.newBigInt(quantity(block.totalDifficulty)),
    block.size ? heap.newBigInt(quantity(block.size)) : 0,
  ];
  if (features.v006) fields.push(block.baseFeePerGas ? heap.newBigInt(quantity(block.baseFeePerGas)) : 0);
  return heap.newStruct(TypeId.EthereumBlock, fields);
}

export function writeTransaction(heap: AscHeap, tx: RpcTransaction, features: ApiFeatures): number {
  const fields = [
    bytesField(heap, tx.hash),
    heap.newBigInt(quantity(tx.transactionIndex)),
    bytesField(heap, tx.from),
    tx.to ? bytesField(heap, tx.to) : 0,
    heap.newBigInt(quantity(tx.value)),
    heap.newBigInt(quantity(tx.gas)),
    heap.newBigInt(quantity(tx.gasPrice)),
    bytesField(heap, tx.input || '0x'),
  ];
  if (features.v006) fields.push(heap.newBigInt(quantity(tx.nonce)));
  return heap.newStruct(TypeId.EthereumTransaction, fields);
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
    // Nodes other than OpenEthereum do not report transactionLogIndex; graph-node then uses 0.
    heap.newBigInt(quantity(event.log.transactionLogIndex)),
    0,
    writeBlock(heap, event.block, features),
    writeTransaction(heap, event.transaction, features),
    heap.newArrayU32(TypeId.ArrayEventParam, params),
  ];
  if (features.v007) fields.push(event.receipt ? writeReceipt(heap, event.receipt) : 0);
  return heap.newStruct(TypeId.EthereumEvent, fields);
}
