// @ts-check
/**
 * The import directions of the repository (docs: DESIGN.md, "Layers: every import points down").
 * `npm run lint:layers` checks them; `npm run lint` runs it. Each list goes from the lowest layer to the
 * highest: a module may import its own layer and the ones before it, never one after it. Type-only
 * imports count (an import of a type still ties the importer to that module).
 */

/** The parts of the repository, lowest first. `stack/` runs every part; nothing outside test/ imports test/. */
const PARTS = [
  ['typechain-types', '^typechain-types/'],
  ['contracts/deployment (the deployment format)', '^contracts/deployment/'],
  ['contracts/deploy (the deploy procedure)', '^contracts/deploy/'],
  ['contracts/scripts', '^contracts/scripts/'],
  ['subgraph', '^subgraph/'],
  ['api', '^api/'],
  ['stack', '^stack/'],
  ['test', '^test/'],
];

/**
 * Inside api/src, lowest first: the shared basics; data access per domain (database, chain, audit log,
 * profiles, sessions, records); the GraphQL kernel (context types, errors, pagination, limits, the
 * subgraph client); the GraphQL types and resolvers per domain; and app/, the one composition root.
 */
const API = [
  ['errors', '^api/src/errors\\.ts$'],
  ['config (the API process\'s settings)', '^api/src/config\\.ts$'],
  ['database', '^api/src/database/'],
  ['chain', '^api/src/chain/'],
  ['audit (the access log and its anchored batches)', '^api/src/audit/'],
  ['profiles', '^api/src/profiles/'],
  ['auth', '^api/src/auth/'],
  ['records', '^api/src/records/'],
  ['graphql (the kernel every resolver uses)', '^api/src/graphql/'],
  ['live (subscriptions: the event source, its subscribers, the WebSocket transport)', '^api/src/live/'],
  ['schema/health', '^api/src/schema/health\\.resolver\\.ts$'],
  ['schema/providers', '^api/src/schema/providers/'],
  ['schema/records', '^api/src/schema/records/'],
  ['schema/amendments', '^api/src/schema/amendments/'],
  ['schema/patients', '^api/src/schema/patients/'],
  ['schema/consents', '^api/src/schema/consents/'],
  ['schema/treatments', '^api/src/schema/treatments/'],
  ['schema/emergency', '^api/src/schema/emergency/'],
  ['schema/audit (the audit trail)', '^api/src/schema/audit/'],
  ['schema/analytics', '^api/src/schema/analytics/'],
  ['schema/live', '^api/src/schema/live/'],
  ['fhir (the FHIR R4 REST facade over the GraphQL operations)', '^api/src/fhir/'],
  ['app (the composition root)', '^api/src/app/'],
  ['main (the API process entry point)', '^api/src/main\\.ts$'],
];

/**
 * Inside stack/, lowest first: process utilities; the launcher's console and settings; the Part
 * interface with the runner that starts, supervises and stops parts; one folder per
 * part it runs (the chain, PostgreSQL, the document store, graph-node, the API, the web server); the demo
 * data; the data folder's binding to its chain; the launcher itself; the benches; `npm start`.
 */
const STACK = [
  ['process (spawn, wait, poll, supervise, pid file)', '^stack/process/'],
  ['progress and settings', '^stack/(progress|stack-config)\\.ts$'],
  ['part (the Part interface and the runner that supervises parts)', '^stack/part\\.ts$'],
  ['chain', '^stack/chain/'],
  ['postgres', '^stack/postgres/'],
  ['documents', '^stack/documents/'],
  ['graph-node', '^stack/graph-node/'],
  ['api', '^stack/api/'],
  ['web', '^stack/web/'],
  ['demo', '^stack/demo/'],
  ['data folder', '^stack/data-folder\\.ts$'],
  ['launcher', '^stack/(launcher|ready-banner)\\.ts$'],
  ['bench', '^stack/bench/'],
  ['start (npm start)', '^stack/start\\.ts$'],
];

/**
 * Inside web/src, lowest first: the /config.json type (it imports nothing, so the stack's web server
 * shares it); the generated operation types; the client's services beside its widgets (the DOM helpers,
 * form widgets, notices, dialogs every view uses); the views, one file or folder per screen; and the two
 * pages, the client (main.ts) and the explorer.
 */
