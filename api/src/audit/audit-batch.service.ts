import type { Model } from 'mongoose';
import { findEach } from '../database/find-each';
import { LeaseBusyError, withLease } from '../database/lease';
import { isDuplicateKeyError, normalizeBytes32 } from '../database/validation';
import { ConflictError, NotFoundError } from '../errors';
import type { AuditAnchorChain } from './audit-anchor';
import type { AuditBatch, AuditBatchAnchor } from './audit-batch.model';
import type { AuditEntry } from './audit-entry.model';
import { auditLeaf, auditTree, verifyAuditProof, type AuditLeaf } from './audit-merkle';

/** An entry's inclusion proof in its batch. */
export interface AuditProof {
  entryId: string;
  batchId: number;
  /** The batch's Merkle root. */
  root: string;
  /** The entry's leaf values, in AUDIT_LEAF_ENCODING order. */
  leaf: AuditLeaf;
  /** Sibling hashes from the leaf up to the root. */
  proof: string[];
  /** Where the root is on-chain, once anchored. */
  anchor: AuditBatchAnchor | null;
}

/** How a proof checked out against the chain. */
export interface AuditProofCheck {
  verified: boolean;
  reason?: string;
}

/** Sealing is quick; anchoring waits for transactions to be mined, which can take minutes. */
const SEAL_LEASE = { key: 'audit:seal', ttlMs: 60_000, waitMs: 30_000 };
const ANCHOR_LEASE = { key: 'audit:anchor', ttlMs: 15 * 60_000, waitMs: 0 };

const entryOrder = { at: 1, entryId: 1 } as const;

/**
 * The audit log's own state, one document per key: the last batch id handed out, and the mark that
 * unbatched entries have batchId 0.
 */
export const AUDIT_STATE_COLLECTION = 'audit_state';
const LAST_BATCH_ID = 'last-batch-id';
const UNBATCHED_AS_ZERO = 'unbatched-entries-batch-id-0';

interface AuditState {
  _id: string;
  n?: number;
  at?: Date;
}

/**
 * Groups audit entries into batches, computes each batch's Merkle root, anchors roots on-chain and
 * produces inclusion proofs. It uses single-document writes only (no transactions), so every step
 * can be repeated after a crash. Several API instances can run it at once: sealing and anchoring each
 * run under a lease (database/lease.ts), so one instance at a time assigns entries or sends roots.
 */
export class AuditBatchService {
  constructor(
    private readonly entries: Model<AuditEntry>,
    private readonly batches: Model<AuditBatch>,
    private readonly options: { batchSize: number },
  ) {
    if (!Number.isInteger(options.batchSize) || options.batchSize < 1) {
      throw new Error(`The audit batch size must be a positive whole number, not ${options.batchSize}.`);
    }
  }

  /**
   * Seals the oldest unbatched entries (at most `batchSize`) into a new batch and returns it, or null
   * when no entry is waiting. Batches left half-claimed by a crash are finished first.
   */
  async sealBatch(): Promise<AuditBatch | null> {
    return withLease(this.batches.db, SEAL_LEASE.key, () => this.sealUnderLease(), SEAL_LEASE);
  }

  private async sealUnderLease(): Promise<AuditBatch | null> {
    await this.prepareOnce();
    for (const unfinished of await this.batches.find({ status: 'claiming' }).sort({ batchId: 1 }).lean<AuditBatch[]>()) {
      await this.finishClaim(unfinished.batchId);
    }
    if (!(await this.entries.exists({ batchId: 0 }))) return null;
    return this.finishClaim(await this.reserveBatchId());
  }

  /** Seals batches until no entry is waiting; returns the new batches. */
  async sealAll(): Promise<AuditBatch[]> {
    const sealed: AuditBatch[] = [];
    for (let batch = await this.sealBatch(); batch; batch = await this.sealBatch()) sealed.push(batch);
    return sealed;
  }

  private prepared = false;

