import { randomBytes } from 'node:crypto';
import { concat, encodeBytes32String, keccak256 } from 'ethers';
import { BadInputError } from '../errors';

/** Length of the random salt in front of the canonical content. */
export const SALT_BYTES = 32;

/** A fresh random 32-byte salt. */
export function newSalt(): Uint8Array {
  return new Uint8Array(randomBytes(SALT_BYTES));
}

/**
 * The commitment the chain stores for a record version: keccak256(salt || canonical content). The salt
 * makes low-entropy contents (a blood group, a yes/no answer) impossible to guess from the hash.
 */
export function computeCommitment(salt: Uint8Array, canonical: Uint8Array): string {
  if (salt.length !== SALT_BYTES) throw new Error(`A commitment salt must be ${SALT_BYTES} bytes, not ${salt.length}.`);
  return keccak256(concat([salt, canonical]));
}

/** The preimage of a commitment (salt || canonical content), which is also what gets encrypted. */
export function commitmentPreimage(salt: Uint8Array, canonical: Uint8Array): Uint8Array {
  return new Uint8Array(Buffer.concat([salt, canonical]));
}

/** Splits a preimage back into salt and canonical content. */
export function splitPreimage(preimage: Uint8Array): { salt: Uint8Array; canonical: Uint8Array } {
  if (preimage.length < SALT_BYTES) throw new Error('A commitment preimage is shorter than its salt.');
  return { salt: preimage.subarray(0, SALT_BYTES), canonical: preimage.subarray(SALT_BYTES) };
}

/** A data category as the contracts take it: ASCII, left-aligned in bytes32. */
export function categoryCode(category: string): string {
  if (!/^[A-Za-z][A-Za-z0-9_.-]{0,30}$/.test(category)) {
    throw new BadInputError([{ field: 'category', message: 'must be 1 to 31 ASCII letters, digits, _, . or -, starting with a letter' }]);
  }
  return encodeBytes32String(category);
}