const WEB = [
  ['config-json (the /config.json type)', '^web/src/config-json\\.ts$'],
  ['gql (generated operation types)', '^web/src/gql/'],
  ['lib and widgets', '^web/src/(lib|widgets)/'],
  ['views', '^web/src/views/'],
  ['pages (the client and the explorer)', '^web/src/(main\\.ts$|explorer/)'],
];

/** One rule per layer: it imports nothing from the layers listed after it. */
function pointDown(scope, layers) {
  return layers.slice(0, -1).map(([name, path], index) => ({
    name: `${scope}: ${name} imports no higher layer`,
    comment: `${name} sits below ${layers
      .slice(index + 1)
      .map(([higher]) => higher)
      .join(', ')}; import the other way round, or move the shared piece down.`,
    severity: 'error',
    from: { path },
    to: { path: layers.slice(index + 1).map(([, higher]) => higher) },
  }));
}

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'A circle of imports has no lowest module: break it by moving the shared piece down.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    ...pointDown('parts', PARTS),
    ...pointDown('api/src', API),
    ...pointDown('stack', STACK),
    ...pointDown('web/src', WEB),
    {
      name: 'web: every file is in a layer',
      comment: 'A file of web/src that the layer list does not name has no place in the order: add it to WEB in .dependency-cruiser.cjs.',
      severity: 'error',
      from: { path: '^web/src/.*\\.tsx?$', pathNot: WEB.map(([, path]) => path) },
      to: {},
    },
    {
      name: 'web: the /config.json type imports nothing',
      comment: 'The stack\'s web server imports web/src/config-json.ts; anything it imported would tie the stack to the client.',
      severity: 'error',
      from: { path: '^web/src/config-json\\.ts$' },
      to: {},
    },
    {
      name: 'outside web/ and test/, only the /config.json type of the web client is imported',
      comment: 'The web client is static files; the stack\'s web server shares its /config.json type (web/src/config-json.ts) and nothing else.',
      severity: 'error',
      from: { path: '^(api|contracts|subgraph|stack)/' },
      to: { path: '^web/', pathNot: '^web/src/config-json\\.ts$' },
    },
    {
      name: 'web: a section of a view imports no other section',
      comment: 'Each file of views/patient/ and views/provider/ is one section; what they share is the folder\'s page.ts, and its *-view.ts composes them.',
      severity: 'error',
      from: { path: '^web/src/views/(patient|provider)/', pathNot: '^web/src/views/[^/]+/[^/]+-view\\.ts$' },
      to: { path: '^web/src/views/(patient|provider)/', pathNot: '^web/src/views/[^/]+/page\\.ts$' },
    },
    {
      name: 'stack: every file is in a layer',
      comment: 'A file of stack/ that the layer list does not name has no place in the order: add it to STACK in .dependency-cruiser.cjs.',
      severity: 'error',
      from: { path: '^stack/.*\\.ts$', pathNot: STACK.map(([, path]) => path) },
      to: {},
    },
    {
      name: 'api/src imports only itself, packages, the deployment format and the contract types',
      comment: 'The API reads deployments/<network>.json through contracts/deployment and binds contracts with typechain-types; deploying is the launcher\'s and the scripts\' job, and the subgraph is reached over GraphQL.',
      severity: 'error',
      from: { path: '^api/src/' },
      to: { dependencyTypesNot: ['core'], couldNotResolve: false, pathNot: ['^api/', '^contracts/deployment/', '^typechain-types/', '^artifacts/', '(^|/)node_modules/'] },
    },
    {
      name: 'web imports only its own code, the artifacts and its generated types',
      comment: 'The web client is static files built from web/: it reaches the API over GraphQL, never by importing it.',
      severity: 'error',
      from: { path: '^web/' },
      to: { dependencyTypesNot: ['core'], couldNotResolve: false, pathNot: ['^web/', '^artifacts/', '^typechain-types/', '(^|/)node_modules/'] },
    },
    {
      name: 'api: every file is in a layer',
      comment: 'A file at the top of api/src, or in a folder the layer list does not name, has no place in the order: add it to API in .dependency-cruiser.cjs.',
      severity: 'error',
      from: { path: '^api/src/', pathNot: API.map(([, path]) => path) },
      to: {},
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: ['^subgraph/(src|generated|build)/', '^test/subgraph/fixtures/[^/]+/(src|generated|build)/'] },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
