/**
 * Follows the chain and runs the subgraph's handlers, block by block, as graph-node does:
 *
 * - from each data source's start block, logs are fetched with `eth_getLogs` over wide block ranges
 *   (addresses and event topics of every active data source), and block headers with batched
 *   `eth_getBlockByNumber` (full transactions where a log needs its transaction);
 * - within a block, log triggers run in log-index order, each through every data source in creation
 *   order (all matching handlers, honouring topic filters); block handlers (every block,
 *   `polling`, `once`) run after them;
 * - data sources that a handler creates from a template process the triggers of the block in which
 *   they were created, after that block's other triggers (graph-node re-scans the block for them),
 *   and every later block;
 * - each block's writes are committed atomically; a mapping failure discards the block, records an
 *   indexing error in the store and stops indexing;
 * - before each range the last indexed block is compared with the chain; if it is no longer there
 *   (reorg), the store is reverted to the last common ancestor and indexing continues from there.
 */
import { getAddress, getBytes, hexlify, type FunctionFragment, type Interface } from 'ethers';
import type { EventHandlerSpec, SubgraphManifest } from '../manifest';
import type { BlockPtr, BlockWriter, EntityStore, IndexingError } from '../store/types';
import { JsonRpcClient, JsonRpcError } from '../ethereum/json-rpc';
import type { RpcBlock, RpcLog, RpcReceipt, RpcTransaction } from '../ethereum/rpc-types';
import { LogLevel, MappingError, type EthereumCallRequest, type HostScope } from '../wasm/host-functions';
import { tokenFromAbi, tokenToAbi, type Token } from '../wasm/ethereum-values';
import { writeBlock, writeEvent, type EventParam } from '../wasm/ethereum-objects';
import type { NodeLogger } from '../logger';
import {
  decodeEventParams,
  dynamicDataSource,
  handlersForLog,
  isActiveAt,
  staticDataSources,
  templateByName,
  type RunningDataSource,
} from './data-source';
import { EntityIds } from './entity-ids';
import { ChainCallNeeded, ChainCalls } from './chain-calls';
import { HandlerWrites } from './handler-writes';

export interface IndexerOptions {
  manifest: SubgraphManifest;
  store: EntityStore;
  rpcUrl: string;
  logger: NodeLogger;
  /**
   * Most blocks per `eth_getLogs` range (ranges adapt to the log density below this; halved when the
   * endpoint refuses a range). Default 2000.
   */
  blockRange?: number;
  /** How often to poll for new blocks once caught up. Default 500 ms. */
  pollIntervalMs?: number;
  /** How often to log progress while catching up. Default 5000 ms. */
  progressIntervalMs?: number;
  /** Ranges fetched ahead of the one being indexed. Default 3. */
  prefetchDepth?: number;
  /** Logs per range the range size aims at. Default 2000. */
  targetLogsPerRange?: number;
}

export interface IndexerStatus {
  /** Last indexed block, or null before the first. */
  block: BlockPtr | null;
  /** Chain head at the last poll. */
  head: number | null;
  /** Log triggers handled since start. */
  events: number;
  /** Handler invocations (log and block triggers) since start. */
  handlerCalls: number;
  synced: boolean;
  error: IndexingError | null;
}

/** Thrown to waiters when indexing stopped on a mapping error. */
export class IndexingFailedError extends Error {
  override name = 'IndexingFailedError';
  constructor(readonly indexingError: IndexingError) {
    super(
      `indexing failed at block ${indexingError.block.number}${indexingError.handler ? ` in handler ${indexingError.handler}` : ''}: ${indexingError.message}`,
    );
  }
}

/** Ranges fetched ahead of the one being processed (fetching overlaps with running handlers). */
const PREFETCH_DEPTH = 3;
/** Ranges are sized for about this many logs. */
const TARGET_LOGS_PER_RANGE = 2000;
/** While catching up, how often to look for a new head. */
const HEAD_POLL_MS = 1000;

