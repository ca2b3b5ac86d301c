/**
 * The client the demo seed and the tests sign in with reports a request the API never answers, naming it,
 * instead of waiting for ever (the seed would hang the start, a test would hang until Jest's timeout).
 */
import net from 'node:net';
import { ApiClient } from '../../stack/demo/api-client';

test('a request the API never answers fails after the client timeout, naming the request', async () => {
  // Takes the connection and never answers: a hung API.
  const sockets: net.Socket[] = [];
  const silent = net.createServer((socket) => sockets.push(socket));
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  const { port } = silent.address() as net.AddressInfo;
  try {
    const client = new ApiClient(`http://127.0.0.1:${port}`, 300);
    await expect(client.data('{ me { address } }')).rejects.toThrow(`POST http://127.0.0.1:${port}/graphql got no answer within 0.3 s; the API should answer every request within its time limits: see its log.`);
    await expect(client.nonce()).rejects.toThrow(`GET http://127.0.0.1:${port}/auth/nonce got no answer within 0.3 s`);
  } finally {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => silent.close(resolve));
  }
});
