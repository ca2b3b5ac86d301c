import 'reflect-metadata';
import type { AddressInfo } from 'node:net';
import http from 'node:http';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginInlineTraceDisabled,
  ApolloServerPluginLandingPageDisabled,
  ApolloServerPluginUsageReportingDisabled,
} from '@apollo/server/plugin/disabled';
import { expressMiddleware } from '@as-integrations/express5';
import cookieParser from 'cookie-parser';
import express, { type NextFunction, type Request, type Response } from 'express';
import { execute, validate } from 'graphql';
import { AuditAnchorContract } from '../audit/audit-anchor.chain';
import { SESSION_COOKIE, sessionMiddleware, sessionOf, siweRoutes } from '../auth/siwe.routes';
import { SiweService } from '../auth/siwe.service';
import { connectChain } from '../chain/chain';
import { redacted } from '../database/connection';
import { FHIR_OPERATIONS } from '../fhir/fhir.operations';
import { fhirErrors, fhirRoutes } from '../fhir/fhir.routes';
import type { Context } from '../graphql/context';
import { createFormatError, unavailableDependency, type ErrorLogger } from '../graphql/errors';
import { aliasLimit, DEFAULT_LIMITS, depthLimit, limitsPlugin, mutationRateLimiter, type QueryLimits } from '../graphql/limits';
import { checkArguments } from '../graphql/scalars';
import type { ApiServices } from '../graphql/services';
import { SubgraphClient } from '../graphql/subgraph/subgraph-client';
import { LiveEventSource } from '../live/event-source';
import type { LiveEvent } from '../live/live-event';
import { DEFAULT_LIVE_OPTIONS, LiveHub, type LiveOptions } from '../live/live-hub';
import { attachSubscriptions, type SubscriptionTransport } from '../live/websocket';
import type { ServerConfig } from '../config';
import { createContext } from './context';
import { createDataLayer } from './data-layer';
import { explorerRoutes } from './explorer';
import { readinessCheck } from './readiness';
import { denyByDefault, mayReceive, ruleTree } from './permissions';
import { buildApiSchema } from './schema';
import { shieldSchema } from './shield';
import { createServices } from './services';

/** The database the API uses when MONGODB_URI names none. */
export { DEFAULT_DATABASE as DATABASE_NAME } from '../database/connection';
/** Largest accepted JSON body of a GraphQL request. */
const GRAPHQL_BODY_LIMIT = '256kb';

export interface CreateServerOptions {
  /** Where unexpected errors are logged (default: console.error). */
  logger?: ErrorLogger;
  /** Query depth, alias, cost and mutation-rate bounds. */
  limits?: Partial<QueryLimits>;
  /** Subscription bounds and pacing (caps, queue, poll interval, heartbeat). */
  live?: Partial<LiveOptions>;
  /**
   * Count the database commands (`services.roundTrips.databaseCommands`; tests of round trips). Off by
   * default: it turns on the driver's command monitoring, which decodes every reply a second time.
   */
  countDatabaseCommands?: boolean;
}

/** A running-or-ready API: the Express app, its shared services, and how to listen and stop. */
export interface ApiServer {
  app: express.Express;
  services: ApiServices;
  /** The MongoDB connection string in use (MONGODB_URI). */
  mongodbUri: string;
  /** The subscriptions' hub and WebSocket transport (open subscriptions and sockets, for tests and benchmarks). */
  live: { hub: LiveHub; transport: SubscriptionTransport };
  /** Starts listening; resolves with the URL (e.g. http://127.0.0.1:4000). */
  listen(port: number, host?: string): Promise<{ url: string; port: number }>;
  /**
   * Seals waiting audit entries into batches and anchors their Merkle roots with the auditor key (what
   * the AUDIT_ANCHOR_INTERVAL_MS timer runs). Returns how many batches were anchored.
   */
  anchorAuditLog(): Promise<number>;
  /** Stops the HTTP server, Apollo, timers and the data layer (its sweep and connection). */
  close(): Promise<void>;
}

/** What 503 answers suggest as `Retry-After`: the launcher restarts a dead part within seconds. */
const RETRY_AFTER_SECONDS = 5;

