import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

/** The last `count` non-empty lines of a log file (read from its end, so large logs cost little). */
export function lastLines(file: string, count: number): string[] {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return [];
  }
  try {
    const size = fstatSync(fd).size;
    const length = Math.min(size, 64 * 1024);
    const buffer = Buffer.alloc(length);
    readSync(fd, buffer, 0, length, size - length);
    return buffer
      .toString('utf8')
      .split('\n')
      .filter((line) => line.trim())
      .slice(-count);
  } finally {
    closeSync(fd);
  }
}
