import http from 'node:http';
import https from 'node:https';
import { print, type DocumentNode } from 'graphql';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { MetaDocument } from './documents';

/** A subgraph endpoint answered with errors, or could not be reached. */
export class SubgraphError extends Error {
  constructor(
    message: string,
    readonly details: { url: string; status?: number; errors?: unknown[] },
  ) {
    super(message);
    this.name = 'SubgraphError';
  }
}

/** Counts of round trips, for tests and benchmarks that prove lists do not multiply requests. */
export interface RoundTripCounter {
  subgraphRequests: number;
}

/**
 * HTTP client of a graph-node compatible GraphQL endpoint (graph-node, The Graph's gateway, or the
 * project's local node): keep-alive connections, printed documents cached per operation.
 */
export class SubgraphClient {
  private readonly url: URL;
  private readonly agent: http.Agent;
  private readonly printed = new WeakMap<DocumentNode, string>();
  readonly counter: RoundTripCounter = { subgraphRequests: 0 };

  constructor(
    url: string,
    private readonly timeoutMs = 10_000,
  ) {
    this.url = new URL(url);
    const Agent = this.url.protocol === 'https:' ? https.Agent : http.Agent;
    this.agent = new Agent({ keepAlive: true, maxSockets: 64, maxFreeSockets: 64 });
  }

  get endpoint(): string {
    return this.url.toString();
  }

  private text(document: DocumentNode): string {
    let query = this.printed.get(document);
    if (query === undefined) {
      query = print(document);
      this.printed.set(document, query);
    }
    return query;
  }

  /** Runs one operation; rejects with SubgraphError on transport or GraphQL errors. */
  request<TResult, TVariables>(document: TypedDocumentNode<TResult, TVariables>, variables: TVariables): Promise<TResult> {
    this.counter.subgraphRequests += 1;
    const body = JSON.stringify({ query: this.text(document), variables });
    const transport = this.url.protocol === 'https:' ? https : http;
    return new Promise<TResult>((resolve, reject) => {
      const req = transport.request(
        this.url,
        {
          method: 'POST',
          agent: this.agent,
          headers: { 'content-type': 'application/json', accept: 'application/json', 'content-length': Buffer.byteLength(body) },
          timeout: this.timeoutMs,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('error', reject);
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let parsed: { data?: TResult; errors?: { message: string }[] };
            try {
              parsed = JSON.parse(text) as typeof parsed;
            } catch {
              reject(new SubgraphError(`The subgraph at ${this.url} answered HTTP ${res.statusCode} with a body that is not JSON.`, { url: this.url.toString(), status: res.statusCode }));
              return;
            }
            if (parsed.errors?.length || !parsed.data) {
              const messages = parsed.errors?.map((error) => error.message).join('; ') ?? 'no data';
              reject(new SubgraphError(`The subgraph at ${this.url} refused a query: ${messages}`, { url: this.url.toString(), status: res.statusCode, errors: parsed.errors }));
              return;
            }
            resolve(parsed.data);
          });
        },
      );
      req.on('timeout', () => req.destroy(new SubgraphError(`The subgraph at ${this.url} did not answer within ${this.timeoutMs} ms.`, { url: this.url.toString() })));
      req.on('error', (error) =>
        reject(error instanceof SubgraphError ? error : new SubgraphError(`The subgraph at ${this.url} cannot be reached: ${error.message}`, { url: this.url.toString() })),
      );
      req.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

/** What every subgraph operation of the API selects and takes, so it can be pinned to one block. */
interface PinnableResult {
  _meta?: { block: { number: number } } | null;
}
interface PinnableVariables {
  block?: unknown;
}

/**
 * The subgraph as one API request sees it: the first read fixes the block (the `_meta` block it was
 * answered at), and every later read of the request asks for exactly that block, so merged answers
 * are consistent even while the indexer moves on (DESIGN.md, "Query semantics").
 *
 * Reads that start while the first is in flight wait for it to fix the block.
 */
export class PinnedSubgraph {
  private pin: Promise<number> | undefined;

  constructor(
    private readonly client: SubgraphClient,
    /** A block asked for explicitly (time-travel queries); otherwise the first read's block. */
    fixedBlock?: number,
  ) {
    if (fixedBlock !== undefined) this.pin = Promise.resolve(fixedBlock);
  }

  /** The block this request reads at, fixing it with a `_meta` query when nothing has been read yet. */
  async block(): Promise<number> {
    if (this.pin === undefined) {
      this.pin = this.client.request(MetaDocument, {}).then((data) => data._meta!.block.number);
    }
    return this.pin;
  }

  async query<TResult extends PinnableResult, TVariables extends PinnableVariables>(
    document: TypedDocumentNode<TResult, TVariables>,
    variables: Omit<TVariables, 'block'>,
  ): Promise<TResult> {
    if (this.pin === undefined) {
      let settle!: (block: number) => void;
      let fail!: (error: unknown) => void;
      this.pin = new Promise<number>((resolve, reject) => {
        settle = resolve;
        fail = reject;
      });
      // Keep the pin from surfacing as an unhandled rejection when nobody else waits on it.
      this.pin.catch(() => undefined);
      try {
        const data = await this.client.request(document, { ...variables, block: null } as TVariables);
        if (!data._meta) throw new Error('Every subgraph operation of the API must select _meta { block { number } } to pin its block.');
        settle(data._meta.block.number);
        return data;
      } catch (error) {
        fail(error);
        throw error;
      }
    }
    const number = await this.pin;
    return this.client.request(document, { ...variables, block: { number } } as TVariables);
  }
}
