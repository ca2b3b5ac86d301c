/**
 * Prints the query schema a graph-node (or the local node) serves for a schema.graphql, without a
 * chain or a running node, for typed clients (GraphQL Code Generator).
 *
 *   ts-node subgraph/local-node/graphql/print-schema.ts <schema.graphql> [<out.graphql>]
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { printApiSchema } from './api-schema';

export { printApiSchema };

function main(argv: string[]): number {
  const [input, output] = argv;
  if (!input || argv.length > 2) {
    process.stderr.write('usage: print-schema <schema.graphql> [<out.graphql>]  (prints to stdout without <out.graphql>)\n');
    return 2;
  }
  let sdl: string;
  try {
    sdl = fs.readFileSync(input, 'utf8');
  } catch (e) {
    process.stderr.write(`cannot read ${input}: ${(e as Error).message}\n`);
    return 1;
  }
  let printed: string;
  try {
    printed = printApiSchema(sdl);
  } catch (e) {
    process.stderr.write(`${input}: ${(e as Error).message}\n`);
    return 1;
  }
  const text = `# Generated from ${path.basename(input)} by subgraph/local-node/graphql/print-schema.ts: the query API graph-node serves.\n${printed}\n`;
  if (output) {
    fs.mkdirSync(path.dirname(path.resolve(output)), { recursive: true });
    fs.writeFileSync(output, text);
  } else {
    process.stdout.write(text);
  }
  return 0;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
