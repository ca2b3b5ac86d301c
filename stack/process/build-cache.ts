import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * Content hashes of build inputs, so a step (subgraph build, web build) runs only when something it
 * reads changed since its last successful run. The stamp is the hash of every input file's path and
 * bytes; it is written only after the build succeeds.
 */
async function listFiles(entry: string): Promise<string[]> {
  if (!existsSync(entry)) return [];
  const info = await stat(entry);
  if (info.isFile()) return [entry];
  const files: string[] = [];
  for (const child of (await readdir(entry)).sort()) {
    if (child === 'node_modules' || child.startsWith('.')) continue;
    files.push(...(await listFiles(path.join(entry, child))));
  }
  return files;
}

/** SHA-256 over the files under `inputs` (files or folders), keyed by their paths relative to `root`. */
export async function hashInputs(root: string, inputs: readonly string[], filter: (file: string) => boolean = () => true): Promise<string> {
  const hash = createHash('sha256');
  for (const input of inputs) {
    for (const file of await listFiles(path.resolve(root, input))) {
      if (!filter(file)) continue;
      hash.update(path.relative(root, file)).update('\0').update(await readFile(file)).update('\0');
    }
  }
  return hash.digest('hex');
}

/** A stamp file that remembers the input hash of a build's last success. */
export class BuildStamp {
  constructor(private readonly file: string) {}

  async matches(hash: string): Promise<boolean> {
    try {
      return (await readFile(this.file, 'utf8')).trim() === hash;
    } catch {
      return false;
    }
  }

  async record(hash: string): Promise<void> {
    await mkdir(path.dirname(this.file), { recursive: true });
    await writeFile(this.file, `${hash}\n`);
  }
}
