/**
 * Integrity of a record's stored content against the chain. The data layer decrypts the newest
 * version, recomputes keccak256(salt || canonical content), checks it against the commitment stored
 * beside it, and asks the chain whether that commitment is the record's current one.
 */
export type IntegrityStatus = 'verified' | 'tampered' | 'not_anchored' | 'erased';

export interface IntegrityReport {
  status: IntegrityStatus;
  /** The newest off-chain version checked (0 when erased off-chain). */
  version: number;
  /** The record's current version on-chain (0: not anchored). */
  chainVersion: number;
  /** Why the status is not `verified`, in words for logs and operators. */
  reason?: string;
}

/** What the chain says about a commitment (RecordRegistry's `verifyCommitment` and `recordHead`). */
export interface ChainCommitmentCheck {
  /** True when `commitment` is the current version's and the record is not erased. */
  current: boolean;
  /** The record's current version on-chain; 0 when it was never anchored. */
  version: number;
  erased: boolean;
}

/** The chain's record registry, as the integrity check needs it. */
export interface ChainCommitments {
  checkCommitment(input: { recordId: string; patient: string; category: string; commitment: string }): Promise<ChainCommitmentCheck>;
}

/**
 * Decides a record version's integrity from the facts gathered about it. `recomputed` is null when
 * the ciphertext failed authentication.
 */
export function judgeIntegrity(facts: {
  version: number;
  storedCommitment: string;
  recomputed: string | null;
  chain: ChainCommitmentCheck;
}): IntegrityReport {
  const { version, storedCommitment, recomputed, chain } = facts;
  const base = { version, chainVersion: chain.version };
  if (recomputed === null) {
    return { ...base, status: 'tampered', reason: 'the stored ciphertext, its key or its tag was altered' };
  }
  if (recomputed.toLowerCase() !== storedCommitment.toLowerCase()) {
    return { ...base, status: 'tampered', reason: 'the stored commitment does not match the stored content' };
  }
  if (chain.erased) return { ...base, status: 'erased', reason: 'the record is erased on-chain' };
  if (chain.version === 0) return { ...base, status: 'not_anchored', reason: 'the record is not anchored on-chain yet' };
  if (chain.current) return { ...base, status: 'verified' };
  if (version > chain.version) {
    return { ...base, status: 'not_anchored', reason: `version ${version} is not anchored yet (the chain is at version ${chain.version})` };
  }
  return { ...base, status: 'tampered', reason: `the content differs from what the chain holds for version ${chain.version}` };
}
