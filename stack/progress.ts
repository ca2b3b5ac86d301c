/**
 * Progress lines of the stack: one line when a step starts, one when it ends with its duration, and
 * indented detail lines in between. Tests pass a quiet or collecting logger instead of the console.
 */
export interface ProgressLog {
  step<T>(title: string, run: (detail: (line: string) => void) => Promise<T>): Promise<T>;
  info(line: string): void;
}

export function consoleProgress(write: (text: string) => void = (text) => process.stdout.write(text)): ProgressLog {
  return {
    async step(title, run) {
      const started = Date.now();
      write(`▸ ${title}\n`);
      try {
        const result = await run((line) => write(`    ${line}\n`));
        write(`✓ ${title} (${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
        return result;
      } catch (error) {
        write(`✗ ${title}\n`);
        throw error;
      }
    },
    info(line) {
      write(`${line}\n`);
    },
  };
}

/** Swallows progress; keeps the lines for a failure message. */
export function quietProgress(lines: string[] = []): ProgressLog {
  return {
    async step(title, run) {
      lines.push(`▸ ${title}`);
      return run((line) => lines.push(`    ${line}`));
    },
    info(line) {
      lines.push(line);
    },
  };
}
