import { LRUCache } from 'lru-cache';
import { randomBytes } from 'node:crypto';
import { getAddress, hashMessage, Contract, verifyMessage, type Provider } from 'ethers';
import { SiweMessage } from 'siwe';
import { describeFormatProblem } from './siwe-format';

/**
 * Sign-In With Ethereum (EIP-4361), the server side. The server issues single-use, expiring nonces;
 * `verify` accepts a signed message only when every check below passes, each failure with its own code:
 *
 * | code                       | meaning                                                                                          |
 * | -------------------------- | ------------------------------------------------------------------------------------------------ |
 * | SIWE_MALFORMED_MESSAGE     | not an EIP-4361 message (`field` names the part at fault), or no message / signature in the body |
 * | SIWE_DOMAIN_MISMATCH       | `domain` is not this server's host                                                               |
 * | SIWE_URI_MISMATCH          | `URI` is not on this server's origin                                                             |
 * | SIWE_CHAIN_MISMATCH        | `Chain ID` is not the chain the contracts are deployed on                                        |
 * | SIWE_ISSUED_IN_FUTURE      | `Issued At` is later than now (beyond the allowed clock skew)                                    |
 * | SIWE_ISSUED_TOO_LONG_AGO   | `Issued At` is older than a nonce lives                                                          |
 * | SIWE_EXPIRED               | `Expiration Time` has passed                                                                     |
 * | SIWE_NOT_YET_VALID         | `Not Before` is still in the future                                                              |
 * | SIWE_NONCE_UNKNOWN         | the nonce was not issued by this server, or was already used                                     |
 * | SIWE_NONCE_EXPIRED         | the nonce was issued but its time ran out                                                        |
 * | SIWE_NONCE_CLIENT_MISMATCH | the nonce was issued to another client, or the request lacks the cookie set with it              |
 * | SIWE_INVALID_SIGNATURE     | the signature is not the address's (neither ECDSA nor ERC-1271)                                  |
 *
 * A nonce is bound to the client that asked for it: `issueNonce` takes that client's binding value (the
 * HTTP layer keeps it in a short-lived cookie) and only the same value uses the nonce up. A message that
 * passes the domain, URI, chain and time checks and comes with its nonce's binding consumes the nonce,
 * whether or not the signature is valid, so a nonce never serves twice; presented by another client it
 * is refused and stays for its own client.
 */
export const SIWE_ERROR_CODES = [
  'SIWE_MALFORMED_MESSAGE',
  'SIWE_DOMAIN_MISMATCH',
  'SIWE_URI_MISMATCH',
  'SIWE_CHAIN_MISMATCH',
  'SIWE_ISSUED_IN_FUTURE',
  'SIWE_ISSUED_TOO_LONG_AGO',
  'SIWE_EXPIRED',
  'SIWE_NOT_YET_VALID',
  'SIWE_NONCE_UNKNOWN',
  'SIWE_NONCE_EXPIRED',
  'SIWE_NONCE_CLIENT_MISMATCH',
  'SIWE_INVALID_SIGNATURE',
] as const;
export type SiweErrorCode = (typeof SIWE_ERROR_CODES)[number];

/** A sign-in attempt was refused; `code` says which check failed, `field` which part of the message when known. */
export class SiweVerificationError extends Error {
  constructor(
    readonly code: SiweErrorCode,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'SiweVerificationError';
  }
}

/** Where nonces live between `GET /auth/nonce` and `POST /auth/verify`, each with its client's binding. */
export interface NonceStore {
  save(nonce: string, client: string, expiresAt: Date): Promise<void>;
  /**
   * Deletes the nonce and says what it was: unknown (never issued or used), expired, or valid; or
   * other-client (kept) when `client` is not the binding it was issued with.
   */
  consume(nonce: string, client: string | undefined, now: Date): Promise<'valid' | 'expired' | 'unknown' | 'other-client'>;
}

/** A signed-in session. */
export interface Session {
  id: string;
  address: string;
  expiresAt: Date;
}

/** Where sessions live; the cookie holds only the (signed) session id. */
export interface SessionStore {
  create(address: string, expiresAt: Date): Promise<Session>;
  find(id: string, now: Date): Promise<Session | null>;
  delete(id: string): Promise<void>;
}

