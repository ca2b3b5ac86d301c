/**
 * Runs one data source's compiled mapping. As in graph-node, every trigger gets a fresh instance of
 * the module (module-level state never leaks between handlers) whose `_start` runs first
 * (graph-cli compiles with `--explicitStart`); the trigger object is then written into its memory
 * and the handler export is called with a pointer to it.
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

export class MappingRuntime {
  private readonly rtIds = new Map<TypeId, number>();
  private readonly imports: WebAssembly.Imports = {};
  private scope: HostScope | null = null;

  constructor(
    private readonly module: WebAssembly.Module,
    readonly file: string,
  ) {
    for (const entry of WebAssembly.Module.imports(module)) {
      const implementation = HOST_FUNCTIONS[entry.name];
      if (!implementation) throw new Error(`${file}: host function ${entry.name} is not implemented`);
      const namespace = (this.imports[entry.module] ??= {}) as Record<string, unknown>;
      namespace[entry.name] = (...args: number[]) => {
        const scope = this.scope;
        if (!scope) throw new Error(`host function ${entry.name} called outside a handler`);
        return implementation(scope, ...args);
      };
    }
    // Runtime ids never change for a compiled module; `id_of_type` is pure, so no `_start` here.
    const probe = new WebAssembly.Instance(module, this.imports).exports as Exports;
    for (const typeId of ALL_TYPE_IDS) this.rtIds.set(typeId, probe.id_of_type(typeId));
  }

  /**
   * Calls `handler` with the object `buildArgument` writes into the fresh instance. Failures of the
   * mapping become `MappingError`s; `HostInterrupt`s are rethrown unchanged.
   */
  run(handler: string, scope: Omit<HostScope, 'heap'>, buildArgument: (heap: AscHeap) => number): void {
    const instance = new WebAssembly.Instance(this.module, this.imports);
    const exports = instance.exports as Exports;
    const heap = new AscHeap(exports.memory, exports.__new, this.rtIds);
    this.scope = { ...scope, heap };
    try {
      exports._start?.();
      const argument = buildArgument(heap);
      const fn = exports[handler] as ((ptr: number) => void) | undefined;
      if (typeof fn !== 'function') throw new MappingError(`handler ${handler} is not exported by ${this.file}`);
      fn(argument);
    } catch (error) {
      if (error instanceof MappingError || error instanceof HostInterrupt) throw error;
      if (error instanceof StoreError) throw new MappingError(error.message);
      if (error instanceof WebAssembly.RuntimeError) {
        throw new MappingError(`the mapping trapped (${error.message}) in handler ${handler}`);
      }
      if (error instanceof RangeError && /call stack/i.test(error.message)) {
        throw new MappingError(`the mapping overflowed the stack in handler ${handler}`);
      }
      // Anything else a host function threw is a deterministic failure of this handler.
      throw new MappingError(error instanceof Error ? error.message : String(error));
    } finally {
      this.scope = null;
    }
  }
}
