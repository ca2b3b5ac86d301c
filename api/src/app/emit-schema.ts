/**
 * Writes the API's schema to api/schema.graphql (`npm run codegen:api`). The file is committed: it is
 * the contract with clients (the web client is generated from it), and a test fails when the code and
 * the file differ.
 *
 *   ts-node --transpile-only api/src/app/emit-schema.ts [--check]
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { printApiSchema } from './schema';

export const SCHEMA_FILE = path.resolve(__dirname, '..', '..', 'schema.graphql');

function main(argv: string[]): number {
  const printed = printApiSchema();
  if (argv.includes('--check')) {
    let committed = '';
    try {
      committed = readFileSync(SCHEMA_FILE, 'utf8');
    } catch {
      committed = '';
    }
    if (committed !== printed) {
      process.stderr.write(`${SCHEMA_FILE} differs from the schema the code builds; run \`npm run codegen:api\` and commit it.\n`);
      return 1;
    }
    return 0;
  }
  writeFileSync(SCHEMA_FILE, printed);
  process.stdout.write(`Wrote ${path.relative(process.cwd(), SCHEMA_FILE)}\n`);
  return 0;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
