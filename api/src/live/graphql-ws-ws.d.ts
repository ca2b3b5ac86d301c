// graphql-ws publishes its WebSocket server under the package export `graphql-ws/use/ws`, which Node
// resolves through `exports`; TypeScript's `node` module resolution (tsconfig.json) does not read
// `exports`, so the subpath's types are named here from the file they are in.
declare module 'graphql-ws/use/ws' {
  export * from 'graphql-ws/dist/use/ws';
}
