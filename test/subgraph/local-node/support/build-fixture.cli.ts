/**
 * Builds a fixture subgraph by hand (the tests and the benchmark build theirs on demand):
 * `npx ts-node --transpile-only test/subgraph/local-node/support/build-fixture.cli.ts <fixture> [<fixture with the contracts>]`
 */
import { buildFixtureSubgraph } from './fixture-subgraph';

const started = Date.now();
const [name = 'indexer-fixture', solidityFrom] = process.argv.slice(2);
const fixture = buildFixtureSubgraph(name, solidityFrom ? { solidityFrom } : {});
process.stdout.write(`${fixture.buildDir} (contracts ${Object.keys(fixture.contracts).join(', ')}) in ${Date.now() - started} ms\n`);
