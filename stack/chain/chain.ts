import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { REPO_ROOT } from '../../api/src/config';
import { anvilBinary } from './anvil-binary';
import { spawnWithReadyLine } from '../process/child-process';
import { rpc } from './chain-status';
import { TEST_MNEMONIC } from './demo-accounts';

/** The chain the stack talks to: its own anvil, or an existing endpoint. */
export interface StackChain {
  url: string;
  chainId: number;
  /** True when the stack started it (anvil, its state kept in the data folder). */
  embedded: boolean;
}

/** The chain the stack started: anvil, as a process the launcher supervises. */
export interface EmbeddedChain extends StackChain {
  pid: number;
  exited: Promise<string>;
  stop(): Promise<void>;
}

/**
 * Starts anvil (from npm, `@foundry-rs/anvil`) as a child process on `host:port` (0: a free port), with
 * chain id 31337 and Hardhat's well-known test accounts. With `stateFile` its state is loaded from that
 * file when it exists, and written to it every second and when the chain stops (SIGTERM); without, the
 * chain lives in memory only (benches, scripts). The launcher runs the binary itself (no wrapper), so
 * the PID it records and supervises is anvil's.
 *
 * `genesisTimestamp` (seconds) makes the genesis block the same at every start (anvil-state.ts): anvil
 * stamps its genesis with it and runs its clock from there, so the clock is then set to the real time
 * before anything else talks to the chain.
 */
export async function startEmbeddedChain(
  host: string,
  port: number,
  { stateFile, genesisTimestamp, onOutput }: { stateFile?: string; genesisTimestamp?: number; onOutput?: (line: string) => void } = {},
): Promise<EmbeddedChain> {
  if (stateFile) await mkdir(path.dirname(stateFile), { recursive: true });
  const child = await spawnWithReadyLine<{ event: 'ready'; url: string }>({
    name: 'The embedded chain (anvil)',
    command: anvilBinary(),
    args: [
      '--host', host,
      '--port', String(port),
      '--chain-id', '31337',
      '--mnemonic', TEST_MNEMONIC,
      '--accounts', '20',
      '--balance', '10000',
      '--hardfork', 'cancun',
      // graph-node and the API read contract state at past blocks, also after a restart.
      ...(stateFile ? ['--state', stateFile, '--state-interval', '1', '--preserve-historical-states'] : []),
      ...(genesisTimestamp === undefined ? [] : ['--timestamp', String(genesisTimestamp)]),
    ],
    cwd: REPO_ROOT,
    timeoutMs: 60_000,
    detached: true,
    readyFrom: (line) => {
      const listening = /^Listening on (\S+):(\d+)$/.exec(line.trim());
      return listening ? { event: 'ready', url: `http://${listening[1]}:${listening[2]}` } : undefined;
    },
    // anvil prints every request and block on stdout; only its errors are worth passing on.
    onOutput: (line) => {
      if (/error|panic/i.test(line)) onOutput?.(line);
    },
  });
  try {
    if (genesisTimestamp !== undefined) await rpc(child.ready.url, 'anvil_setTime', [Math.floor(Date.now() / 1000)]);
  } catch (error) {
    await child.stop();
    throw new Error(`The embedded chain (anvil) did not take the current time: ${(error as Error).message}`);
  }
  const chainId = await readChainId(child.ready.url);
  return { url: child.ready.url, chainId, embedded: true, pid: child.pid, exited: child.exited, stop: () => child.stop() };
}

/** Connects to an existing chain and reads its chain id; the error says how to fix an unreachable URL. */
export async function connectChain(url: string): Promise<StackChain> {
  const chainId = await readChainId(url);
  return { url, chainId, embedded: false };
}

async function readChainId(url: string): Promise<number> {
  try {
    const result = await rpc<string | undefined>(url, 'eth_chainId', []);
    if (!result) throw new Error('eth_chainId gave no result');
    return Number(BigInt(result));
  } catch (error) {
    throw new Error(`No EVM JSON-RPC answer from ${url} (${(error as Error).message}). Check RPC_URL, or unset it to run the embedded chain.`);
  }
}
