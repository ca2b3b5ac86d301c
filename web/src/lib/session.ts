import type { WebRuntimeConfig } from '../config-json';
import { reportServiceUnavailable } from './api';
import { rpcMessage, signMessage, type Wallet } from './wallet';

/** Sign-In With Ethereum against the API (`GET /auth/nonce`, `POST /auth/verify`, `POST /auth/logout`). */

export class SignInError extends Error {
  override name = 'SignInError';
  constructor(
    message: string,
    readonly code?: string,
  ) {
    super(message);
  }
}

/** What to do about each refusal code of the API's SIWE verification. */
const ADVICE: Record<string, string> = {
  SIWE_DOMAIN_MISMATCH: 'Open the client from the address the API expects (its PUBLIC_URL) and sign in again.',
  SIWE_URI_MISMATCH: 'Open the client from the address the API expects (its PUBLIC_URL) and sign in again.',
  SIWE_CHAIN_MISMATCH: 'Switch the wallet to the deployment chain and sign in again.',
  SIWE_ISSUED_IN_FUTURE: "Your computer's clock is ahead; correct it and sign in again.",
  SIWE_ISSUED_TOO_LONG_AGO: 'The sign-in took too long; sign in again.',
  SIWE_EXPIRED: 'The sign-in request expired; sign in again.',
  SIWE_NOT_YET_VALID: "Your computer's clock is behind; correct it and sign in again.",
  SIWE_NONCE_UNKNOWN: 'That sign-in request was already used; sign in again.',
  SIWE_NONCE_EXPIRED: 'The sign-in request expired; sign in again.',
  SIWE_NONCE_CLIENT_MISMATCH: 'Allow cookies for this site (sign-in sets one), then sign in again in this tab.',
  SIWE_INVALID_SIGNATURE: 'The wallet signed with another account; pick the connected account and sign in again.',
};

async function json(response: Response, what: string): Promise<Record<string, unknown>> {
  const text = await response.text();
  let body: Record<string, unknown> = {};
  try {
    body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  } catch {
    throw new SignInError(`${what} answered HTTP ${response.status} with something other than JSON; is the API running behind this site?`);
  }
  if (!response.ok) {
    // The API refuses with { error: { code, message } }.
    const refusal = (typeof body.error === 'object' && body.error ? body.error : body) as { code?: unknown; message?: unknown };
    const code = typeof refusal.code === 'string' ? refusal.code : undefined;
    const message = typeof refusal.message === 'string' ? refusal.message : `HTTP ${response.status}`;
    if (code === 'SERVICE_UNAVAILABLE') reportServiceUnavailable();
    throw new SignInError(`${message}${code && ADVICE[code] ? ` ${ADVICE[code]}` : ''}`, code);
  }
  return body;
}

/**
 * Gets a nonce, asks the wallet to sign the EIP-4361 message, and opens a session (an httpOnly cookie).
 * Both requests carry the site's cookies: the nonce is bound to the short-lived cookie its answer sets.
 */
export async function signIn(config: WebRuntimeConfig, wallet: Wallet): Promise<{ address: string }> {
  const nonceBody = await json(await fetch(`${config.authUrl}/nonce`, { credentials: 'same-origin' }), 'GET /auth/nonce');
  const nonce = String(nonceBody.nonce ?? '');
  if (!nonce) throw new SignInError('The API issued no nonce; check that it runs and try again.');

  // The API names the domain, URI and chain it accepts; they match this page when the API is served
  // from the same origin (the stack's web server forwards /auth and /graphql to it).
  const domain = typeof nonceBody.domain === 'string' ? nonceBody.domain : window.location.host;
  const uri = typeof nonceBody.uri === 'string' ? nonceBody.uri : window.location.origin;
  if (domain !== window.location.host) {
    console.warn(`The API signs in users of ${domain}, but this page is on ${window.location.host}; wallets will warn about the mismatch.`);
  }
  const message = signInMessage({ domain, uri, nonce }, wallet);

  let signature: string;
  try {
    signature = await signMessage(wallet, message);
  } catch (error) {
    throw new SignInError(`The wallet did not sign the sign-in message (${rpcMessage(error)}). Sign it to continue.`);
  }
  const verified = await json(
    await fetch(`${config.authUrl}/verify`, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ message, signature }),
    }),
    'POST /auth/verify',
  );
  return { address: String(verified.address ?? wallet.address) };
}

export async function signOut(config: WebRuntimeConfig): Promise<void> {
  await fetch(`${config.authUrl}/logout`, { method: 'POST', credentials: 'same-origin' });
}

/** How long the sign-in message the client writes stays valid. */
const SIGN_IN_VALIDITY_MS = 8 * 3600_000;

/**
 * The sign-in message for the nonce the API offered, issued at `now` (the client's clock; tests inject
 * another one) and valid for eight hours from then.
 */
export function signInMessage(offer: { domain: string; uri: string; nonce: string }, wallet: Pick<Wallet, 'address' | 'chainId'>, now: Date = new Date()): string {
  return siweMessage({
    ...offer,
    address: wallet.address,
    statement: 'Sign in to the health records client.',
    chainId: wallet.chainId,
    issuedAt: now.toISOString(),
    expirationTime: new Date(now.getTime() + SIGN_IN_VALIDITY_MS).toISOString(),
  });
}

/**
 * The EIP-4361 message text (the grammar's fields in its order). The API parses and checks it with
 * the maintained `siwe` library; the browser only needs to write it, so it carries no parser.
 */
export function siweMessage(fields: {
  domain: string;
  address: string;
  statement: string;
  uri: string;
  chainId: number;
  nonce: string;
  issuedAt: string;
  expirationTime: string;
}): string {
  return [
    `${fields.domain} wants you to sign in with your Ethereum account:`,
    fields.address,
    '',
    fields.statement,
    '',
    `URI: ${fields.uri}`,
    'Version: 1',
    `Chain ID: ${fields.chainId}`,
    `Nonce: ${fields.nonce}`,
    `Issued At: ${fields.issuedAt}`,
    `Expiration Time: ${fields.expirationTime}`,
  ].join('\n');
}