export interface SiweServiceOptions {
  /** The server's origin, e.g. https://api.example.org: its host is the only accepted `domain`. */
  publicOrigin: string;
  chainId: number;
  nonceTtlSeconds: number;
  sessionTtlSeconds: number;
  nonces: NonceStore;
  sessions: SessionStore;
  /** For ERC-1271 contract wallets: `isValidSignature` is called at the latest block. */
  provider: Provider;
  /** Allowed difference between the client's clock and ours, in seconds (default 60). */
  clockSkewSeconds?: number;
  /**
   * How long a looked-up session is trusted without asking the store again, in milliseconds (default
   * 2000; 0: ask on every request). Logging out on this instance takes effect at once; on other
   * instances of the API it takes effect within this time.
   */
  sessionCacheMs?: number;
  now?: () => Date;
}

const ERC1271_ABI = ['function isValidSignature(bytes32 hash, bytes signature) view returns (bytes4)'];
const ERC1271_MAGIC_VALUE = '0x1626ba7e';

export class SiweService {
  private readonly origin: URL;
  private readonly skewMs: number;
  private readonly now: () => Date;
  /** Looked-up sessions by id (null: none open), each trusted for `sessionCacheMs`; null when that is 0. */
  private readonly sessionCache: LRUCache<string, { session: Session | null }> | null;

  constructor(private readonly options: SiweServiceOptions) {
    this.origin = new URL(options.publicOrigin);
    this.skewMs = (options.clockSkewSeconds ?? 60) * 1000;
    this.now = options.now ?? (() => new Date());
    const cacheMs = options.sessionCacheMs ?? 2000;
    this.sessionCache = cacheMs > 0 ? new LRUCache({ max: 10_000, ttl: cacheMs, perf: { now: () => this.now().getTime() } }) : null;
  }

  /** The `domain` every message must name: the host (and port) of the server's origin. */
  get domain(): string {
    return this.origin.host;
  }

  /**
   * Issues a fresh nonce (96 random bits, alphanumeric as EIP-4361 requires) for the client whose
   * binding value is `client`: only a `verify` with the same value can use it.
   */
  async issueNonce(client: string): Promise<{ nonce: string; expiresAt: Date }> {
    const nonce = randomBytes(12).toString('hex');
    const expiresAt = new Date(this.now().getTime() + this.options.nonceTtlSeconds * 1000);
    await this.options.nonces.save(nonce, client, expiresAt);
    return { nonce, expiresAt };
  }

