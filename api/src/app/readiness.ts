import type { Provider } from 'ethers';
import type { Connection } from 'mongoose';
import { pingDatabase } from '../database/availability';
import { ServiceUnavailableError, withDeadline } from '../errors';
import { unavailableDependency } from '../graphql/errors';
import { ReadinessDocument } from '../graphql/subgraph/documents';
import { NOT_ANSWERING, SubgraphError, type SubgraphClient } from '../graphql/subgraph/subgraph-client';

/**
 * `ok`: answering and current. `degraded`: answering, so the API can serve, but behind (graph-node lags
 * the chain). `down`: not answering, or (graph-node) unable to serve the subgraph: requests that need it
 * fail with SERVICE_UNAVAILABLE, and the API is not ready.
 */
export type CheckStatus = 'ok' | 'degraded' | 'down';

export interface DependencyCheck {
  status: CheckStatus;
  /** How long the check took. */
  latencyMs: number;
  /** When not ok: what is wrong, and what to do (no address, path or driver error: `/readyz` is public). */
  problem?: string;
  action?: string;
  [detail: string]: unknown;
}

/** A check as it is run: `detail` (what failed, with addresses) goes to the API's log, never to `/readyz`. */
type RunCheck = DependencyCheck & { detail?: string };

/** The body of `/readyz`. */
export interface Readiness {
  /** True unless a dependency is down: the API can serve requests. */
  ready: boolean;
  /** The worst status of the checks. */
  status: CheckStatus;
  checkedAt: string;
  checks: { database: DependencyCheck; chain: DependencyCheck; graphNode: DependencyCheck };
}

export interface ReadinessOptions {
  connection: Connection;
  /** The connection string, without credentials, for messages. */
  databaseUri: string;
  provider: Provider;
  subgraph: SubgraphClient;
  /** graph-node's index-node status API (optional). */
  statusUrl?: string;
  /** Blocks graph-node may lag the chain before it counts as degraded. */
  lagBlocks: number;
  /** Bound of each check (default 1500 ms). */
  timeoutMs?: number;
  /** How long one result answers every poll (default 1000 ms), so a poll storm costs one check per second. */
  cacheMs?: number;
  /**
   * Told what failed, with addresses and the drivers' errors, each time a check's status or problem
   * changes (default: console.error): operators read it there, since `/readyz` is public.
   */
  log?: (line: string) => void;
}

const elapsed = (started: number) => Math.round(performance.now() - started);
/** What failed, for operators: the cause behind a SERVICE_UNAVAILABLE's message for clients. */
const message = (error: unknown): string => {
  const cause = error instanceof ServiceUnavailableError ? error.cause : error;
  return cause instanceof Error ? cause.message : String(cause);
};

interface IndexingStatus {
  health: string;
  synced: boolean;
  fatalError: { message: string; block: { number: string } | null } | null;
}

/**
 * A deployment id as graph-node names deployments it got from IPFS (Qm…) or by hash; `gnd dev` names its
 * deployments by the manifest's path on disk instead, which `/readyz` does not show.
 */
const DEPLOYMENT_ID = /^(Qm[1-9A-HJ-NP-Za-km-z]{44}|0x[0-9a-fA-F]{64})$/;

/** What `/readyz` shows of graph-node's fatal error: its block (the message goes to the log). */
const publicFatalError = (fatal: IndexingStatus['fatalError']) => (fatal ? { block: fatal.block ? { number: fatal.block.number } : null } : null);

/** The deployment's status from graph-node's index-node API (`indexingStatuses`). */
async function indexingStatus(statusUrl: string, deployment: string, timeoutMs: number): Promise<IndexingStatus | undefined> {
  const response = await fetch(statusUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      query: 'query($ids: [String!]) { indexingStatuses(subgraphs: $ids) { health synced fatalError { message block { number } } } }',
      variables: { ids: [deployment] },
    }),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const body = (await response.json()) as { data?: { indexingStatuses?: IndexingStatus[] }; errors?: { message: string }[] };
  if (!body.data) throw new Error(body.errors?.map((error) => error.message).join('; ') ?? `HTTP ${response.status} without data`);
  return body.data.indexingStatuses?.[0];
}

