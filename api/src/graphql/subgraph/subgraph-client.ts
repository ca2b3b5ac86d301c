import { LRUCache } from 'lru-cache';
import http from 'node:http';
import https from 'node:https';
import { print, type DocumentNode } from 'graphql';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { MetaDocument } from './documents';

/**
 * A subgraph endpoint answered with errors, or could not be reached. `outage` is set when the answer
 * means graph-node cannot serve the subgraph now (see `graphNodeOutage`): nothing is wrong with the
 * query, and the same query succeeds once graph-node can again, so the API answers SERVICE_UNAVAILABLE
 * with that reason. Without it the refusal is the query's own (a bad block, an unknown field).
 */
export class SubgraphError extends Error {
  constructor(
    message: string,
    readonly details: { url: string; status?: number; errors?: unknown[]; outage?: string },
  ) {
    super(message);
    this.name = 'SubgraphError';
  }

  /** Why graph-node cannot serve the subgraph now, for clients ("graph-node … cannot reach its database"), or undefined. */
  get outage(): string | undefined {
    return this.details.outage;
  }
}

/**
 * graph-node's answers that mean it cannot serve the subgraph now, word for word from its source
 * (graphprotocol/graph-node), each with what clients are told. Anything else graph-node refuses is the
 * query's own fault and stays an error of the API.
 */
