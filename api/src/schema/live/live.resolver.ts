import { Arg, Int, Resolver, Root, Subscription } from 'type-graphql';
import { badInput, unauthenticated } from '../../graphql/errors';
import type { LiveServices } from '../../live/live-hub';
import type { Context } from '../../graphql/context';
import { AccountEvent, IndexedTransaction } from './live.type';

/** A subscription's context: the request context and the live services (the app builds both). */
type LiveContext = Context & { live: LiveServices };

interface SubscribeData<A> {
  args: A;
  context: LiveContext;
}

function viewerOf(ctx: LiveContext): string {
  if (!ctx.viewer) throw unauthenticated();
  return ctx.viewer;
}

async function* once<T>(value: Promise<T>): AsyncGenerator<T> {
  yield await value;
}

@Resolver()
export class LiveResolver {
  @Subscription(() => AccountEvent, {
    description:
      "Changes that concern the signed-in account or a patient it is guardian of, as the index makes them visible, in block order: records anchored, amended or erased for or by it, consents it gave or received granted, renewed, revoked or expired, guardianships, treatments proposed or decided, emergency access opened or closed on it, amendment requests filed and answered (told to the patient, guardians and the providers who may answer). Each is told only when the same rule as the queries lets the account see it. After a reconnect, pass the last `block` received as `fromBlock`: every later event comes once, none is lost.",
    subscribe: ({ args, context }: SubscribeData<{ fromBlock?: number | null }>) =>
      context.live.hub.events(viewerOf(context), args.fromBlock ?? null, context.live.allows),
  })
  myEvents(
    @Root() event: AccountEvent,
    @Arg('fromBlock', () => Int, { nullable: true, description: 'Tell every event after this block (the last block received, or the block a query answered at); default: from now.' })
    _fromBlock?: number | null,
  ): AccountEvent {
    return event;
  }

  @Subscription(() => IndexedTransaction, {
    description: 'Answers once, when the index has reached the block of this transaction (so a query then shows its effect), and completes.',
    subscribe: ({ args, context }: SubscribeData<{ transactionHash: string }>) => {
      viewerOf(context);
      const hash = args.transactionHash.toLowerCase();
      if (!/^0x[0-9a-f]{64}$/.test(hash)) throw badInput('transactionHash', 'transactionHash must be 0x followed by 64 hex digits.');
      const block = context.live.hub.indexed(() => context.live.transactionBlock(hash), `Transaction ${hash}`);
      return once(block.then((number) => ({ transactionHash: hash, block: number })));
    },
  })
  indexed(@Root() indexed: IndexedTransaction, @Arg('transactionHash', () => String) _transactionHash: string): IndexedTransaction {
    return indexed;
  }
}
