import type { Part } from '../part';
import { startEmbeddedChain, type EmbeddedChain } from './chain';

/**
 * The embedded chain as a part: anvil on `host:port` (0: a free port, kept for restarts) with its state in
 * `stateFile` and the genesis time of the data folder, so a restart reloads the state it last wrote.
 */
export function chainPart(options: { host: string; port: number; stateFile: string; genesisTimestamp: number; onOutput: (line: string) => void }): Part<EmbeddedChain> {
  const settings = { stateFile: options.stateFile, genesisTimestamp: options.genesisTimestamp, onOutput: options.onOutput };
  return {
    name: 'the chain (anvil)',
    stopSignal: 'SIGTERM',
    start: () => startEmbeddedChain(options.host, options.port, settings),
    // Same port, same state file: anvil loads the state it last wrote.
    restart: (previous) => startEmbeddedChain(options.host, Number(new URL(previous.url).port), settings),
  };
}
