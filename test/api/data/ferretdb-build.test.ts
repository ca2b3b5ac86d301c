import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ensureFerretdbLauncher, GoToolchainMissingError, launcherBinaryPath } from '../../../stack/documents/ferretdb-build';
import { START_TIMEOUT_MS } from './support/test-database';

let toolsDir: string;
beforeEach(async () => {
  toolsDir = await mkdtemp(path.join(tmpdir(), 'health-records-tools-'));
});
afterEach(() => rm(toolsDir, { recursive: true, force: true }));

describe('building the FerretDB launcher', () => {
  it('names the alternatives when Go is missing', async () => {
    const error = await ensureFerretdbLauncher({ toolsDir, env: { ...process.env, PATH: '/nonexistent' }, log: () => {} }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(GoToolchainMissingError);
    expect((error as Error).message).toMatch(/MONGODB_URI/);
    expect((error as Error).message).toMatch(/install Go >= 1\.24/);
    expect(existsSync(launcherBinaryPath(toolsDir))).toBe(false);
  });

  it('builds once into <tools>/ferretdb/<source hash>/, showing progress, even when asked twice at once', async () => {
    const lines: string[] = [];
    const log = (line: string) => lines.push(line);
    const [first, second] = await Promise.all([ensureFerretdbLauncher({ toolsDir, log }), ensureFerretdbLauncher({ toolsDir, log })]);
    expect(first).toBe(launcherBinaryPath(toolsDir));
    expect(second).toBe(first);
    expect(path.relative(toolsDir, first)).toMatch(/^ferretdb\/[0-9a-f]{16}\/ferretdb-launcher$/);
    expect(existsSync(first)).toBe(true);
    expect(lines.filter((line) => line.startsWith('building the embedded FerretDB launcher'))).toHaveLength(1);
    // The build reports its time. (Which packages `go build -v` lists depends on Go's own build
    // cache, so they are not asserted.)
    expect(lines.filter((line) => /^built in \d/.test(line))).toHaveLength(1);
    // A later call finds the binary and builds nothing.
    const quiet: string[] = [];
    await ensureFerretdbLauncher({ toolsDir, log: (line) => quiet.push(line) });
    expect(quiet).toEqual([]);
  }, START_TIMEOUT_MS);
});
