/**
 * graph-node as a part of the stack: its database on a PostgreSQL server (the embedded one, or one given
 * by URL), restarted on the same ports when it dies, when it stalls (stall-watch.ts), when its PostgreSQL
 * restarted, and, with its index dropped, when the chain lost blocks graph-node had indexed.
 */
import { sameBlockHash } from '../chain/anvil-state';
import { blockHash, currentBlock } from '../chain/chain-status';
import type { Part } from '../part';
import type { Supervised } from '../process/supervisor';
import { createDatabase } from '../postgres/postgres';
import { startGraphNode, type GraphNode, type GraphNodeOptions } from './graph-node';
import { watchForStall } from './stall-watch';

export interface GraphNodePart extends Part<GraphNode> {
  /**
   * Checks the index against the chain: when graph-node has indexed a block the chain does not have
   * (the chain restarted from a state file older than the index: anvil writes it every second), the
   * index would answer for transactions that no longer exist. It is then dropped and graph-node
   * indexes the chain again from the start. Returns why it rebuilt, or undefined when the index matches.
   */
  rebuildIfAheadOfChain(self: Supervised<GraphNode>): Promise<string | undefined>;
}

export function graphNodePart(
  options: Omit<GraphNodeOptions, 'postgresUrl' | 'onCrash'> & {
    /** Admin URL of the PostgreSQL server that holds graph-node's database. */
    postgresAdminUrl: string;
    /** graph-node's database: plain name (a-z, 0-9, _). */
    database: string;
    /** Drop the database first (a new chain needs a new index). */
    freshDatabase: boolean;
    /** The name of the PostgreSQL part, when the stack runs it: graph-node restarts after it. */
    postgresPartName?: string;
    /** No block indexed for this long while the chain is ahead, or no answer: restart it. */
    stallMs: number;
    /** `[supervisor]` lines. */
    log: (line: string) => void;
  },
): GraphNodePart {
  let dropIndex = options.freshDatabase;
  const start = async (ports = options.ports) => {
    const postgresUrl = await createDatabase(options.postgresAdminUrl, options.database, { replace: dropIndex });
    dropIndex = false;
    return startGraphNode({ ...options, ports, postgresUrl });
  };
  const part: GraphNodePart = {
    name: 'graph-node',
    stopSignal: 'SIGINT',
    start: () => start(),
    restart: (previous) => start(previous.ports),
    watch: (self) =>
      watchForStall({
        status: () => self.current().status(),
        chainHead: () => currentBlock(options.rpcUrl),
        stallMs: options.stallMs,
        onStall: (reason) => self.restartNow(`${reason}; a restart resumes it`),
      }),
    async afterRestartOf(name, self) {
      /**
       * graph-node does not resume indexing after its PostgreSQL restarted: measured with gnd 0.45, it
       * keeps reporting the subgraph healthy and synced, follows the chain head, and indexes no further
       * block (its subgraph runner stays on the lost connection; compare graphprotocol/graph-node#1279).
       * That index would be silently stale, so graph-node is restarted on it as soon as PostgreSQL is back.
       */
      if (name === options.postgresPartName) {
        await self.restartNow('its PostgreSQL restarted, and graph-node does not resume indexing on a new connection by itself');
        return;
      }
      if (name !== 'the chain (anvil)') return;
      const head = await currentBlock(options.rpcUrl);
      options.log(`[supervisor] the chain resumed at block ${head}`);
      const rebuilt = await part.rebuildIfAheadOfChain(self);
      if (rebuilt) {
        options.log(`[supervisor] WARNING: ${rebuilt}. The transactions of the lost blocks are gone from the chain; graph-node indexes the chain again from the start.`);
      }
    },
    async rebuildIfAheadOfChain(self) {
      const status = await self.current().status();
      const indexed = status?.chains[0]?.latestBlock;
      if (!indexed) return undefined;
      const number = Number(indexed.number);
      const head = await currentBlock(options.rpcUrl);
      const onChain = number <= head ? await blockHash(options.rpcUrl, number) : undefined;
      if (onChain !== undefined && sameBlockHash(onChain, indexed.hash)) return undefined;
      const reason =
        onChain === undefined
          ? `graph-node had indexed up to block ${number}, but the chain's head is block ${head}: the chain lost blocks ${head + 1}..${number} (its state file is written every second)`
          : `graph-node's block ${number} (0x${indexed.hash.replace(/^0x/, '')}) is not the chain's (${onChain}): the chain lost that block and mined another in its place`;
      dropIndex = true;
      await self.restartNow(`${reason}; its index is dropped and the chain indexed again`);
      return reason;
    },
  };
  return part;
}
