import { buildFixtureSubgraph } from './fixture-subgraph';
const t = Date.now();
const f = buildFixtureSubgraph(process.argv[2] ?? 'indexer-fixture', process.argv[3] ? { solidityFrom: process.argv[3] } : {});
console.log(f.buildDir, Object.keys(f.contracts), Date.now() - t, 'ms');