  /**
   * Once per store (a marker document remembers it), under the seal lease, before the store's first
   * sealing by this version: entries written before unbatched entries had batchId 0 (they have null)
   * get 0, and the batch id counter starts after the highest batch id. The one pass reads every entry.
   */
  private async prepareOnce(): Promise<void> {
    if (this.prepared) return;
    if (!(await this.state.findOne({ _id: UNBATCHED_AS_ZERO }))) {
      await this.entries.updateMany({ batchId: null }, { $set: { batchId: 0 } });
      const last = await this.batches.findOne().sort({ batchId: -1 }).select({ batchId: 1 }).lean<Pick<AuditBatch, 'batchId'>>();
      await this.state.updateOne({ _id: LAST_BATCH_ID }, { $max: { n: last?.batchId ?? 0 } }, { upsert: true });
      await this.state.updateOne({ _id: UNBATCHED_AS_ZERO }, { $set: { at: new Date() } }, { upsert: true });
    }
    this.prepared = true;
  }

  private get state() {
    return this.entries.db.collection<AuditState>(AUDIT_STATE_COLLECTION);
  }

  private async reserveBatchId(): Promise<number> {
    for (;;) {
      // A counter found by its key (prepareOnce started it), not a sort over every batch.
      const counted = await this.state.findOneAndUpdate({ _id: LAST_BATCH_ID }, { $inc: { n: 1 } }, { returnDocument: 'after', upsert: true });
      const batchId = counted!.n!;
      try {
        await this.batches.create({ batchId, status: 'claiming', entryIds: [], entryCount: 0 });
        return batchId;
      } catch (error) {
        if (!isDuplicateKeyError(error)) throw error;
        // Another instance reserved this id first: take the next one.
      }
    }
  }

  private async finishClaim(batchId: number): Promise<AuditBatch | null> {
    let claimed = await this.entries.find({ batchId }).sort(entryOrder).lean<AuditEntry[]>();
    if (claimed.length === 0) {
      const candidates = await this.entries
        .find({ batchId: 0 })
        .sort(entryOrder)
        .limit(this.options.batchSize)
        .select({ entryId: 1 })
        .lean<Pick<AuditEntry, 'entryId'>[]>();
      // One equality update per entry (an index finds each), not one with `$in`.
      await Promise.all(candidates.map(({ entryId }) => this.entries.updateOne({ entryId, batchId: 0 }, { $set: { batchId } })));
      claimed = await this.entries.find({ batchId }).sort(entryOrder).lean<AuditEntry[]>();
    }
    if (claimed.length === 0) {
      await this.batches.deleteOne({ batchId, status: 'claiming' });
      return null;
    }
    const members = claimed.slice(0, this.options.batchSize);
    const tree = auditTree(members);
    const sealed =
      (await this.batches
        .findOneAndUpdate(
          { batchId, status: 'claiming' },
          {
            $set: {
              status: 'sealed',
              root: tree.root,
              entryIds: members.map((entry) => entry.entryId),
              entryCount: members.length,
              fromTime: members[0]!.at,
              toTime: members[members.length - 1]!.at,
            },
          },
          { returnDocument: 'after' },
        )
        .lean<AuditBatch>()) ?? (await this.batches.findOne({ batchId }).lean<AuditBatch>());
    if (!sealed) throw new Error(`Audit batch ${batchId} disappeared while it was being sealed.`);
    // Entries beyond the batch size (or assigned after the root was fixed) go back to the queue.
    await this.entries.updateMany({ batchId, entryId: { $nin: sealed.entryIds } }, { $set: { batchId: 0 } });
    return sealed;
  }

  /**
   * Anchors every sealed batch's root with `chain` (the auditor key), oldest first, and returns the
   * batches anchored by this call. Anchorings a crash interrupted are confirmed or retried first. When
   * another instance is anchoring right now, returns an empty list at once.
   */
  async anchorSealed(chain: AuditAnchorChain): Promise<AuditBatch[]> {
    try {
      return await withLease(this.batches.db, ANCHOR_LEASE.key, () => this.anchorUnderLease(chain), ANCHOR_LEASE);
    } catch (error) {
      if (error instanceof LeaseBusyError && error.key === ANCHOR_LEASE.key) return [];
      throw error;
    }
  }

