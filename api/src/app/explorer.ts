import { existsSync } from 'node:fs';
import path from 'node:path';
import express, { type NextFunction, type Request, type Response } from 'express';
import { REPO_ROOT } from '../config';

/** The web build's output, which holds the explorer page (`explorer.html`) and its assets. */
export const WEB_BUILD_DIR = path.join(REPO_ROOT, 'web', 'dist');

/**
 * The explorer loads only its own files (GraphiQL, Monaco and its workers, bundled by the web build)
 * and talks only to this origin. Monaco sets inline styles; GraphiQL's fonts are inlined in its CSS.
 */
const EXPLORER_HEADERS = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; worker-src 'self'; connect-src 'self'; img-src 'self' data:; font-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'cache-control': 'no-cache',
};

/**
 * The GraphQL explorer in place of Apollo's landing page (which loads Apollo Sandbox from a CDN): a
 * browser asking for HTML at `graphqlPath` gets the web build's GraphiQL page, and `/assets/` serves
 * its files. Everything else (POST, GET asking for JSON) goes on to Apollo.
 */
export function explorerRoutes(options: { graphqlPath: string; buildDir?: string }): express.Router {
  const buildDir = options.buildDir ?? WEB_BUILD_DIR;
  const page = path.join(buildDir, 'explorer.html');
  const router = express.Router();
  router.get(options.graphqlPath, (req: Request, res: Response, next: NextFunction) => {
    if (req.accepts(['application/json', 'application/graphql-response+json', 'text/html']) !== 'text/html') {
      next();
      return;
    }
    if (!existsSync(page)) {
      res.status(404).type('text/plain').send(`The GraphQL explorer is not built: run \`npm run build:web\` (it writes ${path.relative(REPO_ROOT, page)}).`);
      return;
    }
    res.set(EXPLORER_HEADERS).sendFile(page, { cacheControl: false });
  });
  router.use('/assets', express.static(path.join(buildDir, 'assets'), { immutable: true, maxAge: '365d', index: false }));
  return router;
}
