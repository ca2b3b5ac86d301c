import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

/** Removes terminal colour codes from a tool's output line. */
export function plainText(line: string): string {
  return line.replace(/\u001b\[[0-9;]*m/g, '');
}

/** Keeps a build tool's step results and problems, dropping its per-file chatter. */
export function buildSummaryLine(line: string): string | undefined {
  const text = plainText(line).trim();
  if (!text) return undefined;
  return /^(✔|✖|✗|Build completed|Types generated|error|Error|warning|WARN|ERROR)/.test(text) ? text : undefined;
}

/**
 * Runs a build command to completion, passing each output line to `onLine`. Rejects with the exit
 * status and the last lines of output, so a failed build says what went wrong.
 */
export function runCommand(
  what: string,
  command: string,
  args: readonly string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; onLine?: (line: string) => void },
): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const tail: string[] = [];
    const onLine = (line: string) => {
      if (!line.trim()) return;
      tail.push(plainText(line));
      if (tail.length > 25) tail.shift();
      options.onLine?.(line);
    };
    createInterface({ input: child.stdout }).on('line', onLine);
    createInterface({ input: child.stderr }).on('line', onLine);
    child.once('error', (error) => reject(new Error(`${what} could not start \`${command}\`: ${error.message}`)));
    child.once('close', (code, signal) => {
      if (code === 0) resolve();
      else {
        reject(
          new Error(
            `${what} failed (\`${[command, ...args].join(' ')}\` ended with ${signal ?? `exit code ${code}`}). Its last output:\n  ${tail.join('\n  ')}`,
          ),
        );
      }
    });
  });
}
