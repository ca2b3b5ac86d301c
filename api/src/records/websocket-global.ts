// @medplum/core reads the WebSocket global when it is loaded (for its subscription client). Node 22 has
// one; on Node 20 the `ws` package provides it. Import this module before @medplum/core. Nothing in
// the data layer opens a socket.
import WebSocketImplementation from 'ws';

const scope = globalThis as { WebSocket?: unknown };
if (typeof scope.WebSocket === 'undefined') scope.WebSocket = WebSocketImplementation;