  private async anchorUnderLease(chain: AuditAnchorChain): Promise<AuditBatch[]> {
    const { chainId, contract } = await chain.describe();
    // Holding the lease, any batch still `anchoring` was left by a holder that died mid-way.
    for (const batch of await this.batches.find({ status: 'anchoring' }).lean<AuditBatch[]>()) {
      const landed = batch.anchor?.txHash ? await chain.confirm(batch.anchor.txHash) : null;
      if (landed) {
        await this.batches.updateOne(
          { batchId: batch.batchId, status: 'anchoring' },
          { $set: { status: 'anchored', 'anchor.blockNumber': landed.blockNumber, 'anchor.chainBatchId': landed.chainBatchId } },
        );
      } else {
        await this.batches.updateOne({ batchId: batch.batchId, status: 'anchoring' }, { $set: { status: 'sealed' }, $unset: { anchor: 1 } });
      }
    }

    const anchored: AuditBatch[] = [];
    for (const batch of await this.batches.find({ status: 'sealed' }).sort({ batchId: 1 }).lean<AuditBatch[]>()) {
      // Marked before sending: a crash after the send leaves `anchoring`, which the next run confirms.
      await this.batches.updateOne({ batchId: batch.batchId, status: 'sealed' }, { $set: { status: 'anchoring' } });
      const { txHash } = await chain.send({
        root: batch.root!,
        entryCount: batch.entryCount,
        fromTime: Math.floor(batch.fromTime!.getTime() / 1000),
        toTime: Math.floor(batch.toTime!.getTime() / 1000),
      });
      await this.batches.updateOne({ batchId: batch.batchId }, { $set: { anchor: { chainId, contract, txHash } } });
      const landed = await chain.confirm(txHash);
      if (!landed) throw new Error(`The anchor transaction ${txHash} of audit batch ${batch.batchId} was dropped; it is retried on a later run.`);
      const done = await this.batches
        .findOneAndUpdate(
          { batchId: batch.batchId },
          { $set: { status: 'anchored', 'anchor.blockNumber': landed.blockNumber, 'anchor.chainBatchId': landed.chainBatchId } },
          { returnDocument: 'after' },
        )
        .lean<AuditBatch>();
      anchored.push(done!);
    }
    return anchored;
  }

  /** The batch with this id, or null. */
  async batch(batchId: number): Promise<AuditBatch | null> {
    return this.batches.findOne({ batchId }).lean<AuditBatch>();
  }

  /**
   * The inclusion proof of an entry in its batch. The batch's tree is rebuilt from the stored entries,
   * so an entry altered after sealing makes this throw instead of proving something false.
   */
  async proofFor(entryId: string): Promise<AuditProof> {
    const id = normalizeBytes32(entryId, 'entryId');
    const entry = await this.entries.findOne({ entryId: id }).lean<AuditEntry>();
    if (!entry) throw new NotFoundError(`No audit entry ${id}.`);
    const batch = !entry.batchId ? null : await this.batches.findOne({ batchId: entry.batchId }).lean<AuditBatch>();
    if (!batch || batch.status === 'claiming' || !batch.root) {
      throw new ConflictError(`Audit entry ${id} is not in a sealed batch yet; seal a batch first.`);
    }
    const byId = await findEach(this.entries, 'entryId', batch.entryIds);
    const ordered = batch.entryIds.map((memberId) => {
      const member = byId.get(memberId);
      if (!member) throw new Error(`Audit batch ${batch.batchId} lists entry ${memberId}, which is missing from the log.`);
      return member;
    });
    const tree = auditTree(ordered);
    if (tree.root !== batch.root) {
      throw new Error(`The entries of audit batch ${batch.batchId} no longer hash to its root ${batch.root}: the log was altered.`);
    }
    const index = batch.entryIds.indexOf(id);
    return {
      entryId: id,
      batchId: batch.batchId,
      root: batch.root,
      leaf: auditLeaf(entry),
      proof: tree.getProof(index),
      anchor: batch.status === 'anchored' && batch.anchor ? batch.anchor : null,
    };
  }

  /** Checks a proof on its own and against the root the chain holds for its batch. */
  static async verifyOnChain(proof: AuditProof, chain: AuditAnchorChain): Promise<AuditProofCheck> {
    if (!verifyAuditProof(proof.root, proof.leaf, proof.proof)) {
      return { verified: false, reason: 'the proof does not lead from the leaf to the root' };
    }
    if (proof.anchor?.chainBatchId === undefined || proof.anchor === null) {
      return { verified: false, reason: 'the batch is not anchored on-chain yet' };
    }
    const onChain = await chain.batchOf(proof.anchor.chainBatchId);
    if (!onChain) return { verified: false, reason: `the chain has no audit batch ${proof.anchor.chainBatchId}` };
    if (onChain.root !== proof.root.toLowerCase()) {
      return { verified: false, reason: `the chain holds root ${onChain.root} for batch ${proof.anchor.chainBatchId}, not ${proof.root}` };
    }
    return { verified: true };
  }
}
