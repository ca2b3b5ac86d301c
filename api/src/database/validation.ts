import mongoose from 'mongoose';
import { BadInputError, ConflictError } from '../errors';

/** Lowercase 0x-prefixed 20-byte hex: how every Ethereum address is stored. */
export const ADDRESS_PATTERN = /^0x[0-9a-f]{40}$/;
/** 0x-prefixed 32-byte hex: record ids, audit entry ids, commitments, Merkle roots. */
export const BYTES32_PATTERN = /^0x[0-9a-f]{64}$/;

/** Normalises an address to lowercase hex, or throws BAD_USER_INPUT naming the field. */
export function normalizeAddress(value: unknown, field: string): string {
  if (typeof value !== 'string' || !/^0x[0-9a-fA-F]{40}$/.test(value)) {
    throw new BadInputError([{ field, message: `must be a 0x-prefixed 20-byte hex address (got ${JSON.stringify(value)})` }]);
  }
  return value.toLowerCase();
}

/** Normalises a 32-byte hex value to lowercase, or throws BAD_USER_INPUT naming the field. */
export function normalizeBytes32(value: unknown, field: string): string {
  if (typeof value !== 'string' || !/^0x[0-9a-fA-F]{64}$/.test(value)) {
    throw new BadInputError([{ field, message: `must be 0x followed by 64 hex digits (got ${JSON.stringify(value)})` }]);
  }
  return value.toLowerCase();
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
