/**
 * A small Ethereum JSON-RPC client over fetch with request batching (one HTTP round trip for many
 * calls) and retries of transport failures. JSON-RPC errors are returned to the caller per call.
 */
export class JsonRpcError extends Error {
  override name = 'JsonRpcError';
  constructor(
    readonly method: string,
    readonly code: number,
    message: string,
    readonly data?: unknown,
  ) {
    super(`${method} failed: ${message} (code ${code})`);
  }
}

export interface RpcCall {
  method: string;
  params: unknown[];
}

interface RpcResponse {
  id: number;
  result?: unknown;
  error?: { code: number; message: string; data?: unknown };
}

export class JsonRpcClient {
  private nextId = 1;

  constructor(
    readonly url: string,
    private readonly options: { retries?: number; maxBatch?: number } = {},
  ) {}

  async request<T>(method: string, params: unknown[] = []): Promise<T> {
    const [result] = await this.batch<T>([{ method, params }]);
    if (result instanceof JsonRpcError) throw result;
    return result;
  }

  /** Sends calls in batches; each result is the value or the call's `JsonRpcError`. */
  async batch<T>(calls: RpcCall[]): Promise<(T | JsonRpcError)[]> {
    const maxBatch = this.options.maxBatch ?? 500;
    const out: (T | JsonRpcError)[] = [];
    for (let start = 0; start < calls.length; start += maxBatch) {
      out.push(...(await this.sendBatch<T>(calls.slice(start, start + maxBatch))));
    }
    return out;
  }

  /** Like `batch`, but throws the first error. */
  async batchOrThrow<T>(calls: RpcCall[]): Promise<T[]> {
    const results = await this.batch<T>(calls);
    for (const result of results) if (result instanceof JsonRpcError) throw result;
    return results as T[];
  }

  private async sendBatch<T>(calls: RpcCall[]): Promise<(T | JsonRpcError)[]> {
    if (calls.length === 0) return [];
    const firstId = this.nextId;
    this.nextId += calls.length;
    const body = JSON.stringify(calls.map((call, i) => ({ jsonrpc: '2.0', id: firstId + i, method: call.method, params: call.params })));
    const retries = this.options.retries ?? 5;
    let lastError: unknown;
    for (let attempt = 0; attempt <= retries; attempt++) {
      try {
        const response = await fetch(this.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
        const text = await response.text();
        let parsed: RpcResponse[] | RpcResponse;
        try {
          parsed = JSON.parse(text) as RpcResponse[] | RpcResponse;
        } catch {
          throw new Error(`HTTP ${response.status} from ${this.url}: ${text.slice(0, 200)}`);
        }
        const responses = Array.isArray(parsed) ? parsed : [parsed];
        if (!Array.isArray(parsed) && parsed.error && calls.length > 1) {
          throw new Error(`${this.url} rejected a batch of ${calls.length}: ${parsed.error.message}`);
        }
        const byId = new Map(responses.map((r) => [r.id, r]));
        return calls.map((call, i) => {
          const response = byId.get(firstId + i) ?? (calls.length === 1 ? responses[0] : undefined);
          if (!response) return new JsonRpcError(call.method, -32603, 'no response in the batch');
          if (response.error) return new JsonRpcError(call.method, response.error.code, response.error.message, response.error.data);
          return response.result as T;
        });
      } catch (error) {
        lastError = error;
        if (attempt < retries) await new Promise((resolve) => setTimeout(resolve, 200 * 2 ** attempt));
      }
    }
    throw new Error(`JSON-RPC request to ${this.url} failed after ${retries + 1} attempts: ${String((lastError as Error)?.message ?? lastError)}`);
  }
}
