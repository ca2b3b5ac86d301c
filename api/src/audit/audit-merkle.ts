import { StandardMerkleTree } from '@openzeppelin/merkle-tree';
import type { AuditEntry } from './audit-entry.model';

/**
 * ABI types of one leaf: entry id, actor, patient, record id, record version, purpose, decision, time
 * (Unix milliseconds). StandardMerkleTree hashes abi.encode of these twice, the form OpenZeppelin's
 * MerkleProof verifies on-chain.
 */
export const AUDIT_LEAF_ENCODING = ['bytes32', 'address', 'address', 'bytes32', 'uint32', 'string', 'string', 'uint64'] as const;

export type AuditLeaf = [string, string, string, string, number, string, string, string];

/** The leaf values of an entry. */
export function auditLeaf(entry: Pick<AuditEntry, 'entryId' | 'actor' | 'patient' | 'recordId' | 'recordVersion' | 'purpose' | 'decision' | 'at'>): AuditLeaf {
  return [
    entry.entryId,
    entry.actor,
    entry.patient,
    entry.recordId,
    entry.recordVersion,
    entry.purpose,
    entry.decision,
    String(entry.at.getTime()),
  ];
}

/** The tree of a batch's entries, leaves in the given order (sorted inside, as the library does). */
export function auditTree(entries: readonly AuditEntry[]): StandardMerkleTree<AuditLeaf> {
  return StandardMerkleTree.of(entries.map(auditLeaf), [...AUDIT_LEAF_ENCODING]);
}

/** Checks an inclusion proof of `leaf` against `root`. */
export function verifyAuditProof(root: string, leaf: AuditLeaf, proof: string[]): boolean {
  return StandardMerkleTree.verify(root, [...AUDIT_LEAF_ENCODING], leaf, proof);
}
