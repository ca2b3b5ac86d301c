import path from 'node:path';
import { REPO_ROOT } from '../api/src/config';
import { spawnWithReadyLine } from './child-process';

/** The chain the stack talks to: its own Hardhat network, or an existing endpoint. */
export interface StackChain {
  url: string;
  chainId: number;
  /** True when the stack started it (a fresh chain: contracts must be deployed). */
  embedded: boolean;
  /** PID of the chain process the stack started. */
  pid?: number;
  stop(): Promise<void>;
}

/** Starts Hardhat's network as a child process on `host:port` (0: a free port). */
export async function startEmbeddedChain(host: string, port: number, onOutput?: (line: string) => void): Promise<StackChain> {
  const child = await spawnWithReadyLine<{ event: 'ready'; url: string }>({
    name: 'The embedded chain (Hardhat network)',
    command: process.execPath,
    args: ['-r', 'ts-node/register/transpile-only', path.join(__dirname, 'chain-process.ts'), host, String(port)],
    cwd: REPO_ROOT,
    env: { ...process.env, HARDHAT_DISABLE_TELEMETRY_PROMPT: 'true', TS_NODE_TRANSPILE_ONLY: 'true' },
    timeoutMs: 60_000,
    onOutput,
  });
  const chainId = await readChainId(child.ready.url);
  return { url: child.ready.url, chainId, embedded: true, pid: child.pid, stop: () => child.stop() };
}

/** Connects to an existing chain and reads its chain id; the error says how to fix an unreachable URL. */
export async function connectChain(url: string): Promise<StackChain> {
  const chainId = await readChainId(url);
  return { url, chainId, embedded: false, stop: async () => undefined };
}

async function readChainId(url: string): Promise<number> {
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [] }),
      signal: AbortSignal.timeout(10_000),
    });
    const body = (await response.json()) as { result?: string; error?: { message: string } };
    if (!body.result) throw new Error(body.error?.message ?? `HTTP ${response.status} without a result`);
    return Number(BigInt(body.result));
  } catch (error) {
    throw new Error(`No EVM JSON-RPC answer from ${url} (${(error as Error).message}). Check RPC_URL, or unset it to run the embedded chain.`);
  }
}
