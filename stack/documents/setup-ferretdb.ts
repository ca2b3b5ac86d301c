/**
 * Builds the embedded FerretDB launcher ahead of time (`npm run setup:ferretdb`; CI runs it), so the
 * first API start or test does not wait for the Go build. Does nothing when it is built already.
 */
import path from 'node:path';
import { REPO_ROOT } from '../../api/src/config';
import { ensureFerretdbLauncher } from './ferretdb-build';

ensureFerretdbLauncher()
  .then((binary) => console.log(`FerretDB launcher ready: ${path.relative(REPO_ROOT, binary)}`))
  .catch((error: Error) => {
    console.error(error.message);
    process.exitCode = 1;
  });
