import { execFile, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { chmod, copyFile, cp, mkdir, open, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import path from 'node:path';
import { REPO_ROOT } from '../../api/src/config';
import { alive } from '../process/pid-file';

/** The Go launcher's sources: main.go, go.mod and go.sum (FerretDB v1.24.2 and its checksums). */
export const LAUNCHER_SOURCE_DIR = path.join(REPO_ROOT, 'stack', 'documents', 'ferretdb');
const LAUNCHER_SOURCES = ['main.go', 'go.mod', 'go.sum'];
/**
 * The project's small changes to FerretDB, applied to a copy of the module from Go's module cache at
 * build time (as patch-package does for npm packages); FerretDB's sources are never kept here.
 * `pushdown-in.patch`: a `$in` of strings reaches PostgreSQL as a containment an index serves, instead
 * of FerretDB reading and decoding the whole collection (see docs/benchmarks.md).
 */
const PATCHES_DIR = path.join(LAUNCHER_SOURCE_DIR, 'patches');
const FERRETDB_MODULE = 'github.com/FerretDB/FerretDB';

function patchFiles(): string[] {
  return readdirSync(PATCHES_DIR)
    .filter((name) => name.endsWith('.patch'))
    .sort();
}
/** The launcher only uses the PostgreSQL handler; leaving SQLite out makes the build smaller. */
const BUILD_TAGS = 'ferretdb_no_sqlite';
/** FerretDB v1.24.2's go.mod asks for Go 1.24. */
export const MINIMUM_GO = [1, 24] as const;

export type BuildLog = (line: string) => void;

const defaultLog: BuildLog = (line) => process.stderr.write(`[ferretdb build] ${line}\n`);

/** Go is not installed, so the embedded database cannot be built. */
export class GoToolchainMissingError extends Error {
  constructor() {
    super(
      'The embedded database (FerretDB) is built from Go sources on first use, but `go` was not found on PATH. ' +
        `Either set MONGODB_URI to a MongoDB you run (e.g. mongodb://127.0.0.1:27017/health-records), ` +
        `or install Go >= ${MINIMUM_GO.join('.')} (https://go.dev/doc/install) and run \`npm run setup:ferretdb\`.`,
    );
    this.name = 'GoToolchainMissingError';
  }
}

/** A short hash of everything that determines the binary, so a changed source gets a fresh build. */
export function launcherSourceHash(): string {
  const hash = createHash('sha256');
  for (const file of LAUNCHER_SOURCES) {
    hash.update(file).update('\0').update(readFileSync(path.join(LAUNCHER_SOURCE_DIR, file))).update('\0');
  }
  for (const file of patchFiles()) {
    hash.update(file).update('\0').update(readFileSync(path.join(PATCHES_DIR, file))).update('\0');
  }
  hash.update(`${BUILD_TAGS}\0${process.platform}\0${process.arch}`);
  return hash.digest('hex').slice(0, 16);
}

/** The project's git-ignored folder for built tools. */
export const DEFAULT_TOOLS_DIR = path.join(REPO_ROOT, '.tools');

/** Where the launcher for the current sources lives: `<tools>/ferretdb/<hash>/ferretdb-launcher`. */
export function launcherBinaryPath(toolsDir = DEFAULT_TOOLS_DIR): string {
  const name = process.platform === 'win32' ? 'ferretdb-launcher.exe' : 'ferretdb-launcher';
  return path.join(toolsDir, 'ferretdb', launcherSourceHash(), name);
}

/** `go version` as [major, minor], or null when Go is not on PATH. */
function goVersion(env: NodeJS.ProcessEnv): [number, number] | null {
  const result = spawnSync('go', ['env', 'GOVERSION'], { encoding: 'utf8', env });
  if (result.error) {
    if ((result.error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw result.error;
  }
  const match = /go(\d+)\.(\d+)/.exec(result.stdout);
  if (result.status !== 0 || !match) {
    throw new Error(`\`go env GOVERSION\` failed (exit ${result.status}): ${result.stderr.trim() || result.stdout.trim()}`);
  }
  return [Number(match[1]), Number(match[2])];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Takes the build lock for `binary`, or waits while another live process holds it. Returns a release
 * function, or null when another process finished the build meanwhile.
 */
async function acquireBuildLock(binary: string, log: BuildLog): Promise<(() => Promise<void>) | null> {
  const lockPath = `${path.dirname(binary)}.lock`;
  let announced = false;
  for (;;) {
    if (existsSync(binary)) return null;
    try {
      const handle = await open(lockPath, 'wx');
      await handle.writeFile(String(process.pid));
      await handle.close();
      return () => rm(lockPath, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = Number((await readFile(lockPath, 'utf8').catch(() => '')).trim());
    if (!Number.isInteger(holder) || holder <= 0 || !alive(holder)) {
      // The process that took the lock is gone (or was writing its PID a moment ago: retry once).
      await sleep(200);
      const again = Number((await readFile(lockPath, 'utf8').catch(() => '')).trim());
      if (again === holder) await rm(lockPath, { force: true });
      continue;
    }
    if (!announced) {
      log(`waiting for process ${holder}, which is building the launcher…`);
      announced = true;
    }
    await sleep(1000);
  }
}

const run = promisify(execFile);

/**
 * Prepares `buildDir` for `go build`: FerretDB's module (the version go.mod pins, from Go's module
 * cache, downloaded through the module proxy on first use) copied and patched, and the launcher's sources
 * with a `replace` pointing FerretDB at that copy.
 */
async function preparePatchedSources(buildDir: string, log: BuildLog, env: NodeJS.ProcessEnv): Promise<void> {
  const goMod = await readFile(path.join(LAUNCHER_SOURCE_DIR, 'go.mod'), 'utf8');
  const requireLine = goMod.split('\n').find((line) => line.startsWith(`require ${FERRETDB_MODULE} `));
  const version = requireLine?.slice(`require ${FERRETDB_MODULE} `.length).trim();
  if (!version) throw new Error(`stack/documents/ferretdb/go.mod does not require ${FERRETDB_MODULE} on a line of its own; restore it from git.`);
  const { stdout } = await run('go', ['mod', 'download', '-json', `${FERRETDB_MODULE}@${version}`], { cwd: LAUNCHER_SOURCE_DIR, env });
  const moduleDir = (JSON.parse(stdout) as { Dir?: string }).Dir;
  if (!moduleDir) throw new Error(`\`go mod download ${FERRETDB_MODULE}@${version}\` did not say where the module is: ${stdout.trim()}`);

  await rm(buildDir, { recursive: true, force: true });
  const ferretdbDir = path.join(buildDir, 'FerretDB');
  // The module cache is read-only: the copy is made writable before it is patched.
  await cp(moduleDir, ferretdbDir, { recursive: true });
  await run('chmod', ['-R', 'u+w', ferretdbDir]);
  for (const patch of patchFiles()) {
    log(`applying ${path.relative(REPO_ROOT, path.join(PATCHES_DIR, patch))} to FerretDB ${version}`);
    try {
      await run('git', ['apply', '--unsafe-paths', '-p1', path.join(PATCHES_DIR, patch)], { cwd: ferretdbDir, env });
    } catch (error) {
      throw new Error(`${patch} does not apply to FerretDB ${version} (was go.mod's version changed? update the patch): ${(error as { stderr?: string }).stderr ?? error}`);
    }
  }

  const launcherDir = path.join(buildDir, 'launcher');
  await mkdir(launcherDir, { recursive: true });
  for (const file of ['main.go', 'go.sum']) await copyFile(path.join(LAUNCHER_SOURCE_DIR, file), path.join(launcherDir, file));
  await writeFile(path.join(launcherDir, 'go.mod'), `${goMod.trimEnd()}\n\nreplace ${FERRETDB_MODULE} => ../FerretDB\n`);
}

function runGoBuild(output: string, log: BuildLog, env: NodeJS.ProcessEnv, sourceDir: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('go', ['build', '-v', '-trimpath', '-tags', BUILD_TAGS, '-o', output, '.'], {
      cwd: sourceDir,
      // go.sum is committed: refuse to change it, so the build uses exactly the pinned modules.
      env: { ...env, GOFLAGS: [env.GOFLAGS, '-mod=readonly'].filter(Boolean).join(' ') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const tail: string[] = [];
    const forward = (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (!line.trim()) continue;
        log(line);
        tail.push(line);
        if (tail.length > 30) tail.shift();
      }
    };
    child.stdout.on('data', forward);
    child.stderr.on('data', forward);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (code === 0) resolve();
      else reject(new Error(`go build of the FerretDB launcher failed (${signal ?? `exit ${code}`}):\n${tail.join('\n')}`));
    });
  });
}

/**
 * Returns the path of the FerretDB launcher binary, building it first when the current sources have
 * not been built yet. The first build downloads FerretDB's modules from the Go module proxy and
 * compiles them (a few minutes on two cores); `go build -v` prints each package as it goes.
 */
export async function ensureFerretdbLauncher(
  options: {
    log?: BuildLog;
    /** Folder for built tools (default: the repository's `.tools/`). */
    toolsDir?: string;
    /** Environment of the Go commands (default: this process's). */
    env?: NodeJS.ProcessEnv;
  } = {},
): Promise<string> {
  const log = options.log ?? defaultLog;
  const env = options.env ?? process.env;
  const binary = launcherBinaryPath(options.toolsDir);
  if (existsSync(binary)) return binary;

  const version = goVersion(env);
  if (!version) throw new GoToolchainMissingError();
  const [major, minor] = version;
  if (major < MINIMUM_GO[0] || (major === MINIMUM_GO[0] && minor < MINIMUM_GO[1])) {
    log(
      `go${major}.${minor} is older than the go${MINIMUM_GO.join('.')} FerretDB needs; ` +
        'Go will fetch a newer toolchain itself unless GOTOOLCHAIN=local is set (then install a newer Go).',
    );
  }

  await mkdir(path.dirname(binary), { recursive: true });
  const release = await acquireBuildLock(binary, log);
  if (!release) return binary;
  try {
    if (existsSync(binary)) return binary;
    log(`building the embedded FerretDB launcher into ${path.relative(process.cwd(), binary)} (first run only; go build -v lists each package)…`);
    const started = Date.now();
    const partial = `${binary}.partial-${process.pid}`;
    const buildDir = `${binary}.src-${process.pid}`;
    try {
      await preparePatchedSources(buildDir, log, env);
      await runGoBuild(partial, log, env, path.join(buildDir, 'launcher'));
      await chmod(partial, 0o755);
      await rename(partial, binary);
    } finally {
      await rm(partial, { force: true });
      await rm(buildDir, { recursive: true, force: true });
    }
    log(`built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return binary;
  } finally {
    await release();
  }
}