interface FetchedRange {
  from: number;
  to: number;
  logCount: number;
  /** Blocks to process, ascending: with handled logs, with due block handlers, and `to`. */
  ordered: number[];
  logsByBlock: Map<number, RpcLog[]>;
  blocks: Map<number, RpcBlock>;
  receipts: Map<string, RpcReceipt>;
}

/** The chain changed under a range being indexed (reorg or inconsistent answers); retry it. */
class ChainChangedError extends Error {}

const hex = (n: number): string => `0x${n.toString(16)}`;
const num = (h: string): number => parseInt(h, 16);

function blockPtr(block: RpcBlock): BlockPtr {
  return { number: num(block.number), hash: block.hash.toLowerCase(), timestamp: num(block.timestamp), parentHash: block.parentHash.toLowerCase() };
}

interface Waiter {
  block: number;
  resolve: (ptr: BlockPtr) => void;
  reject: (error: Error) => void;
}

export class Indexer {
  private readonly rpc: JsonRpcClient;
  private readonly chainCalls: ChainCalls;
  private readonly ids: EntityIds;
  private dataSources: RunningDataSource[] = [];
  private readonly waiters: Waiter[] = [];
  private stopped = false;
  private loop: Promise<void> | null = null;
  private wake: (() => void) | null = null;
  private head: number | null = null;
  private events = 0;
  private handlerCalls = 0;
  /** Blocks per range now (adapted to the log density) and at most. */
  private rangeSize: number;
  private maxRange: number;
  private prefetch: { from: number; to: number; result: Promise<FetchedRange> }[] = [];
  private lastHeadPoll = 0;
  private lastProgress = 0;
  private progressEvents = 0;
  private progressAt = Date.now();

  constructor(private readonly options: IndexerOptions) {
    this.rpc = new JsonRpcClient(options.rpcUrl);
    this.chainCalls = new ChainCalls(this.rpc);
    this.ids = new EntityIds(options.manifest.schemaSdl);
    this.maxRange = options.blockRange ?? 2000;
    this.rangeSize = Math.min(10, this.maxRange);
  }

  start(): void {
    if (this.loop) return;
    const previous = this.options.store.indexingError();
    if (previous) {
      this.options.logger.warn(`retrying after the indexing error recorded before: ${previous.message}`);
      this.options.store.setIndexingError(null);
    }
    this.loadDataSources();
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.loop;
    for (const waiter of this.waiters.splice(0)) waiter.reject(new Error('the local subgraph node was stopped'));
  }

  status(): IndexerStatus {
    const block = this.options.store.latestBlock();
    const error = this.options.store.indexingError();
    return {
      block,
      head: this.head,
      events: this.events,
      handlerCalls: this.handlerCalls,
      synced: block !== null && this.head !== null && block.number >= this.head,
      error,
    };
  }

