import type http from 'node:http';
import type { Duplex } from 'node:stream';
import { GraphQLError, specifiedRules, validate, type GraphQLFormattedError, type GraphQLSchema, type ValidationRule } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Session } from '../auth/siwe.service';
import type { ErrorLogger } from '../graphql/errors';

/** The subprotocol graphql-ws speaks (Apollo Client's GraphQLWsLink, urql, GraphiQL). */
const PROTOCOL = 'graphql-transport-ws';
/** Close codes: the session ended (sign-out, expiry), and a socket this server cannot keep. */
export const CLOSE_SESSION_ENDED = 4401;
const CLOSE_GOING_AWAY = 1001;

export interface SubscriptionTransportOptions {
  /** The shielded schema; only subscription operations are accepted over the socket. */
  schema: GraphQLSchema;
  path: string;
  /** Origins a browser may open the socket from (the API's public origin and ALLOWED_ORIGINS). */
  allowedOrigins: readonly string[];
  /** The session the upgrade request's cookie names, or null (authentication happens before the socket). */
  authenticate(request: http.IncomingMessage): Promise<Session | null>;
  /** Whether a session is still open (signed out elsewhere, or ended). */
  stillOpen(session: Session): Promise<boolean>;
  /** The GraphQL context of one subscription of the session. */
  context(session: Session): object;
  /** Validation rules besides graphql-js's own (depth, aliases). */
  validationRules: readonly ValidationRule[];
  /** Turns an error into what the client sees (the API's formatError: codes kept, unexpected ones masked). */
  formatError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError;
  /** Sockets one account may open to this instance. */
  socketsPerAccount: number;
  /** Sockets one instance holds. */
  socketsPerInstance: number;
  /** graphql-ws's ping interval; a socket that misses a pong is closed (milliseconds). */
  keepAliveMs: number;
  /** How often open sockets' sessions are checked against the store (signed out on another instance). */
  sessionCheckMs: number;
  logger: ErrorLogger;
}

export interface SubscriptionTransport {
  /** Open sockets. */
  readonly sockets: number;
  /** Closes the sockets of a session at once (sign-out on this instance). */
  endSession(sessionId: string, reason: string): void;
  close(): Promise<void>;
}

/** Only subscriptions travel over the socket: queries and mutations go over HTTP, through its limits and CSRF checks. */
const subscriptionsOnly: ValidationRule = (context) => ({
  OperationDefinition(node) {
    if (node.operation !== 'subscription') {
      context.reportError(new GraphQLError(`This socket carries subscriptions only; send ${node.operation === 'query' ? 'queries' : 'mutations'} with HTTP POST to the same path.`, { nodes: node, extensions: { code: 'BAD_USER_INPUT' } }));
    }
  },
});

const STATUS_TEXT: Record<number, string> = { 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 429: 'Too Many Requests', 503: 'Service Unavailable' };

