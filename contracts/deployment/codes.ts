import { encodeBytes32String, hexlify, randomBytes, toUtf8Bytes, zeroPadBytes } from 'ethers';

/** A bytes32 data category or code, ASCII left-aligned, as the contracts and the API encode them. */
export const code32 = (text: string): string => encodeBytes32String(text);
/** A bytes16 purpose-of-use code, ASCII left-aligned. */
export const code16 = (text: string): string => {
  const bytes = toUtf8Bytes(text);
  if (bytes.length > 16) throw new Error(`"${text}" is longer than 16 bytes`);
  return zeroPadBytes(bytes, 16);
};
/** A random bytes32 (record ids, treatment ids, plan hashes). */
export const random32 = (): string => hexlify(randomBytes(32));
