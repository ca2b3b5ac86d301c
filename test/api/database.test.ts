/**
 * The server opens its database through the data layer the data tests use: the database MONGODB_URI
 * names, every index (unique ones included) built before it serves, and no database of its own.
 */
import mongoose from 'mongoose';
import { createServer } from '../../api/src/app/server';
import { ApiClient } from '../../stack/demo/api-client';
import { freePort, startApiStack, type ApiStack } from './support/api-stack';

jest.setTimeout(300_000);

describe('the server and its database', () => {
  let stack: ApiStack;

  beforeAll(async () => {
    stack = await startApiStack();
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('uses the database MONGODB_URI names, with every index built before serving', async () => {
    const port = await freePort();
    const server = await createServer({
      ...stack.config,
      publicOrigin: `http://127.0.0.1:${port}`,
      data: { ...stack.config.data, mongodbUri: stack.mongo.clientUri('named-by-uri') },
    });
    const connection = await mongoose.createConnection(stack.mongo.clientUri('named-by-uri')).asPromise();
    try {
      // Built before the first write: the unique indexes uniqueness relies on, the leases' included.
      const indexed = async (collection: string) => (await connection.collection(collection).indexes()).map((index) => JSON.stringify(index.key));
      expect(await indexed('records')).toContain('{"recordId":1}');
      expect(await indexed('leases')).toContain('{"key":1}');

      const { url } = await server.listen(port);
      const client = await new ApiClient(url).signIn(stack.system.patient);
      const answer = await client.graphql(`mutation { updatePatientProfile(input: { displayName: "Named by the URI" }) { displayName } }`);
      expect(answer.errors).toBeUndefined();
      expect(await connection.collection('profiles').countDocuments({ displayName: 'Named by the URI' })).toBe(1);
    } finally {
      await connection.close();
      await server.close();
    }
  });

  it('without MONGODB_URI, starts nothing and says what to set', async () => {
    const server = createServer({ ...stack.config, data: { ...stack.config.data, mongodbUri: undefined } });
    await expect(server).rejects.toThrow(/MONGODB_URI is not set.*npm start/s);
  });
});