/**
 * GraphQL answers with a SERVICE_UNAVAILABLE error go out as HTTP 503 with Retry-After, so load
 * balancers, monitoring and retrying clients see the outage; the body is the usual GraphQL answer (the
 * web client reads it whatever the status).
 */
function serviceUnavailableStatus(): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ response }) {
          if (response.body.kind !== 'single') return;
          if (!response.body.singleResult.errors?.some((error) => error.extensions?.code === 'SERVICE_UNAVAILABLE')) return;
          response.http.status = 503;
          response.http.headers.set('retry-after', String(RETRY_AFTER_SECONDS));
        },
      };
    },
  };
}

const consoleLogger: ErrorLogger = {
  error(message, error) {
    console.error(`[api] ${message}:`, error);
  },
};

/** CORS for the allowed browser origins, with credentials (the session cookie). */
function cors(allowedOrigins: string[]) {
  const allowed = new Set(allowedOrigins);
  return (req: Request, res: Response, next: NextFunction): void => {
    const origin = req.headers.origin;
    if (origin && allowed.has(origin)) {
      res.vary('Origin');
      res.set('access-control-allow-origin', origin);
      res.set('access-control-allow-credentials', 'true');
      if (req.method === 'OPTIONS') {
        res.set('access-control-allow-methods', 'GET, POST, OPTIONS');
        res.set('access-control-allow-headers', 'content-type, apollo-require-preflight, x-apollo-operation-name');
        res.set('access-control-max-age', '600');
        res.status(204).end();
        return;
      }
    }
    next();
  };
}

/**
 * Builds the API server from validated settings (`loadServerConfig`): the database and its models,
 * the chain and subgraph clients, SIWE routes and Apollo at `/graphql` behind graphql-shield. Tests
 * and start-up both call this, so tests run the server users get.
 */