  /** Resolves once block `n` (or a later one) is indexed; rejects if indexing fails or stops. */
  waitForBlock(n: number, timeoutMs = 120_000): Promise<BlockPtr> {
    const latest = this.options.store.latestBlock();
    if (latest && latest.number >= n) return Promise.resolve(latest);
    const error = this.options.store.indexingError();
    if (error) return Promise.reject(new IndexingFailedError(error));
    return new Promise<BlockPtr>((resolve, reject) => {
      const timer = setTimeout(() => {
        const index = this.waiters.indexOf(waiter);
        if (index >= 0) this.waiters.splice(index, 1);
        const at = this.options.store.latestBlock();
        reject(new Error(`block ${n} was not indexed within ${timeoutMs} ms (indexed up to ${at ? at.number : 'nothing'}, head ${this.head ?? 'unknown'})`));
      }, timeoutMs);
      const waiter: Waiter = {
        block: n,
        resolve: (ptr) => {
          clearTimeout(timer);
          resolve(ptr);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      };
      this.waiters.push(waiter);
    });
  }

  private notifyWaiters(): void {
    const latest = this.options.store.latestBlock();
    if (!latest) return;
    for (let i = this.waiters.length - 1; i >= 0; i--) {
      if (latest.number >= this.waiters[i].block) this.waiters.splice(i, 1)[0].resolve(latest);
    }
  }

  private loadDataSources(): void {
    const { manifest, store } = this.options;
    this.dataSources = [...staticDataSources(manifest), ...store.dataSources().map((record) => dynamicDataSource(manifest, record))];
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.wake = null;
        resolve();
      }, ms);
      this.wake = () => {
        clearTimeout(timer);
        this.wake = null;
        resolve();
      };
    });
  }

  private firstBlock(): number {
    return Math.min(...this.options.manifest.dataSources.map((ds) => ds.startBlock));
  }

  private clearPrefetch(): void {
    this.prefetch = [];
  }

  /** Schedules range fetches ahead of processing, up to `PREFETCH_DEPTH` ranges and the head. */
  private schedulePrefetch(next: number): void {
    if (this.prefetch.length > 0 && this.prefetch[0].from !== next) this.clearPrefetch();
    const head = this.head ?? -1;
    while (this.prefetch.length < (this.options.prefetchDepth ?? PREFETCH_DEPTH)) {
      const last = this.prefetch[this.prefetch.length - 1];
      const from = last ? last.to + 1 : next;
      if (from > head) break;
      const to = Math.min(head, from + this.rangeSize - 1);
      const result = this.fetchRange(from, to, this.dataSources.slice());
      result.catch(() => undefined); // handled when the range is taken off the queue
      this.prefetch.push({ from, to, result });
    }
  }

  private async pollHead(): Promise<boolean> {
    const { store } = this.options;
    const latest = store.latestBlock();
    const calls = [{ method: 'eth_blockNumber', params: [] as unknown[] }];
    if (latest) calls.push({ method: 'eth_getBlockByNumber', params: [hex(latest.number), false] });
    const [headHex, chainLatest] = await this.rpc.batchOrThrow<unknown>(calls);
    this.head = num(headHex as string);
    this.lastHeadPoll = Date.now();
    if (latest && (!chainLatest || (chainLatest as RpcBlock).hash.toLowerCase() !== latest.hash)) {
      this.clearPrefetch();
      await this.revertReorg(latest);
      return false;
    }
    return true;
  }

  private async run(): Promise<void> {
    const { store, logger } = this.options;
    let failures = 0;
    while (!this.stopped) {
      try {
        const latest = store.latestBlock();
        const next = latest ? latest.number + 1 : this.firstBlock();
        const lastScheduled = this.prefetch.length > 0 ? this.prefetch[this.prefetch.length - 1].to : next - 1;
        if (this.head === null || lastScheduled >= this.head || Date.now() - this.lastHeadPoll > HEAD_POLL_MS) {
          if (!(await this.pollHead())) continue;
        }
        if (next > this.head!) {
          failures = 0;
          await this.sleep(this.options.pollIntervalMs ?? 500);
          continue;
        }
        this.schedulePrefetch(next);
        const range = this.prefetch.shift()!;
        let fetched: FetchedRange;
        try {
          fetched = await range.result;
        } catch (error) {
          this.clearPrefetch();
          if (error instanceof JsonRpcError && error.method === 'eth_getLogs' && range.to > range.from) {
            this.maxRange = Math.max(1, Math.floor((range.to - range.from + 1) / 2));
            this.rangeSize = Math.min(this.rangeSize, this.maxRange);
            logger.warn(`eth_getLogs refused blocks ${range.from}-${range.to} (${error.message}); using ranges of at most ${this.maxRange} blocks`);
            continue;
          }
          throw error;
        }
        this.adaptRangeSize(fetched);
        const created = await this.processRange(fetched);
        if (created) this.clearPrefetch();
        failures = 0;
      } catch (error) {
        this.clearPrefetch();
        if (error instanceof MappingError) return; // recorded; indexing stops as in graph-node
        if (error instanceof ChainChangedError) {
          this.head = null;
          continue;
        }
        failures++;
        logger.warn(`indexing attempt failed (${failures}), retrying: ${(error as Error).message}`);
        await this.sleep(Math.min(10_000, 250 * 2 ** Math.min(failures, 6)));
      }
    }
  }

  /** Aims each range at about `TARGET_LOGS_PER_RANGE` logs, growing at most 4x at a time. */
  private adaptRangeSize(fetched: FetchedRange): void {
    const blocks = fetched.to - fetched.from + 1;
    const desired = fetched.logCount === 0 ? blocks * 4 : Math.round(((this.options.targetLogsPerRange ?? TARGET_LOGS_PER_RANGE) * blocks) / fetched.logCount);
    this.rangeSize = Math.max(1, Math.min(this.maxRange, desired, this.rangeSize * 4));
  }

  private async revertReorg(latest: BlockPtr): Promise<void> {
    const { store, logger } = this.options;
    let ancestor = this.firstBlock() - 1;
    for (let n = latest.number - 1; n >= 0; n--) {
      const ptr = store.blockAt(n);
      if (!ptr) continue;
      const chain = await this.rpc.request<RpcBlock | null>('eth_getBlockByNumber', [hex(n), false]);
      if (chain && chain.hash.toLowerCase() === ptr.hash) {
        ancestor = n;
        break;
      }
    }
    logger.warn(`reorg: indexed block ${latest.number} (${latest.hash}) is no longer on the chain; reverting to block ${ancestor} and re-indexing`);
    store.revertTo(ancestor);
    this.loadDataSources();
  }

  // ---- fetching -------------------------------------------------------------------------------

  private async fetchLogs(from: number, to: number, dataSources: RunningDataSource[]): Promise<RpcLog[]> {
    const withAddress = new Set<string>();
    const addressTopics = new Set<string>();
    const anyAddressTopics = new Set<string>();
    for (const ds of dataSources) {
      if (ds.spec.mapping.eventHandlers.length === 0) continue;
      if (ds.endBlock !== null && ds.endBlock < from) continue;
      if (ds.startBlock > to) continue;
      const topics = ds.address === null ? anyAddressTopics : addressTopics;
      for (const handler of ds.spec.mapping.eventHandlers) topics.add(handler.topic0);
      if (ds.address !== null) withAddress.add(ds.address);
    }
    const calls: { method: string; params: unknown[] }[] = [];
    const addresses = [...withAddress];
    for (let i = 0; i < addresses.length; i += 1000) {
      calls.push({
        method: 'eth_getLogs',
        params: [{ fromBlock: hex(from), toBlock: hex(to), address: addresses.slice(i, i + 1000), topics: [[...addressTopics]] }],
      });
    }
    if (anyAddressTopics.size > 0) {
      calls.push({ method: 'eth_getLogs', params: [{ fromBlock: hex(from), toBlock: hex(to), topics: [[...anyAddressTopics]] }] });
    }
    const results = await this.rpc.batchOrThrow<RpcLog[]>(calls);
    const seen = new Set<string>();
    const logs: RpcLog[] = [];
    for (const list of results) {
      for (const log of list) {
        if (log.removed) continue;
        const key = `${log.blockHash}:${log.logIndex}`;
        if (calls.length > 1) {
          if (seen.has(key)) continue;
          seen.add(key);
        }
        logs.push(log);
      }
    }
    logs.sort((a, b) => num(a.blockNumber) - num(b.blockNumber) || num(a.logIndex) - num(b.logIndex));
    return logs;
  }

  private async fetchBlocks(numbers: number[], withTransactions: Set<number>): Promise<Map<number, RpcBlock>> {
    const calls = numbers.map((n) => ({ method: 'eth_getBlockByNumber', params: [hex(n), withTransactions.has(n)] }));
    const blocks = await this.rpc.batchOrThrow<RpcBlock | null>(calls);
    const out = new Map<number, RpcBlock>();
    blocks.forEach((block, i) => {
      if (!block) throw new ChainChangedError(`block ${numbers[i]} is not on the chain any more`);
      out.set(numbers[i], block);
    });
    return out;
  }

  private async fetchReceipts(hashes: Iterable<string>): Promise<Map<string, RpcReceipt>> {
    const list = [...new Set(hashes)];
    const receipts = await this.rpc.batchOrThrow<RpcReceipt | null>(
      list.map((hash) => ({ method: 'eth_getTransactionReceipt', params: [hash] })),
    );
    const out = new Map<string, RpcReceipt>();
    receipts.forEach((receipt, i) => {
      if (!receipt) throw new ChainChangedError(`receipt of ${list[i]} is not available`);
      out.set(list[i].toLowerCase(), receipt);
    });
    return out;
  }

  // ---- indexing -------------------------------------------------------------------------------

  private blockHandlersDue(ds: RunningDataSource, n: number): string[] {
    if (!isActiveAt(ds, n)) return [];
    const out: string[] = [];
    for (const { handler, filter } of ds.spec.mapping.blockHandlers) {
      if (
        filter.kind === 'every' ||
        (filter.kind === 'once' && n === ds.startBlock) ||
        (filter.kind === 'polling' && (n - ds.startBlock) % filter.every === 0)
      ) {
        out.push(handler);
      }
    }
    return out;
  }

  private logIsHandled(log: RpcLog, dataSources: RunningDataSource[]): { handled: boolean; receipt: boolean } {
    const n = num(log.blockNumber);
    let handled = false;
    let receipt = false;
    for (const ds of dataSources) {
      if (!isActiveAt(ds, n)) continue;
      for (const handler of handlersForLog(ds, log)) {
        handled = true;
        receipt ||= handler.receipt;
      }
    }
    return { handled, receipt };
  }

  /** Fetches what indexing blocks `from`..`to` needs: logs, blocks (and block from-1), receipts. */
  private async fetchRange(from: number, to: number, dataSources: RunningDataSource[]): Promise<FetchedRange> {
    const logs = await this.fetchLogs(from, to, dataSources);
    const logsByBlock = new Map<number, RpcLog[]>();
    const receiptTxs = new Set<string>();
    for (const log of logs) {
      const { handled, receipt } = this.logIsHandled(log, dataSources);
      if (!handled) continue;
      const n = num(log.blockNumber);
      let list = logsByBlock.get(n);
      if (!list) logsByBlock.set(n, (list = []));
      list.push(log);
      if (receipt) receiptTxs.add(log.transactionHash.toLowerCase());
    }
    const numbers = new Set<number>(logsByBlock.keys());
    for (const ds of dataSources) {
      if (ds.spec.mapping.blockHandlers.length === 0) continue;
      for (let n = Math.max(from, ds.startBlock); n <= to; n++) if (this.blockHandlersDue(ds, n).length > 0) numbers.add(n);
    }
    numbers.add(to);
    const ordered = [...numbers].sort((a, b) => a - b);
    // Block from-1 too, to check that the range continues the chain indexed so far.
    const headers = from > 0 ? [from - 1, ...ordered] : ordered;
    const withTransactions = new Set(logsByBlock.keys());
    const [blocks, receipts] = await Promise.all([
      this.fetchBlocks(headers, withTransactions),
      receiptTxs.size > 0 ? this.fetchReceipts(receiptTxs) : Promise.resolve(new Map<string, RpcReceipt>()),
    ]);
    return { from, to, logCount: logs.length, ordered, logsByBlock, blocks, receipts };
  }

  /** Indexes a fetched range block by block. Returns true when data sources were created. */
  private async processRange(range: FetchedRange): Promise<boolean> {
    const { store } = this.options;
    let previous = store.latestBlock();
    if (previous && previous.number === range.from - 1) {
      const parent = range.blocks.get(range.from - 1);
      if (!parent || parent.hash.toLowerCase() !== previous.hash) {
        throw new ChainChangedError(`block ${previous.number} changed since it was indexed`);
      }
    } else if (previous && previous.number >= range.from) {
      return false; // stale prefetch
    }
    for (const n of range.ordered) {
      if (this.stopped) return false;
      const block = range.blocks.get(n)!;
      const ptr = blockPtr(block);
      if (previous && previous.number === n - 1 && ptr.parentHash !== previous.hash) {
        throw new ChainChangedError(`block ${n} does not follow block ${previous.number}`);
      }
      const blockLogs = range.logsByBlock.get(n) ?? [];
      for (const log of blockLogs) {
        if (log.blockHash.toLowerCase() !== ptr.hash) throw new ChainChangedError(`log of block ${n} is from another branch`);
      }
      const created = await this.processBlock(block, ptr, blockLogs, range.receipts);
      previous = ptr;
      this.notifyWaiters();
      this.reportProgress(ptr);
      // New data sources change which logs and blocks matter: continue with a fresh range.
      if (created) return true;
    }
    return false;
  }

  private reportProgress(ptr: BlockPtr): void {
    const now = Date.now();
    const interval = this.options.progressIntervalMs ?? 5000;
    if (now - this.lastProgress < interval) return;
    const head = this.head ?? ptr.number;
    if (ptr.number >= head && this.lastProgress !== 0) {
      this.lastProgress = now;
      return;
    }
    const seconds = (now - this.progressAt) / 1000;
    const rate = seconds > 0 ? Math.round((this.events - this.progressEvents) / seconds) : 0;
    this.options.logger.info(
      `indexed block ${ptr.number} of ${head} (${head > 0 ? ((100 * ptr.number) / head).toFixed(1) : '100'}%), ${this.events} events, ${rate} events/s`,
    );
    this.lastProgress = now;
    this.progressAt = now;
    this.progressEvents = this.events;
  }

  /** Runs one block's triggers and commits it. Returns whether data sources were created. */
  private async processBlock(block: RpcBlock, ptr: BlockPtr, logs: RpcLog[], receipts: Map<string, RpcReceipt>): Promise<boolean> {
    const { store } = this.options;
    const writer = store.beginBlock(ptr);
    this.chainCalls.atBlock(ptr.number);
    let anyCreated = false;
    try {
      const created: RunningDataSource[] = [];
      let active = this.dataSources.filter((ds) => isActiveAt(ds, ptr.number));
      let blockData = block;
      await this.runTriggers(writer, blockData, ptr, logs, active, receipts, created);
      while (created.length > 0) {
        anyCreated = true;
        active = created.splice(0);
        this.dataSources.push(...active);
        // graph-node re-scans the block for the new data sources' triggers.
        const newLogs = (await this.fetchLogs(ptr.number, ptr.number, active)).filter((log) => log.blockHash.toLowerCase() === ptr.hash);
        const handled = newLogs.filter((log) => this.logIsHandled(log, active).handled);
        if (handled.length > 0 && typeof blockData.transactions[0] === 'string') {
          blockData = (await this.fetchBlocks([ptr.number], new Set([ptr.number]))).get(ptr.number)!;
        }
        const needReceipts = handled.filter((log) => this.logIsHandled(log, active).receipt).map((log) => log.transactionHash.toLowerCase());
        const moreReceipts = needReceipts.length > 0 ? await this.fetchReceipts(needReceipts) : new Map<string, RpcReceipt>();
        await this.runTriggers(writer, blockData, ptr, handled, active, new Map([...receipts, ...moreReceipts]), created);
      }
      writer.commit();
      return anyCreated;
    } catch (error) {
      writer.discard();
      this.loadDataSources();
      if (error instanceof MappingError) this.fail(error, ptr);
      throw error;
    }
  }

  private fail(error: MappingError & { handler?: string }, ptr: BlockPtr): void {
    const indexingError: IndexingError = {
      message: error.message,
      block: ptr,
      handler: error.handler,
      location: error.location,
    };
    this.options.store.setIndexingError(indexingError);
    this.options.logger.error(
      `subgraph failed at block ${ptr.number}${error.handler ? ` in handler ${error.handler}` : ''}: ${error.message}. Indexing stopped; fix the mapping and restart.`,
    );
    for (const waiter of this.waiters.splice(0)) waiter.reject(new IndexingFailedError(indexingError));
  }

  private async runTriggers(
    writer: BlockWriter,
    block: RpcBlock,
    ptr: BlockPtr,
    logs: RpcLog[],
    dataSources: RunningDataSource[],
    receipts: Map<string, RpcReceipt>,
    created: RunningDataSource[],
  ): Promise<void> {
    let transactions: Map<string, RpcTransaction> | null = null;
    for (const log of logs) {
      let decoded: Map<EventHandlerSpec['fragment'], EventParam[]> | null = null;
      let counted = false;
      for (const ds of dataSources) {
        const handlers = handlersForLog(ds, log);
        if (handlers.length === 0) continue;
        if (!transactions) {
          transactions = new Map();
          for (const tx of block.transactions) if (typeof tx !== 'string') transactions.set(tx.hash.toLowerCase(), tx);
        }
        const transaction = transactions.get(log.transactionHash.toLowerCase());
        if (!transaction) throw new ChainChangedError(`transaction ${log.transactionHash} is not in block ${ptr.number}`);
        for (const handler of handlers) {
          decoded ??= new Map();
          let params = decoded.get(handler.fragment);
          if (!params) {
            try {
              params = decodeEventParams(handler.fragment, log);
            } catch (error) {
              // graph-node skips logs that do not decode with the handler's ABI event.
              this.options.logger.warn(`skipping log ${log.transactionHash}:${num(log.logIndex)}: cannot decode as ${handler.event}: ${(error as Error).message}`);
              continue;
            }
            decoded.set(handler.fragment, params);
          }
          const receipt = handler.receipt ? (receipts.get(log.transactionHash.toLowerCase()) ?? null) : null;
          const event = { log, block, transaction, params: params!, receipt };
          await this.runHandler(writer, ds, handler.handler, ptr, created, (heap) => writeEvent(heap, event, ds.features));
          if (!counted) {
            this.events++;
            counted = true;
          }
        }
      }
    }
    for (const ds of dataSources) {
      for (const handler of this.blockHandlersDue(ds, ptr.number)) {
        await this.runHandler(writer, ds, handler, ptr, created, (heap) => writeBlock(heap, block, ds.features));
      }
    }
  }

  /** Runs one handler; reruns it from the start after fetching any chain value it asked for. */
  private async runHandler(
    writer: BlockWriter,
    ds: RunningDataSource,
    handler: string,
    ptr: BlockPtr,
    created: RunningDataSource[],
    buildArgument: Parameters<RunningDataSource['runtime']['run']>[2],
  ): Promise<void> {
    for (;;) {
      const writes = new HandlerWrites(writer, this.ids);
      const createdHere: RunningDataSource[] = [];
      const scope = this.hostScope(writes, ds, handler, ptr, createdHere);
      this.handlerCalls++;
      try {
        ds.runtime.run(handler, scope, buildArgument);
        writes.apply();
        created.push(...createdHere);
        return;
      } catch (error) {
        if (error instanceof ChainCallNeeded) {
          await this.chainCalls.fetch(error);
          continue;
        }
        if (error instanceof MappingError) {
          (error as MappingError & { handler?: string }).handler = `${ds.name}.${handler}`;
        } else if (error instanceof Error && (error.name === 'StoreError' || error.message.startsWith('Value of '))) {
          const failure = new MappingError(error.message) as MappingError & { handler?: string };
          failure.handler = `${ds.name}.${handler}`;
          throw failure;
        }
        throw error;
      }
    }
  }

  private hostScope(
    writes: HandlerWrites,
    ds: RunningDataSource,
    handler: string,
    ptr: BlockPtr,
    created: RunningDataSource[],
  ): Omit<HostScope, 'heap'> {
    const { manifest, logger } = this.options;
    const ids = this.ids;
    const checkType = (entityType: string): void => {
      if (!ids.has(entityType)) throw new MappingError(`Entity type ${entityType} is not defined in the subgraph's schema`);
    };
    return {
      block: ptr,
      dataSourceName: ds.name,
      dataSourceAddress: ds.address,
      network: ds.spec.network,
      context: ds.context,
      handler,
      store: {
        get: (entityType, id) => (checkType(entityType), writes.get(entityType, id)),
        getInBlock: (entityType, id) => (checkType(entityType), writes.getInBlock(entityType, id)),
        set: (entityType, id, data) => {
          checkType(entityType);
          writes.set(entityType, id, ids.withId(entityType, id, data));
        },
        remove: (entityType, id) => (checkType(entityType), writes.remove(entityType, id)),
        loadRelated: (entityType, id, field) => (checkType(entityType), writes.loadRelated(entityType, id, field)),
      },
      createDataSource: (template, params, context) => {
        if (!templateByName(manifest, template)) {
          throw new MappingError(
            `Failed to create data source from name \`${template}\`: no template with this name. Available names: ${manifest.templates.map((t) => t.name).join(', ')}`,
          );
        }
        if (params.length === 0 || !/^0x[0-9a-fA-F]{40}$/.test(params[0])) {
          throw new MappingError(`dataSource.create(${template}): the first parameter must be an address, got ${JSON.stringify(params[0])}`);
        }
        const record = { template, params: [params[0].toLowerCase(), ...params.slice(1)], context, createdAtBlock: ptr.number };
        writes.addDataSource(record);
        created.push(dynamicDataSource(manifest, record));
      },
      ethereumCall: (request) => this.ethereumCall(ds, request, ptr),
      getBalance: (address) => {
        const outcome = this.chainCalls.get('eth_getBalance', [hexlify(address), hex(ptr.number)]);
        if (outcome.reverted) throw new MappingError(`eth_getBalance failed: ${outcome.message}`);
        return BigInt(outcome.result);
      },
      hasCode: (address) => {
        const outcome = this.chainCalls.get('eth_getCode', [hexlify(address), hex(ptr.number)]);
        if (outcome.reverted) throw new MappingError(`eth_getCode failed: ${outcome.message}`);
        return outcome.result !== '0x';
      },
      log: (level, message) => {
        const line = `[${ds.name}] ${handler} at block ${ptr.number}: ${message}`;
        if (level === LogLevel.Error) logger.error(line);
        else if (level === LogLevel.Warning) logger.warn(line);
        else if (level === LogLevel.Info) logger.info(line);
        else logger.debug(line);
      },
    };
  }

  private ethereumCall(ds: RunningDataSource, request: EthereumCallRequest, ptr: BlockPtr): Token[] | null {
    const abi: Interface | undefined = ds.spec.mapping.abis.get(request.contractName);
    if (!abi) {
      throw new MappingError(
        `Could not find ABI for contract "${request.contractName}", try adding it to the 'abis' section of the subgraph manifest`,
      );
    }
    let fn: FunctionFragment | null = null;
    if (request.functionSignature) {
      const signature = request.functionSignature.split(':')[0];
      fn = abi.getFunction(signature);
    }
    fn ??= abi.getFunction(request.functionName);
    if (!fn) {
      throw new MappingError(`Unknown function "${request.contractName}::${request.functionName}" called from WASM runtime`);
    }
    const to = getAddress(hexlify(request.address));
    const data = abi.encodeFunctionData(fn, request.args.map(tokenToAbi));
    const outcome = this.chainCalls.get('eth_call', [{ to, data }, hex(ptr.number)]);
    if (outcome.reverted || outcome.result === '0x') return null;
    try {
      const decoded = abi.decodeFunctionResult(fn, getBytes(outcome.result));
      return fn.outputs.map((output, i) => tokenFromAbi(output, decoded[i]));
    } catch {
      // Output that does not match the ABI: graph-node reports such a call as reverted too.
      return null;
    }
  }
}
