import { createHmac, timingSafeEqual } from 'node:crypto';
import { FhirError } from './fhir.errors';

/*
 * Bearer tokens for server-to-server FHIR clients. A signed-in account (SIWE session cookie) asks for a
 * token with SMART-style scopes; the token names its session, so it never outlives it (logging out ends
 * it), and its scopes narrow what the account may read through the facade, never widen it: every
 * request is still decided by the account's own permissions.
 */

/** A SMART App Launch read scope: `patient/<Type|*>.read` (the account's own data) or `user/<Type|*>.read` (whatever the account may read). */
export interface SmartScope {
  context: 'patient' | 'user';
  /** A resource type, or `*` for every type. */
  type: string;
}

/** Longest life of a token; it also ends with its session. */
export const TOKEN_TTL_SECONDS = 3600;
const SCOPE = /^(patient|user)\/([A-Za-z]+|\*)\.(read|rs|r|s|\*)$/;
const MAX_SCOPES = 32;

const scopeText = (scope: SmartScope) => `${scope.context}/${scope.type}.read`;

/** Parses a space-separated scope list; anything but a read scope is refused, naming it. */
export function parseScopes(text: unknown): SmartScope[] {
  if (typeof text !== 'string' || text.trim() === '') throw FhirError.badParameter('scope', 'is required: space-separated SMART scopes such as patient/*.read or user/Consent.read');
  const scopes = text.trim().split(/\s+/);
  if (scopes.length > MAX_SCOPES) throw FhirError.badParameter('scope', `at most ${MAX_SCOPES} scopes`);
  return scopes.map((scope) => {
    const match = SCOPE.exec(scope);
    if (!match) throw FhirError.badParameter('scope', `${scope} is not a read scope this server grants (patient/<Type|*>.read or user/<Type|*>.read; the facade is read-only)`);
    return { context: match[1] as SmartScope['context'], type: match[2]! };
  });
}

/**
 * What a request may read through the facade besides the account's own permissions: everything for a
 * session cookie, the token's scopes for a bearer token.
 */
export class ScopeGrant {
  static readonly session = new ScopeGrant(null, null);

  constructor(
    private readonly scopes: SmartScope[] | null,
    /** The token's account, lowercase. */
    private readonly account: string | null,
  ) {}

  /**
   * Refuses (403) unless a scope covers reading `type` (`*`: every type) of `patient` (null: data that
   * is not one patient's, e.g. consents the account received, which only `user/` scopes cover).
   */
  require(type: string, patient: string | null): void {
    if (this.scopes === null) return;
    const covered = this.scopes.some(
      (scope) => (scope.type === '*' || scope.type === type) && (scope.context === 'user' || (patient !== null && patient.toLowerCase() === this.account)),
    );
    if (covered) return;
    const what = `${type === '*' ? 'every resource type' : type}${patient ? ` of Patient/${patient}` : ''}`;
    throw new FhirError(403, {
      severity: 'error',
      code: 'forbidden',
      diagnostics: `The token's scopes (${this.scopes.map(scopeText).join(' ')}) do not cover reading ${what}; get a token with user/${type}.read${patient && patient.toLowerCase() === this.account ? ` or patient/${type}.read` : ''}.`,
    });
  }
}

/** What a valid token says. */
export interface TokenClaims {
  sessionId: string;
  scopes: SmartScope[];
  /** Seconds since the epoch. */
  expiresAt: number;
}

/** Issues and checks tokens: the claims, base64url, and an HMAC-SHA256 of them under a key derived from the server's secret. */
export class BearerTokens {
  private readonly key: Buffer;

  constructor(
    secret: string,
    private readonly now: () => number = Date.now,
  ) {
    this.key = createHmac('sha256', secret).update('fhir-bearer-token').digest();
  }

  private sign(payload: string): string {
    return createHmac('sha256', this.key).update(payload).digest('base64url');
  }

  issue(session: { id: string; expiresAt: Date }, scopes: SmartScope[]): { access_token: string; token_type: 'Bearer'; expires_in: number; scope: string } {
    const nowSeconds = Math.floor(this.now() / 1000);
    const expiresAt = Math.min(nowSeconds + TOKEN_TTL_SECONDS, Math.floor(session.expiresAt.getTime() / 1000));
    const claims: TokenClaims = { sessionId: session.id, scopes, expiresAt };
    const payload = Buffer.from(JSON.stringify(claims), 'utf8').toString('base64url');
    return { access_token: `${payload}.${this.sign(payload)}`, token_type: 'Bearer', expires_in: expiresAt - nowSeconds, scope: scopes.map(scopeText).join(' ') };
  }

  /** The token's claims, or null when it is not one of this server's, was altered, or has expired. */
  verify(token: string): TokenClaims | null {
    const [payload, signature, ...rest] = token.split('.');
    if (!payload || !signature || rest.length > 0) return null;
    const expected = Buffer.from(this.sign(payload));
    const given = Buffer.from(signature);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return null;
    let claims: TokenClaims;
    try {
      claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as TokenClaims;
    } catch {
      return null;
    }
    if (typeof claims.sessionId !== 'string' || !Array.isArray(claims.scopes) || typeof claims.expiresAt !== 'number') return null;
    if (claims.expiresAt * 1000 <= this.now()) return null;
    return claims;
  }
}