export async function createServer(config: ServerConfig, options: CreateServerOptions = {}): Promise<ApiServer> {
  const logger = options.logger ?? consoleLogger;
  const limits: QueryLimits = { ...DEFAULT_LIMITS, mutationsPerMinute: config.mutationRateLimitPerMinute, ...options.limits };
  const liveOptions: LiveOptions = { ...DEFAULT_LIVE_OPTIONS, ...config.live, ...options.live };

  const layer = await createDataLayer(config.data, {
    onSweepError: (error) => logger.error('SIWE expiry sweep failed', error),
    monitorCommands: options.countDatabaseCommands ?? false,
  });
  const chain = connectChain(config);
  const subgraph = new SubgraphClient(config.subgraphUrl, config.subgraphTimeoutMs);
  const timers: (() => void)[] = [];
  try {
    const services = createServices({ config, layer, chain, subgraph, logger });
    const { auditBatches } = services;
    const anchor = new AuditAnchorContract(config.deployment.contracts.AuditAnchor.address, chain.auditor.signer);
    let anchoring: Promise<number> | undefined;
    const anchorAuditLog = (): Promise<number> => {
      anchoring ??= (async () => {
        try {
          await auditBatches.sealAll();
          return (await auditBatches.anchorSealed(anchor)).length;
        } finally {
          anchoring = undefined;
        }
      })();
      return anchoring;
    };
    if (config.auditAnchorIntervalMs > 0) {
      const timer = setInterval(() => {
        anchorAuditLog().catch((error: unknown) => logger.error('Anchoring the audit log failed (retried at the next interval)', error));
      }, config.auditAnchorIntervalMs);
      timer.unref();
      timers.push(() => clearInterval(timer));
    }

    const siwe = new SiweService({
      publicOrigin: config.publicOrigin,
      chainId: chain.chainId,
      nonceTtlSeconds: config.nonceTtlSeconds,
      sessionTtlSeconds: config.sessionTtlSeconds,
      sessionCacheMs: config.sessionCacheMs,
      nonces: layer.nonces,
      sessions: layer.sessions,
      provider: chain.provider,
    });

    const app = express();
    const httpServer = http.createServer(app);
    // Identifier arguments are checked before a field's rule or resolver runs (graphql/scalars.ts).
    const schema = checkArguments(shieldSchema(buildApiSchema(), ruleTree, denyByDefault));
    const cookies = cookieParser(config.sessionSecret);

    // Subscriptions (graphql-ws) on the same server and path, authenticated by the same session cookie.
    const blockTime = async (block: number) => (await chain.provider.getBlock(block))?.timestamp ?? 0;
    const hub = new LiveHub(new LiveEventSource(subgraph, liveOptions, logger, blockTime), liveOptions);
    const subscriptions = attachSubscriptions(httpServer, {
      schema,
      path: '/graphql',
      allowedOrigins: [config.publicOrigin, ...config.allowedOrigins],
      authenticate: async (request) => {
        await new Promise((resolve) => cookies(request as Request, {} as Response, resolve));
        const id = (request as Request).signedCookies?.[SESSION_COOKIE] as unknown;
        return typeof id === 'string' && id.length > 0 ? siwe.session(id) : null;
      },
      stillOpen: async (session) => (await siwe.session(session.id)) !== null,
      context: (session) => ({
        ...createContext(services, session),
        live: {
          hub,
          // Each event is decided afresh (a new context: no decision cached from an earlier event).
          allows: (event: LiveEvent) => mayReceive(event, createContext(services, session)),
          transactionBlock: async (hash: string) => (await chain.provider.getTransactionReceipt(hash))?.blockNumber ?? null,
        },
      }),
      validationRules: [depthLimit(limits.maxDepth), aliasLimit(limits.maxAliases)],
      formatError: createFormatError(logger),
      logger,
      ...liveOptions,
    });
    timers.push(() => void subscriptions.close());

    app.disable('x-powered-by');
    app.use(cors(config.allowedOrigins));
    app.use(cookies);
    // Health answers before the session lookup, which needs the database. Liveness: this process serves
    // HTTP; it asks no dependency, so a supervisor never restarts a healthy API because its database is down.
    app.get('/healthz', (_req, res) => {
      res.json({ ok: true });
    });
    // Readiness: whether the API can serve (README, "Health"): 200 when every dependency answers (some
    // may be degraded), 503 naming what is down and what to do.
    const readiness = readinessCheck({
      connection: layer.database.connection,
      databaseUri: redacted(layer.database.uri),
      provider: chain.provider,
      subgraph,
      statusUrl: config.subgraphStatusUrl,
      lagBlocks: config.readinessLagBlocks,
      log: (line) => logger.error('readiness', line),
    });
    app.get('/readyz', async (_req, res) => {
      const result = await readiness();
      res.set('cache-control', 'no-store');
      if (!result.ready) res.set('retry-after', String(RETRY_AFTER_SECONDS));
      res.status(result.ready ? 200 : 503).json(result);
    });
    app.use(sessionMiddleware(siwe));
    // Signing out closes the session's sockets on this instance at once (other instances: at their next session check).
    app.post('/auth/logout', (_req, res, next) => {
      const session = sessionOf(res);
      if (session) res.once('finish', () => subscriptions.endSession(session.id, 'Signed out: sign in again.'));
      next();
    });
    app.use(
      siweRoutes({
        siwe,
        publicOrigin: config.publicOrigin,
        chainId: chain.chainId,
        secureCookies: new URL(config.publicOrigin).protocol === 'https:',
        nonceTtlSeconds: config.nonceTtlSeconds,
        rateLimitPerMinute: config.authRateLimitPerMinute,
      }),
    );

    const mutationLimiter = await mutationRateLimiter(
      limits.mutationsPerMinute,
      config.mutationRateLimitStore === 'mongodb' ? { kind: 'mongodb', connection: layer.database.connection } : { kind: 'memory' },
    );
    const apollo = new ApolloServer<Context>({
      schema,
      formatError: createFormatError(logger),
      includeStacktraceInErrorResponses: false,
      // Compact JSON: Apollo's default indents every answer, which for a page of records costs more
      // than executing it. Tools (GraphiQL, jq) format answers themselves.
      stringifyResult: (result) => JSON.stringify(result),
      csrfPrevention: true,
      introspection: true,
      validationRules: [depthLimit(limits.maxDepth), aliasLimit(limits.maxAliases)],
      plugins: [
        limitsPlugin(schema, limits, mutationLimiter),
        serviceUnavailableStatus(),
        ApolloServerPluginDrainHttpServer({ httpServer }),
        // No HTTP caching of personal data, and no per-field hooks on the hot path: cache-control hints
        // would wrap every field resolver. Nothing is reported to Apollo's cloud.
        ApolloServerPluginCacheControlDisabled(),
        ApolloServerPluginUsageReportingDisabled(),
        ApolloServerPluginInlineTraceDisabled(),
        // Browsers asking /graphql for HTML get the bundled GraphiQL explorer instead (explorerRoutes).
        ApolloServerPluginLandingPageDisabled(),
      ],
    });
    await apollo.start();
    app.use(explorerRoutes({ graphqlPath: '/graphql' }));
    app.use(
      '/graphql',
      express.json({ limit: GRAPHQL_BODY_LIMIT }),
      expressMiddleware(apollo, { context: async ({ res }) => createContext(services, sessionOf(res)) }),
    );
    // The FHIR R4 facade: its GraphQL operations run in process against the same shielded schema, one
    // request context per HTTP request (session, pinned block, loaders, chain decisions).
    const fhirProblems = FHIR_OPERATIONS.flatMap((document) => validate(schema, document));
    if (fhirProblems.length > 0) throw new Error(`The FHIR facade's GraphQL operations do not match the schema: ${fhirProblems.map((problem) => problem.message).join('; ')}`);
    app.use(
      '/fhir',
      fhirRoutes({
        site: { baseUrl: `${config.publicOrigin}/fhir`, chainId: chain.chainId },
        software: { name: 'Health records API' },
        logger,
        retryAfterSeconds: RETRY_AFTER_SECONDS,
        open: (session) => {
          const contextValue = createContext(services, session);
          return async (document, variableValues) => execute({ schema, document, contextValue, variableValues });
        },
        session: (id) => siwe.session(id),
        tokenSecret: config.sessionSecret,
      }),
      fhirErrors({ logger, retryAfterSeconds: RETRY_AFTER_SECONDS }),
    );
    // Body-size and JSON errors from express.json, without stack traces.
    app.use((error: { status?: number; type?: string; message?: string }, req: Request, res: Response, next: NextFunction) => {
      if (res.headersSent) {
        next(error);
        return;
      }
      // A dependency down (e.g. the session lookup before /graphql or sign-in): 503, in the shape the route's clients read.
      const unavailable = unavailableDependency(error);
      if (unavailable) {
        const body = { code: 'SERVICE_UNAVAILABLE', service: unavailable.service, message: unavailable.message };
        res.set('retry-after', String(RETRY_AFTER_SECONDS));
        res.status(503).json(req.path.startsWith('/graphql') ? { errors: [{ message: body.message, extensions: { code: body.code, service: body.service } }] } : { error: body });
        return;
      }
      if (error.status && error.status < 500) {
        res.status(error.status).json({ error: { code: 'BAD_REQUEST', message: error.type === 'entity.too.large' ? `The request body is larger than ${GRAPHQL_BODY_LIMIT}.` : 'The request body is not valid JSON.' } });
        return;
      }
      logger.error('Unexpected HTTP error', error);
      res.status(500).json({ error: { code: 'INTERNAL_SERVER_ERROR', message: 'Internal server error' } });
    });

    let closed: Promise<void> | undefined;
    return {
      app,
      services,
      mongodbUri: layer.database.uri,
      live: { hub, transport: subscriptions },
      anchorAuditLog,
      listen(port, host = '127.0.0.1') {
        return new Promise((resolve, reject) => {
          httpServer.once('error', reject);
          httpServer.listen(port, host, () => {
            const address = httpServer.address() as AddressInfo;
            resolve({ url: `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`, port: address.port });
          });
        });
      },
      close() {
        closed ??= (async () => {
          for (const stop of timers) stop();
          await subscriptions.close();
          if (httpServer.listening) {
            httpServer.closeIdleConnections();
            await apollo.stop();
          } else {
            await apollo.stop();
          }
          subgraph.close();
          chain.close();
          await layer.close();
        })();
        return closed;
      },
    };
  } catch (error) {
    for (const stop of timers) stop();
    subgraph.close();
    chain.close();
    await layer.close();
    throw error;
  }
}
