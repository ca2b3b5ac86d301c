import { createClient, type Client } from 'graphql-ws';
import { graphql } from '../gql';
import type { MyEventsSubscription } from '../gql/graphql';

/** One event of `myEvents`, as the API sends it. */
export type AccountEvent = MyEventsSubscription['myEvents'];

const MyEvents = graphql(`
  subscription MyEvents($fromBlock: Int) {
    myEvents(fromBlock: $fromBlock) {
      kind
      subject
      subjectId
      block
      patient
      counterparty
      actor
      category
      purpose
      expiresAt
      transactionHash
    }
  }
`);

const Indexed = graphql(`
  subscription Indexed($transactionHash: String!) {
    indexed(transactionHash: $transactionHash) {
      block
    }
  }
`);

/** The API closes a socket with this code when its session ended (sign-out, expiry). */
const SESSION_ENDED = 4401;

export interface Live {
  /** Resolves once the index has reached the transaction's block (the `indexed` subscription). */
  indexed(transactionHash: string): Promise<number>;
  close(): void;
}

/** The WebSocket URL of the API's GraphQL path (same origin: the web server forwards it). */
function socketUrl(graphqlUrl: string): string {
  const url = new URL(graphqlUrl, window.location.href);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  return url.toString();
}

/**
 * The signed-in account's live connection: one socket (graphql-ws, the session cookie goes with the
 * upgrade) carrying `myEvents` and any `indexed` waits. When the socket drops it reconnects, and
 * `myEvents` resumes from the last block it was told of, so no event is lost or repeated; when the
 * API closes it because the session ended, `onSessionEnded` runs and nothing reconnects.
 */
export function startLive(graphqlUrl: string, handlers: { onEvent(event: AccountEvent): void; onSessionEnded(): void }): Live {
  let ended = false;
  const client: Client = createClient({
    url: socketUrl(graphqlUrl),
    lazy: false,
    retryAttempts: Number.POSITIVE_INFINITY,
    shouldRetry: (event) => !ended && (event as CloseEvent).code !== SESSION_ENDED,
    on: {
      closed: (event) => {
        if ((event as CloseEvent).code === SESSION_ENDED && !ended) {
          ended = true;
          handlers.onSessionEnded();
        }
      },
    },
  });
  // graphql-ws sends this payload again on every reconnect: keeping `fromBlock` at the last block told
  // makes the resubscription resume right after it.
  const variables: { fromBlock: number | null } = { fromBlock: null };
  client.subscribe<{ myEvents: AccountEvent }>(
    { query: MyEvents.toString(), variables },
    {
      next: ({ data }) => {
        if (!data) return;
        variables.fromBlock = data.myEvents.block;
        handlers.onEvent(data.myEvents);
      },
      error: () => undefined,
      complete: () => undefined,
    },
  );
  return {
    indexed: (transactionHash) =>
      new Promise<number>((resolve, reject) => {
        client.subscribe<{ indexed: { block: number } }>(
          { query: Indexed.toString(), variables: { transactionHash } },
          {
            next: ({ data, errors }) => (data ? resolve(data.indexed.block) : reject(new Error(errors?.[0]?.message ?? 'The API did not say whether the index reached the transaction.'))),
            error: (error) => {
              const why = Array.isArray(error) ? (error[0] as { message?: string } | undefined)?.message : error instanceof Error ? error.message : undefined;
              reject(new Error(`Waiting for the index failed (${why ?? 'the connection to the API closed'}); reload in a moment to see the change.`));
            },
            complete: () => undefined,
          },
        );
      }),
    close() {
      ended = true;
      void client.dispose();
    },
  };
}
