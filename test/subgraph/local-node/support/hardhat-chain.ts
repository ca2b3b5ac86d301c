/**
 * A Hardhat network in a child process (`hardhat node`) on 127.0.0.1 and a free port, plus the
 * JSON-RPC helpers the local node's tests and benchmark use to deploy fixture contracts and make
 * blocks. A separate process keeps the chain's work out of the indexer's measurements; the child
 * is stopped by its PID.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { Contract, ContractFactory, JsonRpcProvider, type InterfaceAbi, type Signer } from 'ethers';
import { freePort } from '../../../../stack/free-port';

const REPO_ROOT = path.resolve(__dirname, '../../../..');

export interface HardhatChain {
  url: string;
  provider: JsonRpcProvider;
  pid: number;
  /** Sends a raw JSON-RPC request (evm_snapshot, evm_mine, ...). */
  rpc<T = unknown>(method: string, params?: unknown[]): Promise<T>;
  signer(index?: number): Promise<Signer>;
  deploy(abi: InterfaceAbi, bytecode: string, args?: unknown[], from?: number): Promise<Contract>;
  blockNumber(): Promise<number>;
  stop(): Promise<void>;
}

export { freePort };

async function waitForRpc(url: string, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`hardhat node exited with ${child.exitCode}:\n${output()}`);
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [] }),
      });
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
  throw new Error(`hardhat node did not answer on ${url} within 60 s:\n${output()}`);
}

export async function startHardhatChain(): Promise<HardhatChain> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(
    process.execPath,
    [path.join(REPO_ROOT, 'node_modules', 'hardhat', 'internal', 'cli', 'bootstrap.js'), '--config', path.join(__dirname, 'hardhat-chain.config.js'), 'node', '--hostname', '127.0.0.1', '--port', String(port)],
    { cwd: __dirname, env: { ...process.env, HARDHAT_DISABLE_TELEMETRY_PROMPT: 'true' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  const keep = (chunk: Buffer): void => {
    output = (output + chunk.toString()).slice(-4000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    process.kill(child.pid!, 'SIGTERM');
    const timer = setTimeout(() => child.exitCode === null && process.kill(child.pid!, 'SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  };
  try {
    await waitForRpc(url, child, () => output);
  } catch (error) {
    await stop();
    throw error;
  }
  const provider = new JsonRpcProvider(url, 31337, { staticNetwork: true, batchMaxCount: 1, cacheTimeout: -1 });
  provider.pollingInterval = 50;
  const rpc = async <T>(method: string, params: unknown[] = []): Promise<T> => (await provider.send(method, params)) as T;
  return {
    url,
    provider,
    pid: child.pid!,
    rpc,
    signer: (index = 0) => provider.getSigner(index),
    async deploy(abi, bytecode, args = [], from = 0) {
      const factory = new ContractFactory(abi, bytecode, await provider.getSigner(from));
      const contract = await factory.deploy(...args);
      await contract.waitForDeployment();
      return contract as Contract;
    },
    blockNumber: async () => Number(await rpc<string>('eth_blockNumber')),
    async stop() {
      provider.destroy();
      await stop();
    },
  };
}
