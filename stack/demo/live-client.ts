/**
 * A subscriber of the API's GraphQL subscriptions as any client would be: graphql-ws's own client over
 * `ws`, signed in by the session cookie on the upgrade request (what a browser sends by itself). The
 * API's tests and benchmark use it.
 */
import { createClient, type Client, type ExecutionResult } from 'graphql-ws';
import WebSocket from 'ws';

/** graphql-ws's client on `ws`, sending `cookie` with the upgrade request. */
export function liveClient(apiUrl: string, cookie: string | null, options: { onClosed?: (code: number, reason: string) => void } = {}): Client {
  const url = `${apiUrl.replace(/^http/, 'ws')}/graphql`;
  class CookieSocket extends WebSocket {
    constructor(address: string, protocols?: string | string[]) {
      super(address, protocols, cookie ? { headers: { cookie } } : {});
    }
  }
  return createClient({
    url,
    webSocketImpl: CookieSocket,
    lazy: false,
    retryAttempts: 0,
    on: { closed: (event) => options.onClosed?.((event as { code: number }).code, String((event as { reason: unknown }).reason)) },
    onNonLazyError: () => undefined,
  });
}

/** One subscription's results as they come, with a way to wait for one that matches. */
export class Subscription<T> {
  readonly results: T[] = [];
  error: unknown;
  done = false;
  private waiters: (() => void)[] = [];
  readonly unsubscribe: () => void;

  constructor(client: Client, query: string, variables: Record<string, unknown> = {}) {
    this.unsubscribe = client.subscribe<T>(
      { query, variables },
      {
        next: (result: ExecutionResult<T>) => {
          if (result.errors?.length) this.error = result.errors;
          else if (result.data) this.results.push(result.data);
          this.wake();
        },
        error: (error) => {
          this.error = error;
          this.done = true;
          this.wake();
        },
        complete: () => {
          this.done = true;
          this.wake();
        },
      },
    );
  }

  private wake(): void {
    for (const waiter of this.waiters.splice(0)) waiter();
  }

  /** Resolves with the first result `match` accepts (already received or to come); rejects when the subscription ends first. */
  async until(match: (result: T) => boolean): Promise<T> {
    for (;;) {
      const found = this.results.find(match);
      if (found) return found;
      if (this.done) throw new Error(`The subscription ended before the awaited result: ${JSON.stringify(this.error ?? 'completed')}`);
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  /** Resolves when the subscription ends (completed or failed). */
  async ended(): Promise<void> {
    while (!this.done) await new Promise<void>((resolve) => this.waiters.push(resolve));
  }
}
