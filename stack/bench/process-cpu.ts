/** What the benches measure processes with. */
import { existsSync, readFileSync } from 'node:fs';

/**
 * CPU seconds (user + system) used so far by a process and its descendants still running (e.g. the
 * workers of a node:cluster primary), from Linux's /proc. Null where /proc is not available.
 */
export function processTreeCpuSeconds(pid: number): number | null {
  const ticksPerSecond = 100; // USER_HZ, 100 on every Linux architecture Node runs on
  const read = (id: number): number => {
    let ticks = 0;
    try {
      // Fields after the command name (which may contain spaces) start at `state`; utime and stime
      // are fields 14 and 15 of the whole line.
      const stat = readFileSync(`/proc/${id}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
      const children = readFileSync(`/proc/${id}/task/${id}/children`, 'utf8').trim();
      for (const child of children ? children.split(' ') : []) ticks += read(Number(child));
    } catch {
      // The process ended meanwhile.
    }
    return ticks;
  };
  if (!existsSync(`/proc/${pid}/stat`)) return null;
  return read(pid) / ticksPerSecond;
}
