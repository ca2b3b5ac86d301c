import { existsSync } from 'node:fs';
import path from 'node:path';

/**
 * The repository root, from contracts/deployment or from its compiled copy in dist/ (no package.json
 * there). The one definition: everything that needs the root imports it from here (this module imports
 * nothing of the project, so even set-up scripts that run before `hardhat compile` can).
 */
const twoUp = path.resolve(__dirname, '..', '..');
export const REPO_ROOT = existsSync(path.join(twoUp, 'package.json')) ? twoUp : path.dirname(twoUp);
