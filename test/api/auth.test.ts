/**
 * Sign-In With Ethereum over HTTP against the real server: a valid sign-in opens a session, and each
 * attack is refused with its own documented code.
 */
import hre from 'hardhat';
import { SiweMessage } from 'siwe';
import { signInMessage } from '../../web/src/lib/session';
import { ApiClient } from '../../stack/demo/api-client';
import { startApiStack, type ApiStack } from './support/api-stack';

jest.setTimeout(300_000);

describe('SIWE sign-in', () => {
  let stack: ApiStack;

  beforeAll(async () => {
    stack = await startApiStack();
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const me = `{ me { address } }`;

  it('signs in with a real signature and keeps the session in an httpOnly SameSite cookie', async () => {
    const client = new ApiClient(stack.url);
    const { patient } = stack.system;
    const message = await client.message(patient.address);
    const response = await fetch(`${stack.url}/auth/verify`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ message, signature: await patient.signMessage(message) }),
    });
    expect(response.status).toBe(200);
    const cookie = response.headers.get('set-cookie')!;
    expect(cookie).toMatch(/^hr_session=/);
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Strict/i);
    client.cookie = cookie.split(';')[0]!;
    const answer = await client.graphql<{ me: { address: string } }>(me);
    expect(answer.data?.me.address).toBe(patient.address.toLowerCase());
  });

  it('answers me = null without a session', async () => {
    const answer = await new ApiClient(stack.url).graphql<{ me: null }>(me);
    expect(answer.errors).toBeUndefined();
    expect(answer.data?.me).toBeNull();
  });

  it('refuses a replayed nonce', async () => {
    const client = new ApiClient(stack.url);
    const { patient } = stack.system;
    const message = await client.message(patient.address);
    const signature = await patient.signMessage(message);
    expect((await client.verify(message, signature)).status).toBe(200);
    const replay = await new ApiClient(stack.url).verify(message, signature);
    expect(replay.status).toBe(401);
    expect(replay.body.error?.code).toBe('SIWE_NONCE_UNKNOWN');
  });

  it('refuses a nonce the server never issued', async () => {
    const client = new ApiClient(stack.url);
    const { patient } = stack.system;
    const message = await client.message(patient.address, { nonce: 'abcdef0123456789abcdef01' });
    const result = await client.verify(message, await patient.signMessage(message));
    expect(result.body.error?.code).toBe('SIWE_NONCE_UNKNOWN');
  });

  it('refuses a message for another domain', async () => {
    const client = new ApiClient(stack.url);
    const { patient } = stack.system;
    const message = await client.message(patient.address, { domain: 'evil.example', uri: 'https://evil.example' });
    const result = await client.verify(message, await patient.signMessage(message));
    expect(result.status).toBe(401);
    expect(result.body.error?.code).toBe('SIWE_DOMAIN_MISMATCH');
  });

  it('refuses a URI on another origin', async () => {
    const client = new ApiClient(stack.url);
    const { patient } = stack.system;
    const message = await client.message(patient.address, { uri: 'https://evil.example/login' });
    const result = await client.verify(message, await patient.signMessage(message));
    expect(result.body.error?.code).toBe('SIWE_URI_MISMATCH');
  });

  it('refuses a message for another chain', async () => {
    const client = new ApiClient(stack.url);
    const { patient } = stack.system;
    const message = await client.message(patient.address, { chainId: 1 });
    const result = await client.verify(message, await patient.signMessage(message));
    expect(result.body.error?.code).toBe('SIWE_CHAIN_MISMATCH');
  });

  it('signs in with the clock a year ahead: neither side builds a calendar date in', async () => {
    // Only Date is replaced, in this test process (the client's and the API's clock alike); timers and
    // the machine's time stay real, and the fake clock keeps running from a year ahead.
    const yearAhead = Date.now() + 365 * 86_400_000;
    jest.useFakeTimers({
      now: yearAhead,
      advanceTimers: true,
      doNotFake: ['hrtime', 'nextTick', 'performance', 'queueMicrotask', 'setImmediate', 'clearImmediate', 'setInterval', 'clearInterval', 'setTimeout', 'clearTimeout'],
    });
    try {
      const client = new ApiClient(stack.url);
      const { patient } = stack.system;
      const offer = await client.nonce();
      const message = signInMessage(offer, { address: patient.address, chainId: offer.chainId });
      expect(new Date(new SiweMessage(message).issuedAt!).getTime()).toBeGreaterThanOrEqual(yearAhead);
      const result = await client.verify(message, await patient.signMessage(message));
      expect(result).toMatchObject({ status: 200, body: { address: patient.address.toLowerCase() } });
      const answer = await client.graphql<{ me: { address: string } }>(me);
      expect(answer.data?.me.address).toBe(patient.address.toLowerCase());
    } finally {
      jest.useRealTimers();
    }
  });

  it('refuses an expired message', async () => {
    const client = new ApiClient(stack.url);
    const { patient } = stack.system;
    const message = await client.message(patient.address, { expirationTime: new Date(Date.now() - 1000).toISOString() });
    const result = await client.verify(message, await patient.signMessage(message));
    expect(result.body.error?.code).toBe('SIWE_EXPIRED');
  });

  it('refuses a message that is not valid yet', async () => {
    const client = new ApiClient(stack.url);
    const { patient } = stack.system;
    const message = await client.message(patient.address, { notBefore: new Date(Date.now() + 3_600_000).toISOString() });
    const result = await client.verify(message, await patient.signMessage(message));
    expect(result.body.error?.code).toBe('SIWE_NOT_YET_VALID');
  });

  it('refuses a message issued in the future', async () => {
    const client = new ApiClient(stack.url);
    const { patient } = stack.system;
    const message = await client.message(patient.address, { issuedAt: new Date(Date.now() + 3_600_000).toISOString() });
    const result = await client.verify(message, await patient.signMessage(message));
    expect(result.body.error?.code).toBe('SIWE_ISSUED_IN_FUTURE');
  });

  it('refuses a tampered message (signature of other text) and burns its nonce', async () => {
    const client = new ApiClient(stack.url);
    const { patient, stranger } = stack.system;
    const message = await client.message(patient.address);
    const signature = await patient.signMessage(message);
    // Claim to be someone else with the patient's signature.
    const tampered = message.replace(patient.address, stranger.address);
    const result = await client.verify(tampered, signature);
    expect(result.status).toBe(401);
    expect(result.body.error?.code).toBe('SIWE_INVALID_SIGNATURE');
    const retry = await client.verify(message, signature);
    expect(retry.body.error?.code).toBe('SIWE_NONCE_UNKNOWN');
  });

  it('refuses a body that is not a SIWE message', async () => {
    const result = await new ApiClient(stack.url).verify('hello', '0x1234');
    expect(result.body.error?.code).toBe('SIWE_MALFORMED_MESSAGE');
  });

  it('accepts an ERC-1271 contract wallet', async () => {
    const { patient } = stack.system;
    const factory = await hre.ethers.getContractFactory('SmartWalletMock', patient);
    const wallet = await factory.deploy(patient.address);
    await wallet.waitForDeployment();
    const walletAddress = await wallet.getAddress();
    const client = new ApiClient(stack.url);
    const message = await client.message(walletAddress);
    const result = await client.verify(message, await patient.signMessage(message));
    expect(result.status).toBe(200);
    expect(result.body.address).toBe(walletAddress.toLowerCase());
  });

  it('ends the session on logout', async () => {
    const client = await new ApiClient(stack.url).signIn(stack.system.patient);
    expect((await client.graphql<{ me: unknown }>(me)).data?.me).not.toBeNull();
    expect(await client.logout()).toBe(204);
    expect((await client.graphql<{ me: unknown }>(me)).data?.me).toBeNull();
  });

  it('keeps CSRF prevention on: a simple cross-site GraphQL GET is refused', async () => {
    const response = await fetch(`${stack.url}/graphql?query=${encodeURIComponent('{ me { address } }')}`);
    expect(response.status).toBe(400);
    expect(await response.text()).toMatch(/CSRF/i);
  });
});
