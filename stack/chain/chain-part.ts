import type { Part } from '../part';
import { keepLastGoodState, recoverStateFile } from './anvil-state';
import { startEmbeddedChain, type EmbeddedChain } from './chain';

/**
 * The embedded chain as a part: anvil on `host:port` (0: a free port, kept for restarts) with its state in
 * `stateFile` and the genesis time of the data folder, so a restart reloads the state it last wrote; a
 * state file a kill cut short is replaced by the last good copy first (anvil-state.ts).
 */
export function chainPart(options: { host: string; port: number; stateFile: string; genesisTimestamp: number; onOutput: (line: string) => void; log: (line: string) => void }): Part<EmbeddedChain> {
  const settings = { stateFile: options.stateFile, genesisTimestamp: options.genesisTimestamp, onOutput: options.onOutput };
  const start = async (port: number) => {
    await recoverStateFile(options.stateFile, options.log);
    return startEmbeddedChain(options.host, port, settings);
  };
  return {
    name: 'the chain (anvil)',
    stopSignal: 'SIGTERM',
    start: () => start(options.port),
    // Same port, same state file: anvil loads the state it last wrote.
    restart: (previous) => start(Number(new URL(previous.url).port)),
    watch: () => keepLastGoodState(options.stateFile),
  };
}