/** Answers an upgrade request with an HTTP error instead of a socket, saying what to do. */
function refuse(socket: Duplex, status: number, code: string, message: string): void {
  const body = JSON.stringify({ error: { code, message } });
  socket.end(`HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? 'Error'}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
}


interface OpenSocket {
  session: Session;
  expiry: NodeJS.Timeout;
}

/**
 * GraphQL subscriptions over WebSocket (graphql-ws) on the API's HTTP server, at the GraphQL path.
 * The upgrade request is authenticated like any request, by the SIWE session cookie: without an open
 * session it is refused with 401 before any socket exists; a browser origin that is not the API's own
 * (or allowed) is refused with 403. Each socket is closed when its session ends: at its expiry, at
 * sign-out on this instance at once, and on another instance at the next session check.
 */
export function attachSubscriptions(server: http.Server, options: SubscriptionTransportOptions): SubscriptionTransport {
  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024, handleProtocols: (protocols) => (protocols.has(PROTOCOL) ? PROTOCOL : false) });
  const open = new Map<WebSocket, OpenSocket>();
  const perAccount = new Map<string, number>();
  const allowed = new Set(options.allowedOrigins);

  const forget = (socket: WebSocket) => {
    const entry = open.get(socket);
    if (!entry) return;
    clearTimeout(entry.expiry);
    open.delete(socket);
    const left = (perAccount.get(entry.session.address) ?? 1) - 1;
    if (left > 0) perAccount.set(entry.session.address, left);
    else perAccount.delete(entry.session.address);
  };

  const onUpgrade = (request: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    if (new URL(request.url ?? '/', 'http://localhost').pathname !== options.path) {
      refuse(socket, 404, 'NOT_FOUND', `No WebSocket endpoint here; subscriptions are at ${options.path}.`);
      return;
    }
    const origin = request.headers.origin;
    if (origin !== undefined && !allowed.has(origin)) {
      refuse(socket, 403, 'FORBIDDEN', `Origin ${origin} may not open subscriptions; open them from the API's own origin or one in ALLOWED_ORIGINS.`);
      return;
    }
    options.authenticate(request).then(
      (session) => {
        if (!session) {
          refuse(socket, 401, 'UNAUTHENTICATED', 'Subscriptions need a signed-in session: sign in with GET /auth/nonce and POST /auth/verify, then open the socket with the session cookie.');
          return;
        }
        if (open.size >= options.socketsPerInstance) {
          refuse(socket, 503, 'SERVICE_UNAVAILABLE', `This API instance holds its maximum of ${options.socketsPerInstance} sockets; retry shortly.`);
          return;
        }
        if ((perAccount.get(session.address) ?? 0) >= options.socketsPerAccount) {
          refuse(socket, 429, 'RATE_LIMITED', `This account already has ${options.socketsPerAccount} sockets open on this instance; close one (e.g. another tab) first.`);
          return;
        }
        wss.handleUpgrade(request, socket, head, (ws) => {
          const expiry = setTimeout(() => ws.close(CLOSE_SESSION_ENDED, 'Session expired: sign in again.'), Math.max(0, session.expiresAt.getTime() - Date.now()));
          expiry.unref();
          open.set(ws, { session, expiry });
          perAccount.set(session.address, (perAccount.get(session.address) ?? 0) + 1);
          ws.once('close', () => forget(ws));
          wss.emit('connection', ws, request);
        });
      },
      (error: unknown) => {
        // The session store is down: the client retries, as with any 503.
        options.logger.error('Authenticating a WebSocket upgrade failed', error);
        refuse(socket, 503, 'SERVICE_UNAVAILABLE', 'The session store did not answer; retry in a few seconds.');
      },
    );
  };
  server.on('upgrade', onUpgrade);

  const rules = [...specifiedRules, ...options.validationRules, subscriptionsOnly];
  const format = (errors: readonly GraphQLError[]) => errors.map((error) => options.formatError(error.toJSON(), error.originalError ?? error));
  const graphqlWs = useServer(
    {
      schema: options.schema,
      validate: (schema, document) => validate(schema, document, rules),
      context: (ctx) => options.context(open.get(ctx.extra.socket)!.session),
      onNext: (_ctx, _id, _payload, _args, result) => (result.errors ? { ...result, errors: format(result.errors) } : undefined),
      onError: (_ctx, _id, _payload, errors) => format(errors as GraphQLError[]) as unknown as GraphQLError[],
    },
    wss,
    options.keepAliveMs,
  );

  // Sessions signed out on another instance (or removed from the store) end their sockets here too.
  const check = setInterval(() => {
    const sessions = new Map<string, Session>();
    for (const { session } of open.values()) sessions.set(session.id, session);
    for (const session of sessions.values()) {
      options.stillOpen(session).then(
        (stillOpen) => {
          if (!stillOpen) transport.endSession(session.id, 'Signed out: sign in again.');
        },
        () => undefined, // the store is down: keep the socket, check again next time
      );
    }
  }, options.sessionCheckMs);
  check.unref();

  const transport: SubscriptionTransport = {
    get sockets() {
      return open.size;
    },
    endSession(sessionId, reason) {
      for (const [socket, { session }] of open) if (session.id === sessionId) socket.close(CLOSE_SESSION_ENDED, reason);
    },
    async close() {
      clearInterval(check);
      server.off('upgrade', onUpgrade);
      for (const socket of open.keys()) socket.close(CLOSE_GOING_AWAY, 'The API is shutting down; reconnect and resume from your last block.');
      await graphqlWs.dispose();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
  return transport;
}
