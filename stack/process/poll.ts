import { setTimeout as sleep } from 'node:timers/promises';

export interface PollOptions {
  /** Give up after this long. */
  timeoutMs: number;
  /** Time between two looks (default 100 ms). */
  everyMs?: number;
  /** The error thrown when the time is up: says what did not happen, and what to do. */
  timedOut: () => Error;
}

/**
 * Looks at `check` until it gives a value (anything but undefined or false) and returns that value.
 * `check` throws to give up at once (the process it waits for died); after `timeoutMs` the error of
 * `timedOut` is thrown.
 */
export async function pollUntil<T>(check: () => Promise<T | undefined | false> | T | undefined | false, options: PollOptions): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw options.timedOut();
    await sleep(options.everyMs ?? 100);
  }
}
