/**
 * Builds a fixture subgraph under test/subgraph/fixtures/<name>/ the way a user builds theirs:
 * compiles its Solidity with the pinned `solc` npm package, writes each contract's ABI to
 * `abis/<Contract>.json` (and the bytecode next to it for deployment), then runs `graph codegen` and
 * `graph build`. The output (`abis/`, `generated/`, `build/`) is ignored by git and reused while the
 * fixture's sources are unchanged (a hash of them is kept in `build/.fixture-hash`).
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export const FIXTURES_DIR = path.resolve(__dirname, '../../fixtures');
const REPO_ROOT = path.resolve(__dirname, '../../../..');

export interface CompiledContract {
  abi: unknown[];
  bytecode: string;
}

export interface BuiltFixture {
  /** Folder of the fixture's sources. */
  dir: string;
  /** `graph build` output folder (contains subgraph.yaml). */
  buildDir: string;
  contracts: Record<string, CompiledContract>;
}

function listFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) => {
      const full = path.join(dir, entry.name);
      return entry.isDirectory() ? listFiles(full) : [full];
    })
    .sort();
}

function sourceHash(dir: string, solidityDir: string): string {
  const hash = createHash('sha256');
  const inputs = [
    path.join(dir, 'schema.graphql'),
    path.join(dir, 'subgraph.yaml'),
    ...listFiles(path.join(dir, 'src')),
    ...listFiles(solidityDir),
  ];
  for (const file of inputs) {
    hash.update(path.relative(dir, file));
    hash.update(fs.readFileSync(file));
  }
  return hash.digest('hex');
}

/** Compiles every .sol file of `solidityDir` with solc 0.8.28 (optimizer on, cancun). */
export function compileSolidity(solidityDir: string): Record<string, CompiledContract> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const solc = require('solc') as { compile(input: string): string };
  const sources: Record<string, { content: string }> = {};
  for (const file of listFiles(solidityDir).filter((f) => f.endsWith('.sol'))) {
    sources[path.basename(file)] = { content: fs.readFileSync(file, 'utf8') };
  }
  const input = {
    language: 'Solidity',
    sources,
    settings: {
      evmVersion: 'cancun',
      optimizer: { enabled: true, runs: 200 },
      outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object'] } },
    },
  };
  const output = JSON.parse(solc.compile(JSON.stringify(input))) as {
    errors?: { severity: string; formattedMessage: string }[];
    contracts: Record<string, Record<string, { abi: unknown[]; evm: { bytecode: { object: string } } }>>;
  };
  const errors = (output.errors ?? []).filter((e) => e.severity === 'error');
  if (errors.length > 0) {
    throw new Error(`solc failed on ${solidityDir}:\n${errors.map((e) => e.formattedMessage).join('\n')}`);
  }
  const contracts: Record<string, CompiledContract> = {};
  for (const byName of Object.values(output.contracts)) {
    for (const [name, contract] of Object.entries(byName)) {
      contracts[name] = { abi: contract.abi, bytecode: `0x${contract.evm.bytecode.object}` };
    }
  }
  return contracts;
}

function graph(args: string[], cwd: string): void {
  const bin = path.join(REPO_ROOT, 'node_modules', '.bin', 'graph');
  try {
    execFileSync(bin, args, { cwd, stdio: 'pipe', env: { ...process.env, GRAPH_CLI_TELEMETRY: 'false' } });
  } catch (error) {
    const e = error as { stdout?: Buffer; stderr?: Buffer; message: string };
    throw new Error(
      `graph ${args.join(' ')} failed in ${cwd}:\n${e.stdout?.toString() ?? ''}${e.stderr?.toString() ?? ''}${e.message}`,
    );
  }
}

/**
 * Builds fixture `name` (test/subgraph/fixtures/<name>) unless its build is current. Solidity comes
 * from `<fixture>/contracts`, or from `solidityFrom` (another fixture's folder) when given.
 */
/** Compiles with solc unless `abis/.compiled.json` holds the output for the same sources. */
function compileCached(solidityDir: string, abisDir: string): Record<string, CompiledContract> {
  const hash = createHash('sha256');
  for (const file of listFiles(solidityDir)) hash.update(path.basename(file)).update(fs.readFileSync(file));
  const key = hash.digest('hex');
  const cacheFile = path.join(abisDir, '.compiled.json');
  if (fs.existsSync(cacheFile)) {
    const cached = JSON.parse(fs.readFileSync(cacheFile, 'utf8')) as { key: string; contracts: Record<string, CompiledContract> };
    if (cached.key === key) return cached.contracts;
  }
  const contracts = compileSolidity(solidityDir);
  fs.writeFileSync(cacheFile, JSON.stringify({ key, contracts }));
  return contracts;
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Runs `work` holding `<dir>/.build-lock` (a directory, created atomically), so that test files
 * running in parallel Jest workers do not build the same fixture at the same time.
 */
function withBuildLock<T>(dir: string, work: () => T): T {
  const lock = path.join(dir, '.build-lock');
  const deadline = Date.now() + 10 * 60_000;
  for (;;) {
    try {
      fs.mkdirSync(lock);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const held = fs.statSync(lock, { throwIfNoEntry: false });
      const age = held ? Date.now() - held.mtimeMs : 0;
      if (age > 10 * 60_000) fs.rmSync(lock, { recursive: true, force: true }); // left by a killed run
      if (Date.now() > deadline) throw new Error(`${lock} is still held after 10 minutes`);
      sleepSync(200);
    }
  }
  try {
    return work();
  } finally {
    fs.rmSync(lock, { recursive: true, force: true });
  }
}

export function buildFixtureSubgraph(name: string, options: { solidityFrom?: string } = {}): BuiltFixture {
  return withBuildLock(path.join(FIXTURES_DIR, name), () => buildUnlocked(name, options));
}

function buildUnlocked(name: string, options: { solidityFrom?: string }): BuiltFixture {
  const dir = path.join(FIXTURES_DIR, name);
  const solidityDir = path.join(FIXTURES_DIR, options.solidityFrom ?? name, 'contracts');
  const abisDir = path.join(dir, 'abis');
  fs.mkdirSync(abisDir, { recursive: true });
  const contracts = compileCached(solidityDir, abisDir);
  for (const [contractName, contract] of Object.entries(contracts)) {
    const file = path.join(abisDir, `${contractName}.json`);
    const text = `${JSON.stringify(contract.abi, null, 2)}\n`;
    if (!fs.existsSync(file) || fs.readFileSync(file, 'utf8') !== text) fs.writeFileSync(file, text);
  }
  const buildDir = path.join(dir, 'build');
  const hashFile = path.join(buildDir, '.fixture-hash');
  const hash = sourceHash(dir, solidityDir);
  if (fs.existsSync(hashFile) && fs.readFileSync(hashFile, 'utf8') === hash) {
    return { dir, buildDir, contracts };
  }
  fs.rmSync(buildDir, { recursive: true, force: true });
  graph(['codegen', 'subgraph.yaml', '--output-dir', 'generated'], dir);
  graph(['build', 'subgraph.yaml', '--output-dir', 'build'], dir);
  fs.writeFileSync(hashFile, hash);
  return { dir, buildDir, contracts };
}
