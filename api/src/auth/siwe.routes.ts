import { randomBytes } from 'node:crypto';
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { rateLimit } from 'express-rate-limit';
import { SiweVerificationError, type Session, type SiweService } from './siwe.service';

/** Name of the httpOnly cookie holding the signed session id. */
export const SESSION_COOKIE = 'hr_session';
/**
 * Name of the short-lived httpOnly cookie `GET /auth/nonce` sets: a random value (256 bits) that binds
 * the nonces it issues to this client. The server keeps only its hash, with each nonce.
 */
export const SIGN_IN_COOKIE = 'hr_sign_in';
/** A binding value as this server writes it (32 random bytes, base64url). */
const SIGN_IN_VALUE = /^[A-Za-z0-9_-]{43}$/;

export interface SiweRouteOptions {
  siwe: SiweService;
  publicOrigin: string;
  chainId: number;
  /** Secure cookies (HTTPS origins). */
  secureCookies: boolean;
  /** How long a nonce (and so the sign-in cookie) lives. */
  nonceTtlSeconds: number;
  /** Sign-in requests per client address per minute. */
  rateLimitPerMinute: number;
}

/** The signed-in session of a request, set by `sessionMiddleware`. */
export function sessionOf(res: Response): Session | null {
  return (res.locals.session as Session | undefined) ?? null;
}

/**
 * Authentication happens here, in HTTP middleware before GraphQL: the signed cookie names a session,
 * the session store says whether it is still open. GraphQL's context only reads the result.
 */
export function sessionMiddleware(siwe: SiweService) {
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    const id = (req.signedCookies as Record<string, unknown> | undefined)?.[SESSION_COOKIE];
    if (typeof id === 'string' && id.length > 0) {
      try {
        res.locals.session = await siwe.session(id);
      } catch (error) {
        next(error);
        return;
      }
    }
    next();
  };
}

function refuse(res: Response, status: number, code: string, message: string, field?: string): void {
  res.status(status).json({ error: field ? { code, message, field } : { code, message } });
}

/** The binding value of the client that sent `req`, if it sent one this server could have written. */
function signInBinding(req: Request): string | undefined {
  const value = (req.cookies as Record<string, unknown> | undefined)?.[SIGN_IN_COOKIE];
  return typeof value === 'string' && SIGN_IN_VALUE.test(value) ? value : undefined;
}

/**
 * `GET /auth/nonce`, `POST /auth/verify`, `POST /auth/logout`, `GET /auth/session`. The sign-in body is
 * JSON only (a cross-site form cannot send JSON without a CORS preflight), and sign-in is rate-limited.
 */
export function siweRoutes(options: SiweRouteOptions): Router {
  const router = express.Router();
  const cookieOptions = {
    httpOnly: true,
    sameSite: 'strict' as const,
    secure: options.secureCookies,
    path: '/',
    signed: true,
  };
  const limiter = rateLimit({
    windowMs: 60_000,
    limit: options.rateLimitPerMinute,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    handler: (_req, res) => refuse(res, 429, 'RATE_LIMITED', 'Too many sign-in requests from this address; wait a minute and retry.'),
  });
  const json = express.json({ limit: '16kb' });
  const requireJson = (req: Request, res: Response, next: NextFunction): void => {
    if (!req.is('application/json')) {
      refuse(res, 415, 'UNSUPPORTED_MEDIA_TYPE', 'Send the request body as application/json.');
      return;
    }
    next();
  };

  // The nonce is bound to the client that asks: a client that already holds a binding (another tab
  // signing in) keeps it, so each of its nonces stays usable; anyone else gets a new one.
  router.get('/auth/nonce', limiter, async (req, res, next) => {
    try {
      const binding = signInBinding(req) ?? randomBytes(32).toString('base64url');
      const { nonce, expiresAt } = await options.siwe.issueNonce(binding);
      res.cookie(SIGN_IN_COOKIE, binding, {
        httpOnly: true,
        sameSite: 'strict',
        secure: options.secureCookies,
        path: '/auth',
        maxAge: options.nonceTtlSeconds * 1000,
      });
      res.set('cache-control', 'no-store');
      res.json({ nonce, expiresAt: expiresAt.toISOString(), domain: options.siwe.domain, uri: options.publicOrigin, chainId: options.chainId });
    } catch (error) {
      next(error);
    }
  });

  router.post('/auth/verify', limiter, requireJson, json, async (req, res, next) => {
    const body = (req.body ?? {}) as { message?: unknown; signature?: unknown };
    try {
      const session = await options.siwe.verify(body.message, body.signature, signInBinding(req));
      res.cookie(SESSION_COOKIE, session.id, { ...cookieOptions, expires: session.expiresAt });
      res.set('cache-control', 'no-store');
      res.json({ address: session.address, expiresAt: session.expiresAt.toISOString() });
    } catch (error) {
      if (error instanceof SiweVerificationError) {
        refuse(res, 401, error.code, error.message, error.field);
        return;
      }
      next(error);
    }
  });

  // No body needed: the session cookie is SameSite=Strict, so a cross-site page cannot log anyone out.
  router.post('/auth/logout', async (_req, res, next) => {
    const session = sessionOf(res);
    try {
      if (session) await options.siwe.logout(session.id);
      res.clearCookie(SESSION_COOKIE, { httpOnly: true, sameSite: 'strict', secure: options.secureCookies, path: '/' });
      res.status(204).end();
    } catch (error) {
      next(error);
    }
  });

  router.get('/auth/session', (_req, res) => {
    const session = sessionOf(res);
    res.set('cache-control', 'no-store');
    if (!session) {
      refuse(res, 401, 'UNAUTHENTICATED', 'Not signed in; sign in with GET /auth/nonce and POST /auth/verify.');
      return;
    }
    res.json({ address: session.address, expiresAt: session.expiresAt.toISOString() });
  });

  return router;
}