  /**
   * Checks a signed message, sent by the client whose binding value is `client` (undefined: it sent
   * none), and opens a session for its address.
   */
  async verify(text: unknown, signature: unknown, client: string | undefined): Promise<Session> {
    if (typeof text !== 'string' || typeof signature !== 'string' || !/^0x[0-9a-fA-F]+$/.test(signature)) {
      throw new SiweVerificationError('SIWE_MALFORMED_MESSAGE', 'Send JSON { message, signature }: the EIP-4361 message text and its 0x-hex signature.', typeof text === 'string' ? 'signature' : 'message');
    }
    let message: SiweMessage;
    try {
      message = new SiweMessage(text);
    } catch (error) {
      const problem = describeFormatProblem(text, error);
      throw new SiweVerificationError('SIWE_MALFORMED_MESSAGE', `${problem.message} Sign a message built from GET /auth/nonce's answer (EIP-4361).`, problem.field);
    }

    if (message.domain !== this.domain) {
      throw new SiweVerificationError('SIWE_DOMAIN_MISMATCH', `The message is for ${message.domain}; sign a message for ${this.domain}.`);
    }
    let uri: URL | undefined;
    try {
      uri = new URL(message.uri);
    } catch {
      uri = undefined;
    }
    if (!uri || uri.origin !== this.origin.origin) {
      throw new SiweVerificationError('SIWE_URI_MISMATCH', `The message's URI ${message.uri} is not on ${this.origin.origin}.`);
    }
    if (Number(message.chainId) !== this.options.chainId) {
      throw new SiweVerificationError('SIWE_CHAIN_MISMATCH', `The message is for chain ${message.chainId}; this server runs on chain ${this.options.chainId}.`);
    }

    const now = this.now();
    const issuedAt = new Date(message.issuedAt ?? '');
    if (Number.isNaN(issuedAt.getTime())) {
      throw new SiweVerificationError('SIWE_MALFORMED_MESSAGE', 'The message has no valid Issued At time.');
    }
    if (issuedAt.getTime() > now.getTime() + this.skewMs) {
      throw new SiweVerificationError('SIWE_ISSUED_IN_FUTURE', `The message was issued at ${issuedAt.toISOString()}, after now (${now.toISOString()}); check the signer's clock.`);
    }
    if (issuedAt.getTime() < now.getTime() - this.options.nonceTtlSeconds * 1000 - this.skewMs) {
      throw new SiweVerificationError('SIWE_ISSUED_TOO_LONG_AGO', `The message was issued at ${issuedAt.toISOString()}, longer ago than a nonce lives; sign in again.`);
    }
    if (message.expirationTime && new Date(message.expirationTime).getTime() <= now.getTime()) {
      throw new SiweVerificationError('SIWE_EXPIRED', `The message expired at ${message.expirationTime}; sign in again.`);
    }
    if (message.notBefore && new Date(message.notBefore).getTime() > now.getTime() + this.skewMs) {
      throw new SiweVerificationError('SIWE_NOT_YET_VALID', `The message is valid from ${message.notBefore} only.`);
    }

    const nonceState = await this.options.nonces.consume(message.nonce, client, now);
    if (nonceState === 'other-client') {
      throw new SiweVerificationError(
        'SIWE_NONCE_CLIENT_MISMATCH',
        client === undefined
          ? 'The request came without the sign-in cookie GET /auth/nonce set: send GET /auth/nonce and POST /auth/verify from the same client with its cookies (fetch: credentials \'same-origin\' or \'include\'), and allow cookies for this site.'
          : 'The nonce was issued to another client: a nonce signs in only the client that asked for it. Get a new nonce from GET /auth/nonce and sign a message with it.',
      );
    }
    if (nonceState === 'unknown') {
      throw new SiweVerificationError('SIWE_NONCE_UNKNOWN', 'The nonce was not issued by this server or was already used; get a new one from GET /auth/nonce.');
    }
    if (nonceState === 'expired') {
      throw new SiweVerificationError('SIWE_NONCE_EXPIRED', 'The nonce expired; get a new one from GET /auth/nonce.');
    }

    const address = getAddress(message.address);
    if (!(await this.signedBy(text, signature, address))) {
      throw new SiweVerificationError('SIWE_INVALID_SIGNATURE', `The signature is not ${address}'s signature of this message.`);
    }

    const ttlMs = this.options.sessionTtlSeconds * 1000;
    const messageExpiry = message.expirationTime ? new Date(message.expirationTime).getTime() : Infinity;
    const expiresAt = new Date(Math.min(now.getTime() + ttlMs, messageExpiry));
    return this.options.sessions.create(address.toLowerCase(), expiresAt);
  }

  /** ECDSA (EIP-191 personal_sign) first, then ERC-1271 when the address holds code. */
  private async signedBy(text: string, signature: string, address: string): Promise<boolean> {
    try {
      if (verifyMessage(text, signature) === address) return true;
    } catch {
      // Not a 65-byte ECDSA signature: a contract wallet may still accept it.
    }
    const code = await this.options.provider.getCode(address);
    if (code === '0x') return false;
    try {
      const wallet = new Contract(address, ERC1271_ABI, this.options.provider);
      const result = (await wallet.getFunction('isValidSignature').staticCall(hashMessage(text), signature)) as string;
      return result.toLowerCase() === ERC1271_MAGIC_VALUE;
    } catch {
      return false;
    }
  }

  /** The open session with this id, or null (expired, logged out or unknown). */
  async session(id: string): Promise<Session | null> {
    const now = this.now();
    const cached = this.sessionCache?.get(id);
    if (cached) return cached.session && cached.session.expiresAt.getTime() > now.getTime() ? cached.session : null;
    const session = await this.options.sessions.find(id, now);
    this.sessionCache?.set(id, { session });
    return session;
  }

  async logout(id: string): Promise<void> {
    this.sessionCache?.delete(id);
    await this.options.sessions.delete(id);
  }
}