const GRAPH_NODE_OUTAGES: [answer: RegExp, outage: string][] = [
  // store/postgres/src/deployment.rs: a deployment with no block indexed yet (just deployed, or re-indexing).
  [/has not started syncing yet/, 'has not indexed its first blocks yet; retry in a few seconds.'],
  // graph/src/data/query/error.rs, DeploymentNotFound: no deployment under the name (removed, or not deployed yet).
  [/deployment `[^`]*` does not exist/, 'has no deployment of the subgraph (removed, or not deployed yet); retry once it is deployed again (`npm start` deploys it).'],
  // graph/src/components/store/err.rs, StoreError::DatabaseUnavailable ("Store error: database unavailable"),
  // and the connection losses graph-node passes on as "Store error: store error: <its PostgreSQL client's
  // error>": PostgreSQL ending the connection (shut down or the backend terminated, SQLSTATE 57P01, or
  // not accepting connections, 57P03) and tokio-postgres's I/O, closed-connection and connect errors.
  [
    /database unavailable|terminating connection due to administrator command|the database system is (shutting down|starting up|in recovery mode)|error communicating with the server|server closed the connection unexpectedly|store error: connection closed|error connecting to server|timeout waiting for server/,
    'cannot reach its database; retry in a few seconds.',
  ],
  // StoreError::StatementTimeout, QueryExecutionError::Timeout and ::Throttled: a database or a node too busy to answer.
  [/database query timed out|^Query timed out$|service is overloaded/, 'is overloaded and did not answer in time; retry in a few seconds.'],
  // graphql/src/store/resolver.rs: the deployment failed at or before the block asked for.
  [/^indexing_error$/, 'stopped indexing the subgraph at an indexing error; retry once the subgraph is fixed and deployed again.'],
  // graphql/src/store/resolver.rs, locate_blocks: the block a request pinned is gone (index rebuilt, chain reorganized).
  [/no block with that hash found/, 'no longer has the block this request read at (its index was rebuilt, or the chain reorganized); retry.'],
];

/** What graph-node's error messages say about its availability: the outage, or undefined when they are the query's own. */
export function graphNodeOutage(messages: string[]): string | undefined {
  for (const message of messages) {
    const known = GRAPH_NODE_OUTAGES.find(([answer]) => answer.test(message));
    if (known) return known[1];
  }
  return undefined;
}

/** What clients are told when graph-node does not answer at all. */
export const NOT_ANSWERING = 'is not answering; retry in a few seconds.';

/** Counts of round trips, for tests and benchmarks that prove lists do not multiply requests. */
export interface RoundTripCounter {
  subgraphRequests: number;
}

/**
 * HTTP client of a graph-node GraphQL endpoint (graph-node, embedded or self-hosted, or The Graph's
 * gateway): keep-alive connections, printed documents cached per operation.
 */
export class SubgraphClient {
  private readonly url: URL;
  private readonly agent: http.Agent;
  private readonly printed = new WeakMap<DocumentNode, string>();
  private pendingHead: Promise<BlockPointer> | undefined;
  private readonly documentIds = new Map<DocumentNode, number>();
  private nextDocumentId = 1;
  private readonly answers = new LRUCache<string, Promise<unknown>>({ max: 500 });
  readonly counter: RoundTripCounter = { subgraphRequests: 0 };

  constructor(
    url: string,
    /** How long one request may take, end to end (SUBGRAPH_TIMEOUT_MS). */
    private readonly timeoutMs = 5_000,
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
      const url = this.url.toString();
      const unreachable = (error: Error) => {
        const why = error.name === 'AbortError' || error.name === 'TimeoutError' ? `did not answer within ${this.timeoutMs} ms` : `cannot be reached (${error.message})`;
        reject(new SubgraphError(`The subgraph at ${url} ${why}.`, { url, outage: NOT_ANSWERING }));
      };
      const req = transport.request(
        this.url,
        {
          method: 'POST',
          agent: this.agent,
          headers: { 'content-type': 'application/json', accept: 'application/json', 'content-length': Buffer.byteLength(body) },
          signal: AbortSignal.timeout(this.timeoutMs),
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('error', unreachable);
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let parsed: { data?: TResult; errors?: { message: string }[] };
            try {
              parsed = JSON.parse(text) as typeof parsed;
            } catch {
              const status = res.statusCode ?? 0;
              reject(new SubgraphError(`The subgraph at ${this.url} answered HTTP ${status} with a body that is not JSON.`, { url: this.url.toString(), status, outage: status >= 500 ? NOT_ANSWERING : undefined }));
              return;
            }
            if (parsed.errors?.length || !parsed.data) {
              const messages = parsed.errors?.map((error) => String(error.message)) ?? ['no data'];
              const outage = graphNodeOutage(messages);
              reject(new SubgraphError(`The subgraph at ${this.url} refused a query: ${messages.join('; ')}`, { url: this.url.toString(), status: res.statusCode, errors: parsed.errors, outage }));
              return;
            }
            resolve(parsed.data);
          });
        },
      );
      req.on('error', unreachable);
      req.end(body);
    });
  }

  /**
   * The subgraph's latest indexed block. Requests that ask during the same event-loop turn share one
   * `_meta` query, sent after all of them arrived.
   */
  latestHead(): Promise<BlockPointer> {
    if (!this.pendingHead) {
      this.pendingHead = new Promise<BlockPointer>((resolve, reject) => {
        setImmediate(() => {
          this.pendingHead = undefined;
          this.request(MetaDocument, {}).then((data) => {
            const block = data._meta?.block;
            if (!block) throw new SubgraphError(`The subgraph at ${this.url} has no _meta block: is it deployed and indexing?`, { url: this.url.toString() });
            resolve({ number: block.number, hash: block.hash ?? null });
          }).catch(reject);
        });
      });
    }
    return this.pendingHead;
  }

  /** An answer at a block hash, shared by every request pinned to that block (bounded, least recently used out). */
  atBlock<TResult>(hash: string, document: DocumentNode, variables: unknown, ask: () => Promise<TResult>): Promise<TResult> {
    let id = this.documentIds.get(document);
    if (id === undefined) {
      id = this.nextDocumentId++;
      this.documentIds.set(document, id);
    }
    const key = `${hash}|${id}|${JSON.stringify(variables)}`;
    const cached = this.answers.get(key);
    if (cached) return cached as Promise<TResult>;
    const answer = ask();
    this.answers.set(key, answer);
    answer.catch(() => {
      if (this.answers.peek(key) === answer) this.answers.delete(key);
    });
    return answer;
  }

  close(): void {
    this.agent.destroy();
  }
}

/** What every subgraph operation of the API takes, so it can be pinned to one block. */
interface PinnableVariables {
  block?: unknown;
}

/** A block of the subgraph: its number, and its hash when it is the indexed head a request pinned. */
export interface BlockPointer {
  number: number;
  hash: string | null;
}

/**
 * The subgraph as one API request sees it: the first read fixes the block — the subgraph's latest
 * indexed block, from a `_meta` query sent after the request arrived — and every read of the request
 * asks for exactly that block (`block: { hash }`), so merged answers are consistent while the indexer
 * moves on (DESIGN.md, "Query semantics"). Time-travel reads give the block number themselves.
 *
 * Answers at a block hash never change, so they are shared between requests (as graph-node's own
 * query cache does): a page many clients read costs the subgraph one query per new block.
 */
export class PinnedSubgraph {
  private head: Promise<BlockPointer> | undefined;

  constructor(
    private readonly client: SubgraphClient,
    /** A block asked for explicitly (time-travel queries); otherwise the latest indexed one. */
    fixedBlock?: number,
  ) {
    if (fixedBlock !== undefined) this.head = Promise.resolve({ number: fixedBlock, hash: null });
  }

  /** The block this request reads at, fixed on first use. */
  pointer(): Promise<BlockPointer> {
    this.head ??= this.client.latestHead();
    return this.head;
  }

  async block(): Promise<number> {
    return (await this.pointer()).number;
  }

  async query<TResult, TVariables extends PinnableVariables>(
    document: TypedDocumentNode<TResult, TVariables>,
    variables: Omit<TVariables, 'block'>,
  ): Promise<TResult> {
    const head = await this.pointer();
    if (head.hash === null) {
      return this.client.request(document, { ...variables, block: { number: head.number } } as TVariables);
    }
    const hash = head.hash;
    return this.client.atBlock(hash, document, variables, () =>
      this.client.request(document, { ...variables, block: { hash } } as TVariables),
    );
  }
}
