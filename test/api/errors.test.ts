/**
 * Errors clients can act on: BAD_USER_INPUT naming the field, limits on depth, aliases and cost, and
 * unexpected failures masked (and logged once) instead of leaking internals.
 */
import { parse, validate } from 'graphql';
import mongoose from 'mongoose';
import { depthLimit } from '../../api/src/graphql/limits';
import { buildApiSchema } from '../../api/src/app/schema';
import { createServer, DATABASE_NAME } from '../../api/src/app/server';
import { fhir } from '../fixtures/fhir';
import { ApiClient } from '../../stack/demo/api-client';
import { freePort, startApiStack, type ApiStack } from './support/api-stack';

jest.setTimeout(300_000);

describe('errors', () => {
  let stack: ApiStack;

  beforeAll(async () => {
    stack = await startApiStack();
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const firstError = (answer: { errors?: { extensions?: { code?: string; field?: string } }[] }) => answer.errors?.[0]?.extensions;

  it('names the field of a bad argument', async () => {
    const client = await new ApiClient(stack.url).signIn(stack.system.patient);
    const badAddress = await client.graphql(`{ records(patient: "not-an-address", category: "Observation") { nodes { id } } }`);
    expect(firstError(badAddress)).toMatchObject({ code: 'BAD_USER_INPUT', field: 'patient' });

    const bigPage = await client.graphql(`query ($p: Address!) { records(patient: $p, first: 500) { nodes { id } } }`, { p: stack.system.patient.address });
    expect(firstError(bigPage)).toMatchObject({ code: 'BAD_USER_INPUT', field: 'first' });

    const badCursor = await client.graphql(`query ($p: Address!) { records(patient: $p, after: "bogus") { nodes { id } } }`, { p: stack.system.patient.address });
    expect(firstError(badCursor)).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after' });
  });

  it('refuses an invalid FHIR resource with the validator\'s messages, writing nothing', async () => {
    const { patient } = stack.system;
    const client = await new ApiClient(stack.url).signIn(patient);
    const answer = await client.graphql(
      `mutation ($input: PrepareRecordInput!) { prepareRecord(input: $input) { recordId } }`,
      { input: { patient: patient.address, category: 'Observation', content: fhir.invalidObservation() } },
    );
    const error = firstError(answer)!;
    expect(error.code).toBe('BAD_USER_INPUT');
    expect(error.field).toMatch(/^input\.content/);
    expect(answer.data).toBeNull();
    // Nothing was stored for the patient.
    const connection = await mongoose.createConnection(stack.mongo.clientUri(DATABASE_NAME)).asPromise();
    try {
      expect(await connection.collection('records').countDocuments({ patient: patient.address.toLowerCase() })).toBe(0);
    } finally {
      await connection.close();
    }
  });

  it('names the consent term at fault', async () => {
    const { patient, provider } = stack.system;
    const client = await new ApiClient(stack.url).signIn(patient);
    // The API judges expiry by its own clock: a day ago has passed and a year ahead has not, on any date.
    const dayAgo = new Date(Date.now() - 86_400_000).toISOString();
    const yearAhead = new Date(Date.now() + 365 * 86_400_000).toISOString();
    const answer = await client.graphql(
      `query ($terms: ConsentTermsInput!) { consentTypedData(terms: $terms) { nonce } }`,
      { terms: { patient: patient.address, grantee: provider.address, scope: 'Observation', purpose: 'TREAT', expiresAt: dayAgo } },
    );
    expect(firstError(answer)).toMatchObject({ code: 'BAD_USER_INPUT', field: 'terms.expiresAt' });
    const badPurpose = await client.graphql(
      `query ($terms: ConsentTermsInput!) { consentTypedData(terms: $terms) { nonce } }`,
      { terms: { patient: patient.address, grantee: provider.address, scope: 'Observation', purpose: 'treat me', expiresAt: yearAhead } },
    );
    expect(firstError(badPurpose)).toMatchObject({ code: 'BAD_USER_INPUT', field: 'terms.purpose' });
  });

  it('bounds aliases and cost over HTTP', async () => {
    const client = await new ApiClient(stack.url).signIn(stack.system.patient);
    const aliases = `{ ${Array.from({ length: 25 }, (_, i) => `h${i}: health { ok }`).join(' ')} }`;
    expect(firstError(await client.graphql(aliases))?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    const costly = `query ($p: Address!) { patient(address: $p) {
      records(first: 100) { nodes { id category version erased commitment treatmentId createdAt updatedAt authorAddress patient
        versions { version commitment previousCommitment author at blockNumber transactionHash }
        author { address kind status memberSince providerProfile { displayName organization specialty } } } }
      consentsGiven(first: 100) { nodes { id patient grantee scope canRead canWrite purpose expiresAt revoked active grantedBy viaSignature updatedAt } }
      consentsReceived(first: 100) { nodes { id patient grantee scope canRead canWrite purpose expiresAt revoked active grantedBy viaSignature updatedAt } } } }`;
    const expensive = await client.graphql(costly, { p: stack.system.patient.address });
    expect(firstError(expensive)).toMatchObject({ code: 'BAD_USER_INPUT', field: 'query' });
    const affordable = await client.graphql(`query ($p: Address!) { records(patient: $p, first: 50) { nodes { id author { providerProfile { displayName } } } } }`, {
      p: stack.system.patient.address,
    });
    expect(affordable.errors).toBeUndefined();
  });

  it('bounds depth with the validation rule the server installs', () => {
    const query = parse(`{ patient(address: "0x0000000000000000000000000000000000000001") { records { nodes { author { providerProfile { displayName } } } } } }`);
    expect(validate(buildApiSchema(), query, [depthLimit(6)])).toEqual([]);
    const errors = validate(buildApiSchema(), query, [depthLimit(5)]);
    expect(errors.map((error) => error.message)).toEqual(['The query is 6 fields deep; at most 5 are allowed. Split it into several queries.']);
  });

  it('masks unexpected failures and logs each once', async () => {
    const logged: unknown[] = [];
    const port = await freePort();
    // A server whose SUBGRAPH_URL names graph-node's index-node status API instead of the subgraph: a
    // real graph-node GraphQL endpoint that refuses every read of chain data as a query it does not
    // know, which the API did not plan for. (A graph-node that does not answer, or cannot serve the
    // subgraph now, is SERVICE_UNAVAILABLE: availability.test.ts.)
    const broken = await createServer(
      { ...stack.config, subgraphUrl: stack.node.indexNodeUrl, publicOrigin: `http://127.0.0.1:${port}` },
      { logger: { error: (_message, error) => logged.push(error) } },
    );
    try {
      const { url } = await broken.listen(port);
      const answer = await new ApiClient(url).graphql(`{ providers { nodes { address } } }`);
      expect(answer.errors).toHaveLength(1);
      for (const error of answer.errors!) expect(error).toMatchObject({ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } });
      expect(JSON.stringify(answer)).not.toMatch(/127\.0\.0\.1|graphql|stack|_meta/);
      expect(logged).toHaveLength(1);
      expect(String((logged[0] as Error).message)).toMatch(/refused a query: .*_meta/);
    } finally {
      await broken.close();
    }
  });

  it('rate-limits sign-in and mutations, and bounds the request body', async () => {
    const port = await freePort();
    const limited = await createServer({ ...stack.config, publicOrigin: `http://127.0.0.1:${port}`, authRateLimitPerMinute: 3, mutationRateLimitPerMinute: 2 });
    try {
      const { url } = await limited.listen(port);
      const client = await new ApiClient(url).signIn(stack.system.patient); // one nonce, one verify
      expect((await fetch(`${url}/auth/nonce`)).status).toBe(200);
      const refused = await fetch(`${url}/auth/nonce`);
      expect(refused.status).toBe(429);
      expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('RATE_LIMITED');

      const mutation = `mutation { updatePatientProfile(input: { displayName: "Ada" }) { displayName } }`;
      expect((await client.graphql(mutation)).errors).toBeUndefined();
      expect((await client.graphql(mutation)).errors).toBeUndefined();
      expect((await client.graphql(mutation)).errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
      // Queries are not mutations: still answered.
      expect((await client.graphql(`{ me { address } }`)).errors).toBeUndefined();

      const huge = await fetch(`${url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: `{ health { ok } }`, variables: { padding: 'x'.repeat(300_000) } }),
      });
      expect(huge.status).toBe(413);
      expect(((await huge.json()) as { error: { code: string } }).error.code).toBe('BAD_REQUEST');
    } finally {
      await limited.close();
    }
  });
});

