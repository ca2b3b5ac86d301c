/**
 * Runs one data source's compiled mapping. As in graph-node, every trigger runs in the state of a
 * freshly instantiated module whose `_start` has just run (graph-cli compiles with
 * `--explicitStart`), so module-level state never leaks between handlers. Instantiating a module in
 * V8 costs hundreds of microseconds, so one instance is kept and put back into that state before
 * each trigger: its memory is restored from a snapshot (and the rest zeroed) and its mutable
 * globals, exported for this purpose when the module was loaded, are reset.
 *
 * When `_start` calls only context-free host functions (bigInt, bigDecimal, typeConversion, crypto,
 * json: the usual module-level constants), its outcome is the same for every trigger, so the
 * snapshot is taken after it and it does not run again; otherwise (it reads the store, the data
 * source, logs, ...) it runs before every handler, in that handler's context.
 */
import { AscHeap } from './asc-heap';
import { HOST_FUNCTIONS, HostInterrupt, MappingError, type HostScope } from './host-functions';
import { ALL_TYPE_IDS, TypeId } from './type-ids';
import { StoreError } from '../store/types';

type Exports = Record<string, unknown> & {
  memory: WebAssembly.Memory;
  __new(size: number, id: number): number;
  id_of_type(id: number): number;
  _start?: () => void;
};

/** Above this memory size an instance is dropped rather than zeroed for the next trigger. */
const MAX_REUSED_MEMORY = 16 * 1024 * 1024;

interface PooledInstance {
  exports: Exports;
  heap: AscHeap;
  memorySnapshot: Uint8Array;
  globals: WebAssembly.Global[];
  globalSnapshot: (number | bigint)[];
  dirty: boolean;
}

/** Host functions whose result depends only on their arguments. */
function isContextFree(name: string): boolean {
  return /^(bigInt|bigDecimal|typeConversion|crypto|json)\./.test(name);
}

/** Thrown into `_start` when, probed once, it calls a host function that needs a trigger. */
class StartNeedsContext extends Error {}

export class MappingRuntime {
  private readonly rtIds = new Map<TypeId, number>();
  private readonly imports: WebAssembly.Imports = {};
  private scope: HostScope | null = null;
  private pooled: PooledInstance | null = null;
  /** Whether `_start` has run inside the snapshot (see the file comment); null until probed. */
  private startInSnapshot: boolean | null = null;
  private probingStart = false;

  constructor(
    private readonly module: WebAssembly.Module,
    private readonly globalExports: string[],
    readonly file: string,
  ) {
    for (const entry of WebAssembly.Module.imports(module)) {
      const implementation = HOST_FUNCTIONS[entry.name];
      if (!implementation) throw new Error(`${file}: host function ${entry.name} is not implemented`);
      const namespace = (this.imports[entry.module] ??= {}) as Record<string, unknown>;
      namespace[entry.name] = (...args: number[]) => {
        const scope = this.scope;
        if (!scope) throw new Error(`host function ${entry.name} called outside a handler`);
        if (this.probingStart && !isContextFree(entry.name)) throw new StartNeedsContext(entry.name);
        scope.heap.refresh();
        return implementation(scope, ...args);
      };
    }
    // Runtime ids never change for a compiled module; `id_of_type` is pure.
    const exports = new WebAssembly.Instance(module, this.imports).exports as Exports;
    for (const typeId of ALL_TYPE_IDS) this.rtIds.set(typeId, exports.id_of_type(typeId));
  }

  private instantiate(): PooledInstance {
    let exports = new WebAssembly.Instance(this.module, this.imports).exports as Exports;
    if (this.startInSnapshot !== false && exports._start) {
      const heap = new AscHeap(exports.memory, exports.__new, this.rtIds);
      this.scope = contextFreeScope(heap);
      this.probingStart = true;
      try {
        exports._start();
        this.startInSnapshot = true;
      } catch {
        // It needs a trigger's context (or fails): run it before every handler instead.
        this.startInSnapshot = false;
        exports = new WebAssembly.Instance(this.module, this.imports).exports as Exports;
      } finally {
        this.probingStart = false;
        this.scope = null;
      }
    } else if (!exports._start) {
      this.startInSnapshot = true;
    }
    const globals = this.globalExports.map((name) => exports[name] as WebAssembly.Global);
    return {
      exports,
      heap: new AscHeap(exports.memory, exports.__new, this.rtIds),
      memorySnapshot: new Uint8Array(exports.memory.buffer).slice(),
      globals,
      globalSnapshot: globals.map((g) => g.value as number | bigint),
      dirty: false,
    };
  }

  /** An instance in its freshly instantiated state. */
  private acquire(): PooledInstance {
    let pooled = this.pooled;
    if (pooled && pooled.exports.memory.buffer.byteLength > MAX_REUSED_MEMORY) pooled = null;
    if (!pooled) {
      pooled = this.pooled = this.instantiate();
    } else if (pooled.dirty) {
      const memory = new Uint8Array(pooled.exports.memory.buffer);
      memory.set(pooled.memorySnapshot, 0);
      memory.fill(0, pooled.memorySnapshot.length);
      for (let i = 0; i < pooled.globals.length; i++) pooled.globals[i].value = pooled.globalSnapshot[i];
    }
    pooled.dirty = true;
    return pooled;
  }

  /**
   * Calls `handler` with the object `buildArgument` writes into the instance. Failures of the
   * mapping become `MappingError`s; `HostInterrupt`s are rethrown unchanged.
   */
  run(handler: string, scope: Omit<HostScope, 'heap'>, buildArgument: (heap: AscHeap) => number): void {
    const { exports, heap } = this.acquire();
    heap.refresh();
    this.scope = { ...scope, heap };
    try {
      if (!this.startInSnapshot) exports._start?.();
      const argument = buildArgument(heap);
      const fn = exports[handler] as ((ptr: number) => void) | undefined;
      if (typeof fn !== 'function') throw new MappingError(`handler ${handler} is not exported by ${this.file}`);
      fn(argument);
    } catch (error) {
      if (error instanceof MappingError || error instanceof HostInterrupt) throw error;
      if (error instanceof StoreError) throw new MappingError(error.message);
      if (error instanceof WebAssembly.RuntimeError) {
        // A trap can leave the instance in any state: start over with a new one.
        this.pooled = null;
        throw new MappingError(`the mapping trapped (${error.message}) in handler ${handler}`);
      }
      if (error instanceof RangeError && /call stack/i.test(error.message)) {
        this.pooled = null;
        throw new MappingError(`the mapping overflowed the stack in handler ${handler}`);
      }
      // Anything else a host function threw is a deterministic failure of this handler.
      throw new MappingError(error instanceof Error ? error.message : String(error));
    } finally {
      this.scope = null;
    }
  }
}

/** The scope `_start` is probed with: only the heap; anything else means it needs a trigger. */
function contextFreeScope(heap: AscHeap): HostScope {
  const needsContext = (): never => {
    throw new StartNeedsContext('a trigger context');
  };
  return {
    heap,
    block: { number: 0, hash: '', timestamp: 0, parentHash: '' },
    dataSourceName: '',
    dataSourceAddress: null,
    network: '',
    context: null,
    handler: '_start',
    store: { get: needsContext, getInBlock: needsContext, set: needsContext, remove: needsContext, loadRelated: needsContext },
    createDataSource: needsContext,
    ethereumCall: needsContext,
    getBalance: needsContext,
    hasCode: needsContext,
    log: needsContext,
  };
}
