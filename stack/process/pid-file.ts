/**
 * The PIDs a running stack's parts have, kept in `<data folder>/stack/pids.json` while it runs, so a
 * start after a launcher that was killed (SIGKILL: no hook of its runs) finds the parts it left and
 * stops them, instead of failing on their ports. A PID is trusted only while /proc/<pid>/cmdline is
 * still the command line recorded with it (PIDs are reused). The file is removed when the stack stops.
 */
import { existsSync, readFileSync } from 'node:fs';
import { chmod, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pollUntil } from './poll';

/** What stops a part cleanly: SIGINT for graph-node (it ignores SIGTERM) and PostgreSQL (fast shutdown). */
export type StopSignal = 'SIGTERM' | 'SIGINT';

export interface StackPart {
  name: string;
  pid: number;
  stopSignal: StopSignal;
}

interface PidFile {
  launcher: { pid: number; cmdline?: string };
  parts: Array<StackPart & { cmdline?: string }>;
}

/** The command line of process `pid` (arguments joined by spaces), or undefined when it is gone or there is no /proc. */
export function commandLine(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ') || undefined;
  } catch {
    return undefined;
  }
}

const pidFile = (stateDir: string) => path.join(stateDir, 'pids.json');

export async function writePidFile(stateDir: string, parts: StackPart[]): Promise<void> {
  const content: PidFile = {
    launcher: { pid: process.pid, cmdline: commandLine(process.pid) },
    parts: parts.map((part) => ({ ...part, cmdline: commandLine(part.pid) })),
  };
  await mkdir(stateDir, { recursive: true });
  // Command lines are the launcher's business only: readable by its own user alone.
  await writeFile(pidFile(stateDir), `${JSON.stringify(content, null, 2)}\n`, { mode: 0o600 });
  await chmod(pidFile(stateDir), 0o600);
}

export async function removePidFile(stateDir: string): Promise<void> {
  await rm(pidFile(stateDir), { force: true });
}

/** Whether a process with this PID exists (it may be another program: see commandLine). EPERM: it exists, owned by another user. */
export const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/**
 * Stops what an earlier run on this data folder left running (newest part first), telling `log`
 * which; throws when that run's launcher itself still runs (two stacks on one folder would corrupt it).
 */
export async function stopLeftovers(stateDir: string, log: (line: string) => void): Promise<void> {
  const file = pidFile(stateDir);
  if (!existsSync(file)) return;
  let recorded: PidFile;
  try {
    recorded = JSON.parse(await readFile(file, 'utf8')) as PidFile;
  } catch {
    await rm(file, { force: true });
    return;
  }
  const { launcher } = recorded;
  if (launcher.pid !== process.pid && launcher.cmdline && commandLine(launcher.pid) === launcher.cmdline) {
    throw new Error(`Another stack (pid ${launcher.pid}: ${launcher.cmdline}) is running on ${path.dirname(stateDir)}: stop it first (Ctrl-C in its terminal, or kill -INT ${launcher.pid}), or use another DATA_DIR.`);
  }
  for (const part of [...recorded.parts].reverse()) {
    if (!part.cmdline || commandLine(part.pid) !== part.cmdline) continue;
    log(`stopping ${part.name} (pid ${part.pid}), left running by an earlier run that ended without stopping it`);
    process.kill(part.pid, part.stopSignal);
    const gone = () => !alive(part.pid);
    await pollUntil(gone, { timeoutMs: 15_000, timedOut: () => new Error('still running') }).catch(async () => {
      log(`${part.name} (pid ${part.pid}) did not stop within 15 s; killing it`);
      process.kill(part.pid, 'SIGKILL');
      await pollUntil(gone, { timeoutMs: 15_000, timedOut: () => new Error(`${part.name} (pid ${part.pid}) survived SIGKILL for 15 s; stop it yourself (kill -9 ${part.pid}).`) });
    });
  }
  await rm(file, { force: true });
}
