import { decodeBytes32String, encodeBytes32String, hexlify, toUtf8Bytes, toUtf8String, zeroPadBytes, getBytes } from 'ethers';
import { BadInputError } from '../errors';

/**
 * The contracts' short codes: data categories and reason codes are ASCII left-aligned in bytes32,
 * purposes of use in bytes16. These helpers convert both ways and name the field on bad input.
 */

/** The scope that stands for every data category. */
export const ALL_SCOPES = '*';
/** The access bits of ConsentManager. */
export const ACCESS_READ = 1;
export const ACCESS_WRITE = 2;

const CODE_PATTERN = /^[A-Za-z*][A-Za-z0-9_.-]{0,30}$/;

/**
 * The codes of valid names already encoded: a page of records asks for the same category and purpose
 * once per record. Few names exist (categories and purposes), so it is simply emptied when full.
 */
const encoded = new Map<string, string>();

function remembered(key: string, encode: () => string): string {
  let code = encoded.get(key);
  if (code === undefined) {
    if (encoded.size >= 1000) encoded.clear();
    code = encode();
    encoded.set(key, code);
  }
  return code;
}

/** A category or scope name as bytes32, or BAD_USER_INPUT naming `field`. `*` is every category. */
export function scopeCode(name: string, field: string): string {
  return remembered(`scope:${name}`, () => {
    if (name !== ALL_SCOPES && !CODE_PATTERN.test(name)) {
      throw new BadInputError([
        { field, message: `must be * or 1 to 31 ASCII letters, digits, _, . or -, starting with a letter (got ${JSON.stringify(name)})` },
      ]);
    }
    return encodeBytes32String(name);
  });
}

/** A purpose of use (HL7 v3 PurposeOfUse, e.g. TREAT) as bytes16, or BAD_USER_INPUT naming `field`. */
export function purposeCode(name: string, field: string): string {
  return remembered(`purpose:${name}`, () => {
    if (!/^[A-Z][A-Z0-9]{0,15}$/.test(name)) {
      throw new BadInputError([{ field, message: `must be an HL7 v3 PurposeOfUse code in capitals such as TREAT or HRESCH (got ${JSON.stringify(name)})` }]);
    }
    return zeroPadBytes(toUtf8Bytes(name), 16);
  });
}

/** The text of a bytes32 code (trailing zero bytes removed). */
export function codeText32(value: string): string {
  return decodeBytes32String(value);
}

/** The text of a bytes16 code. */
export function codeText16(value: string): string {
  const bytes = getBytes(value);
  let end = bytes.length;
  while (end > 0 && bytes[end - 1] === 0) end -= 1;
  return toUtf8String(bytes.subarray(0, end));
}

/** 0x hex of arbitrary bytes, or BAD_USER_INPUT naming `field`. */
export function hexArg(value: string, field: string): string {
  if (!/^0x([0-9a-fA-F]{2})*$/.test(value)) {
    throw new BadInputError([{ field, message: 'must be 0x-prefixed hex with an even number of digits' }]);
  }
  return hexlify(value);
}