/**
 * The readiness check of `/readyz`: the database (a ping), the chain (its head block) and graph-node
 * (the subgraph's indexed head, its indexing errors, and with a status URL its health), each bounded
 * and run in parallel. One result is shared by every caller for `cacheMs`.
 */
export function readinessCheck(options: ReadinessOptions): () => Promise<Readiness> {
  const timeoutMs = options.timeoutMs ?? 1_500;
  const cacheMs = options.cacheMs ?? 1_000;
  const timedOut = (what: string) => () => new Error(`${what} did not answer within ${timeoutMs} ms`);

  const database = async (): Promise<RunCheck> => {
    const started = performance.now();
    try {
      const ping = await pingDatabase(options.connection, timeoutMs);
      return { status: 'ok', latencyMs: ping.latencyMs, connection: ping.state };
    } catch (error) {
      return {
        status: 'down',
        latencyMs: elapsed(started),
        problem: 'The database is not answering.',
        action: 'Profiles, sign-in and records answer SERVICE_UNAVAILABLE until it is back; the API reconnects by itself. With `npm start` the launcher restarts its FerretDB: wait, or read the launcher\'s output; elsewhere check the MongoDB server at MONGODB_URI.',
        detail: `The database at ${options.databaseUri} is not answering: ${message(error)}`,
      };
    }
  };

  const chain = async (): Promise<RunCheck & { head?: number }> => {
    const started = performance.now();
    try {
      const head = await withDeadline(options.provider.getBlockNumber(), timeoutMs, timedOut('The chain'));
      return { status: 'ok', latencyMs: elapsed(started), head };
    } catch (error) {
      return {
        status: 'down',
        latencyMs: elapsed(started),
        problem: 'The chain\'s JSON-RPC endpoint is not answering.',
        action: 'Sign-in, authorization and transactions need it. Check the node at RPC_URL (`npm start` runs a local chain; its output says why it stopped).',
        detail: `The chain's JSON-RPC endpoint is not answering: ${message(error)}`,
      };
    }
  };

  const graphNode = async (): Promise<RunCheck & { indexedBlock?: number }> => {
    const started = performance.now();
    const url = options.subgraph.endpoint;
    let meta;
    try {
      const silent = () => new SubgraphError(`graph-node did not answer within ${timeoutMs} ms`, { url, outage: NOT_ANSWERING });
      meta = (await withDeadline(options.subgraph.request(ReadinessDocument, {}), timeoutMs, silent))._meta;
    } catch (error) {
      // The same classification as every request's: which outage graph-node's answer means.
      const outage = unavailableDependency(error);
      return {
        status: 'down',
        latencyMs: elapsed(started),
        problem: outage ? outage.message : 'graph-node refused the readiness query (the API\'s log says how).',
        action: 'Records, consents and analytics answer SERVICE_UNAVAILABLE until it is back. With `npm start` the launcher restarts graph-node: wait, or read its log (the launcher prints where it is); elsewhere check the graph-node at SUBGRAPH_URL.',
        detail: `graph-node at ${url}: ${message(error)}`,
      };
    }
    if (!meta) {
      return { status: 'down', latencyMs: elapsed(started), problem: 'graph-node has no _meta block: the subgraph is not deployed or not indexing yet.', action: 'Deploy the subgraph to this graph-node (`npm start` does), then wait for it to index.', detail: `graph-node at ${url} answered no _meta block.` };
    }
    const check: RunCheck & { indexedBlock?: number } = {
      status: 'ok',
      latencyMs: 0,
      ...(DEPLOYMENT_ID.test(meta.deployment) ? { deployment: meta.deployment } : {}),
      indexedBlock: meta.block.number,
      hasIndexingErrors: meta.hasIndexingErrors,
    };
    let fatal: IndexingStatus['fatalError'] = null;
    if (options.statusUrl) {
      try {
        const status = await withDeadline(indexingStatus(options.statusUrl, meta.deployment, timeoutMs), timeoutMs, timedOut('graph-node\'s status API'));
        if (status) {
          fatal = status.fatalError;
          Object.assign(check, { health: status.health, synced: status.synced, fatalError: publicFatalError(fatal) });
        }
      } catch (error) {
        check.statusError = 'graph-node\'s status API did not answer (the API\'s log says how).';
        check.detail = `graph-node's status API at ${options.statusUrl} did not answer: ${message(error)}`;
      }
    }
    // A deployment with an indexing error at its head answers queries of its data with `indexing_error`
    // (only `_meta` still answers): requests for chain data fail until it is fixed.
    if (meta.hasIndexingErrors || check.health === 'failed') {
      Object.assign(check, {
        status: 'down',
        problem: `graph-node stopped indexing the subgraph at an indexing error${fatal?.block ? ` at block ${fatal.block.number}` : ''}; it refuses queries of its data until the subgraph is fixed and deployed again.`,
        action: 'Records, consents and analytics answer SERVICE_UNAVAILABLE until then. Fix the subgraph mapping and deploy it again (the API\'s log has graph-node\'s error).',
        detail: `graph-node's indexing error: ${fatal?.message ?? 'no fatal error reported'}`,
      });
    }
    check.latencyMs = elapsed(started);
    return check;
  };

  // What each dependency's check last said in the log, so a lasting outage is logged once.
  const logged = new Map<string, string>();
  const log = options.log ?? ((line: string) => console.error(`[api] readiness: ${line}`));
  const publish = (name: string, { detail, ...check }: RunCheck): DependencyCheck => {
    const said = detail ? `${check.status}: ${detail}` : check.status;
    if ((logged.get(name) ?? 'ok') !== said) log(`${name} ${detail ? said : `${check.status}${check.problem ? `: ${check.problem}` : ''}`}`);
    logged.set(name, said);
    return check;
  };

  const run = async (): Promise<Readiness> => {
    const [databaseCheck, chainCheck, graphNodeCheck] = await Promise.all([database(), chain(), graphNode()]);
    if (chainCheck.head !== undefined && graphNodeCheck.indexedBlock !== undefined) {
      const lag = Math.max(0, chainCheck.head - graphNodeCheck.indexedBlock);
      graphNodeCheck.lagBlocks = lag;
      if (lag > options.lagBlocks && graphNodeCheck.status === 'ok') {
        Object.assign(graphNodeCheck, {
          status: 'degraded',
          problem: `graph-node is ${lag} blocks behind the chain (indexed ${graphNodeCheck.indexedBlock}, chain head ${chainCheck.head}).`,
          action: 'Lists show older data until it catches up (it usually does by itself after a restart); if the lag grows, check graph-node\'s log and its RPC.',
        });
      }
    }
    const checks = { database: publish('database', databaseCheck), chain: publish('chain', chainCheck), graphNode: publish('graphNode', graphNodeCheck) };
    const statuses = Object.values(checks).map((check) => check.status);
    const status: CheckStatus = statuses.includes('down') ? 'down' : statuses.includes('degraded') ? 'degraded' : 'ok';
    return { ready: status !== 'down', status, checkedAt: new Date().toISOString(), checks };
  };

  let latest: { at: number; result: Promise<Readiness> } | undefined;
  return () => {
    const now = performance.now();
    // Shared while running and for cacheMs after: a hung dependency is asked once, not once per poll.
    if (!latest || now - latest.at > cacheMs) {
      const result = run();
      const entry = { at: Number.POSITIVE_INFINITY, result };
      latest = entry;
      void result.finally(() => (entry.at = performance.now()));
    }
    return latest.result;
  };
}
