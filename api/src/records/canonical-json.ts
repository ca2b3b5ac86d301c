import canonicalize from 'canonicalize';
import { BadInputError } from '../errors';

/**
 * The RFC 8785 (JSON Canonicalization Scheme) form of `value` as UTF-8 bytes: sorted keys, no
 * whitespace, ECMAScript number formatting. Two equal JSON values always give the same bytes, which is
 * what makes a commitment over them reproducible.
 */
export function canonicalBytes(value: unknown, field = 'content'): Uint8Array {
  let text: string | undefined;
  try {
    text = canonicalize(value);
  } catch (error) {
    throw new BadInputError([{ field, message: `cannot be written as canonical JSON: ${(error as Error).message}` }]);
  }
  if (text === undefined) {
    throw new BadInputError([{ field, message: 'is not a JSON value' }]);
  }
  return new TextEncoder().encode(text);
}

/** Refuses bytes that are not UTF-8; one for every call (it keeps no state between whole decodes). */
const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** Parses bytes produced by `canonicalBytes` back into a value. */
export function parseCanonical(bytes: Uint8Array): unknown {
  return JSON.parse(UTF8.decode(bytes));
}
