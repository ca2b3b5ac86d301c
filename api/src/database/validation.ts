import mongoose from 'mongoose';
import { BadInputError, ConflictError } from '../errors';

/** Lowercase 0x-prefixed 20-byte hex: how every Ethereum address is stored. */
export const ADDRESS_PATTERN = /^0x[0-9a-f]{40}$/;
/** 0x-prefixed 32-byte hex: record ids, audit entry ids, commitments, Merkle roots. */
export const BYTES32_PATTERN = /^0x[0-9a-f]{64}$/;

/**
 * The identifier forms input may take (any case; stored and answered lowercase), each with what a bad
 * value is told. The one definition: the data layer's normalizers and the API's Address and Bytes32
 * scalars both check with these.
 */
const INPUT_FORMS = {
  address: { pattern: new RegExp(ADDRESS_PATTERN.source, 'i'), expected: 'must be a 0x-prefixed 20-byte hex address' },
  bytes32: { pattern: new RegExp(BYTES32_PATTERN.source, 'i'), expected: 'must be 0x followed by 64 hex digits' },
} as const;
export type IdentifierForm = keyof typeof INPUT_FORMS;

/** `value` lowercase when it has the identifier form, else what is wrong with it ("must be …", for the field's message). */
export function parseIdentifier(form: IdentifierForm, value: unknown): { value: string } | { problem: string } {
  const { pattern, expected } = INPUT_FORMS[form];
  if (typeof value === 'string' && pattern.test(value)) return { value: value.toLowerCase() };
  return { problem: `${expected} (got ${JSON.stringify(value)})` };
}

function normalize(form: IdentifierForm, value: unknown, field: string): string {
  const parsed = parseIdentifier(form, value);
  if ('problem' in parsed) throw new BadInputError([{ field, message: parsed.problem }]);
  return parsed.value;
}

/** Normalises an address to lowercase hex, or throws BAD_USER_INPUT naming the field. */
export function normalizeAddress(value: unknown, field: string): string {
  return normalize('address', value, field);
}

/** Normalises a 32-byte hex value to lowercase, or throws BAD_USER_INPUT naming the field. */
export function normalizeBytes32(value: unknown, field: string): string {
  return normalize('bytes32', value, field);
}

/** True for the driver's duplicate-key error (a unique index refused a write). */
export function isDuplicateKeyError(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 11000;
}

/**
 * Turns mongoose validation and duplicate-key errors into the data layer's typed errors, so callers
 * see which field was wrong; any other error is returned unchanged.
 */
export function translateWriteError(error: unknown, duplicateMessage: string): unknown {
  if (error instanceof mongoose.Error.ValidationError) {
    return new BadInputError(
      Object.entries(error.errors).map(([field, detail]) => ({ field, message: detail.message })),
    );
  }
  if (error instanceof mongoose.Error.CastError) {
    return new BadInputError([{ field: error.path, message: `has the wrong type: ${error.message}` }]);
  }
  if (error instanceof mongoose.Error.StrictModeError) {
    return new BadInputError([{ field: error.path, message: 'is not a field of this document' }]);
  }
  if (isDuplicateKeyError(error)) return new ConflictError(duplicateMessage);
  return error;
}
