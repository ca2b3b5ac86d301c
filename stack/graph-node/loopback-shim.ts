import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { REPO_ROOT } from '../../contracts/deployment/deployment';
import { promisify } from 'node:util';

const SOURCE = path.join(__dirname, 'loopback-bind.c');

/** How graph-node is kept off the network: a preloaded library, or a reason it could not be. */
export type LoopbackGuard = { preload: string } | { warning: string };

/**
 * graph-node binds all its servers to 0.0.0.0 (hard-coded), its admin JSON-RPC included, which would
 * let anyone on the network deploy or remove subgraphs. On Linux with a C compiler (Debian and CI
 * have one), loopback-bind.c is compiled once into .tools/graph-node/ and preloaded into graph-node,
 * so its servers listen on 127.0.0.1 only, and its admin JSON-RPC accepts connections from
 * graph-node's own user only (the launcher's), not from other local users. Elsewhere the caller must
 * warn that graph-node's ports are open to the network.
 */
export async function loopbackGuard(toolsDir = path.join(REPO_ROOT, '.tools')): Promise<LoopbackGuard> {
  if (process.platform !== 'linux') {
    return { warning: `on ${process.platform} graph-node cannot be kept on loopback (LD_PRELOAD is Linux-only)` };
  }
  const source = readFileSync(SOURCE);
  const hash = createHash('sha256').update(source).digest('hex').slice(0, 16);
  const library = path.join(toolsDir, 'graph-node', `loopback-bind-${hash}.so`);
  if (existsSync(library)) return { preload: library };
  await mkdir(path.dirname(library), { recursive: true });
  // Concurrent test workers may build at once: each compiles to its own file, then renames it.
  const partial = `${library}.${process.pid}.tmp`;
  try {
    await promisify(execFile)('cc', ['-shared', '-fPIC', '-O2', '-o', partial, SOURCE, '-ldl']);
    await rename(partial, library);
    return { preload: library };
  } catch (error) {
    await rm(partial, { force: true });
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no C compiler (cc) is installed' : (error as Error).message.split('\n')[0];
    return { warning: `the loopback shim for graph-node could not be built (${reason}; apt-get install gcc fixes it)` };
  }
}
