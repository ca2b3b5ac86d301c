/**
 * Sign-In With Ethereum over HTTP against the real server: a valid sign-in opens a session, and each
 * attack is refused with its own documented code.
 */
import hre from 'hardhat';
import { SiweMessage } from 'siwe';
import { signInMessage } from '../../web/src/lib/session';
import { createServer } from '../../api/src/app/server';
import { ApiClient } from '../../stack/demo/api-client';
import { freePort, startApiStack, type ApiStack } from './support/api-stack';

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

  /** A 401 with `code` whose message says what was wrong (`says`), in words: no parser state, no stack. */
  const expectRefused = (result: { status: number; body: { error?: { code: string; message: string } } }, code: string, says: RegExp) => {
    expect(result.status).toBe(401);
    expect(result.body.error?.code).toBe(code);
    expect(result.body.error?.message).toMatch(says);
    expect(result.body.error?.message).not.toMatch(/\{|state|\bat .*\.js|Error:/);
  };

  it('signs in with a real signature and keeps the session in an httpOnly SameSite cookie', async () => {
    const { patient } = stack.system;
    const offer = await fetch(`${stack.url}/auth/nonce`);
    // The nonce is bound to this client by a short-lived cookie only the sign-in routes receive.
    const signInCookie = offer.headers.getSetCookie().find((header) => header.startsWith('hr_sign_in='))!;
    expect(signInCookie).toMatch(/HttpOnly/i);
    expect(signInCookie).toMatch(/SameSite=Strict/i);
    expect(signInCookie).toMatch(/Path=\/auth(;|$)/);
    expect(signInCookie).toMatch(new RegExp(`Max-Age=${stack.config.nonceTtlSeconds}(;|$)`));
    const { nonce, domain, uri, chainId } = (await offer.json()) as { nonce: string; domain: string; uri: string; chainId: number };
    const message = new SiweMessage({ domain, address: patient.address, uri, version: '1', chainId, nonce, issuedAt: new Date().toISOString() }).prepareMessage();
    const response = await fetch(`${stack.url}/auth/verify`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: signInCookie.split(';')[0]! },
      body: JSON.stringify({ message, signature: await patient.signMessage(message) }),
    });
    expect(response.status).toBe(200);
    const cookie = response.headers.get('set-cookie')!;
    expect(cookie).toMatch(/^hr_session=/);
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Strict/i);
    const client = new ApiClient(stack.url);
    client.cookie = cookie.split(';')[0]!;
    const answer = await client.graphql<{ me: { address: string } }>(me);
    expect(answer.data?.me.address).toBe(patient.address.toLowerCase());
  });

  describe('a nonce signs in only the client that asked for it', () => {
    it('refuses it from a client without the sign-in cookie, from one with its own, and from one holding another user\'s session; its own client still signs in with it', async () => {
      const { patient, stranger } = stack.system;
      const alice = new ApiClient(stack.url);
      const message = await alice.message(patient.address);
      const signature = await patient.signMessage(message);

      const bare = await new ApiClient(stack.url).verify(message, signature);
      expect(bare.status).toBe(401);
      expect(bare.body.error).toMatchObject({ code: 'SIWE_NONCE_CLIENT_MISMATCH', message: expect.stringContaining('without the sign-in cookie') });

      const other = new ApiClient(stack.url);
      await other.nonce();
      const withOwnCookie = await other.verify(message, signature);
      expect(withOwnCookie.status).toBe(401);
      expect(withOwnCookie.body.error).toMatchObject({ code: 'SIWE_NONCE_CLIENT_MISMATCH', message: expect.stringContaining('issued to another client') });

      // The attack: a client signed in as someone else presents the nonce.
      const signedInElsewhere = await new ApiClient(stack.url).signIn(stranger);
      const strangersSession = signedInElsewhere.cookie;
      const withSession = await signedInElsewhere.verify(message, signature);
      expect(withSession.body.error?.code).toBe('SIWE_NONCE_CLIENT_MISMATCH');
      expect(signedInElsewhere.cookie).toBe(strangersSession);
      expect((await signedInElsewhere.graphql<{ me: { address: string } }>(me)).data?.me.address).toBe(stranger.address.toLowerCase());

      // Refusals to other clients left the nonce for its own; once used it is gone for everyone.
      expect(await alice.verify(message, signature)).toMatchObject({ status: 200, body: { address: patient.address.toLowerCase() } });
      expect((await alice.graphql<{ me: { address: string } }>(me)).data?.me.address).toBe(patient.address.toLowerCase());
      expect((await alice.verify(message, signature)).body.error?.code).toBe('SIWE_NONCE_UNKNOWN');
      expect((await other.verify(message, signature)).body.error?.code).toBe('SIWE_NONCE_UNKNOWN');
    });

    it('keeps one binding per client, so two sign-ins of one browser (two tabs) both work', async () => {
      const { patient } = stack.system;
      const client = new ApiClient(stack.url);
      const first = await client.message(patient.address);
      const binding = client.signInCookie;
      const second = await client.message(patient.address);
      expect(client.signInCookie).toBe(binding);
      expect((await client.verify(second, await patient.signMessage(second))).status).toBe(200);
      expect((await client.verify(first, await patient.signMessage(first))).status).toBe(200);
    });

    it('is kept in the shared store: issued by one API instance, it signs its client in at another, once', async () => {
      // A second instance behind the same public origin (a load balancer), on the same database.
      const second = await createServer(stack.config);
      try {
        const { url } = await second.listen(await freePort());
        const { patient } = stack.system;
        const first = new ApiClient(stack.url);
        const message = await first.message(patient.address);
        const signature = await patient.signMessage(message);
        const elsewhere = new ApiClient(url);
        expect((await elsewhere.verify(message, signature)).body.error?.code).toBe('SIWE_NONCE_CLIENT_MISMATCH');
        elsewhere.signInCookie = first.signInCookie;
        expect((await elsewhere.verify(message, signature)).status).toBe(200);
        expect((await first.verify(message, signature)).body.error?.code).toBe('SIWE_NONCE_UNKNOWN');
      } finally {
        await second.close();
      }
    });

    it('ignores a sign-in cookie this server could not have written, and binds to a new one', async () => {
      const { patient } = stack.system;
      const client = new ApiClient(stack.url);
      client.signInCookie = 'hr_sign_in=chosen-by-the-client';
      const message = await client.message(patient.address);
      expect(client.signInCookie).toMatch(/^hr_sign_in=[A-Za-z0-9_-]{43}$/);
      expect((await client.verify(message, await patient.signMessage(message))).status).toBe(200);
    });
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
    const replay = await client.verify(message, signature);
    expect(replay.status).toBe(401);
    expect(replay.body.error).toEqual({ code: 'SIWE_NONCE_UNKNOWN', message: 'The nonce was not issued by this server or was already used; get a new one from GET /auth/nonce.' });
  });

  it('refuses a nonce the server never issued', async () => {
    const client = new ApiClient(stack.url);
    const { patient } = stack.system;
    const message = await client.message(patient.address, { nonce: 'abcdef0123456789abcdef01' });
    const result = await client.verify(message, await patient.signMessage(message));
    expectRefused(result, 'SIWE_NONCE_UNKNOWN', /not issued by this server or was already used; get a new one/);
  });

  it('refuses a message for another domain', async () => {
    const client = new ApiClient(stack.url);
    const { patient } = stack.system;
    const message = await client.message(patient.address, { domain: 'evil.example', uri: 'https://evil.example' });
    const result = await client.verify(message, await patient.signMessage(message));
    expectRefused(result, 'SIWE_DOMAIN_MISMATCH', new RegExp(`is for evil\\.example; sign a message for ${new URL(stack.url).host}`));
  });

  it('refuses a URI on another origin', async () => {
    const client = new ApiClient(stack.url);
    const { patient } = stack.system;
    const message = await client.message(patient.address, { uri: 'https://evil.example/login' });
    const result = await client.verify(message, await patient.signMessage(message));
    expectRefused(result, 'SIWE_URI_MISMATCH', /URI https:\/\/evil\.example\/login is not on /);
  });

  it('refuses a message for another chain', async () => {
    const client = new ApiClient(stack.url);
    const { patient } = stack.system;
    const message = await client.message(patient.address, { chainId: 1 });
    const result = await client.verify(message, await patient.signMessage(message));
    expectRefused(result, 'SIWE_CHAIN_MISMATCH', /is for chain 1; this server runs on chain 31337/);
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
    expectRefused(result, 'SIWE_EXPIRED', /expired at .*; sign in again/);
  });

  it('refuses a message that is not valid yet', async () => {
    const client = new ApiClient(stack.url);
    const { patient } = stack.system;
    const message = await client.message(patient.address, { notBefore: new Date(Date.now() + 3_600_000).toISOString() });
    const result = await client.verify(message, await patient.signMessage(message));
    expectRefused(result, 'SIWE_NOT_YET_VALID', /is valid from .* only/);
  });

  it('refuses a message issued in the future', async () => {
    const client = new ApiClient(stack.url);
    const { patient } = stack.system;
    const message = await client.message(patient.address, { issuedAt: new Date(Date.now() + 3_600_000).toISOString() });
    const result = await client.verify(message, await patient.signMessage(message));
    expectRefused(result, 'SIWE_ISSUED_IN_FUTURE', /issued at .*, after now .*; check the signer's clock/);
  });

  it('refuses a message issued longer ago than a nonce lives', async () => {
    const client = new ApiClient(stack.url);
    const { patient } = stack.system;
    // A nonce lives SIWE_NONCE_TTL_SECONDS; the server allows a minute of clock skew on top.
    const issuedAt = new Date(Date.now() - (stack.config.nonceTtlSeconds + 120) * 1000).toISOString();
    const message = await client.message(patient.address, { issuedAt });
    const result = await client.verify(message, await patient.signMessage(message));
    expectRefused(result, 'SIWE_ISSUED_TOO_LONG_AGO', /longer ago than a nonce lives; sign in again/);
  });

  it('refuses a tampered message (signature of other text) and burns its nonce', async () => {
    const client = new ApiClient(stack.url);
    const { patient, stranger } = stack.system;
    const message = await client.message(patient.address);
    const signature = await patient.signMessage(message);
    // Claim to be someone else with the patient's signature.
    const tampered = message.replace(patient.address, stranger.address);
    const result = await client.verify(tampered, signature);
    expectRefused(result, 'SIWE_INVALID_SIGNATURE', new RegExp(`is not ${stranger.address}'s signature of this message`));
    const retry = await client.verify(message, signature);
    expect(retry.body.error?.code).toBe('SIWE_NONCE_UNKNOWN');
  });

  it('refuses a body that is not a SIWE message, or lacks message or signature, naming what is missing', async () => {
    const hello = await new ApiClient(stack.url).verify('hello', '0x1234');
    expect(hello.body.error).toMatchObject({ code: 'SIWE_MALFORMED_MESSAGE', field: 'domain' });
    const response = await fetch(`${stack.url}/auth/verify`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ message: 'hello' }) });
    expect(response.status).toBe(401);
    expect(((await response.json()) as { error: unknown }).error).toMatchObject({ code: 'SIWE_MALFORMED_MESSAGE', field: 'signature' });
  });

  it('says which field of a malformed message is wrong, without the parser\'s internals', async () => {
    const client = new ApiClient(stack.url);
    const { patient } = stack.system;
    const good = await client.message(patient.address, { expirationTime: new Date(Date.now() + 600_000).toISOString() });
    const line = (label: string) => good.split('\n').find((text) => text.startsWith(`${label}: `))!;
    const cases: [what: string, text: string, field: string, says: RegExp][] = [
      ['an address without its checksum', good.replace(patient.address, patient.address.toLowerCase()), 'address', /EIP-55 checksum/],
      ['a short address', good.replace(patient.address, '0x1234'), 'address', /40 hexadecimal digits/],
      ['a nonce with a dash', good.replace(line('Nonce'), 'Nonce: abc-defgh'), 'Nonce', /at least 8 letters and digits/],
      ['a chain id in words', good.replace(line('Chain ID'), 'Chain ID: local'), 'Chain ID', /whole number/],
      ['an Issued At that is no date', good.replace(line('Issued At'), 'Issued At: yesterday'), 'Issued At', /RFC 3339 date-time/],
      // No year has a 30th of February.
      ['an Expiration Time that does not exist', good.replace(line('Expiration Time'), `Expiration Time: ${new Date().getUTCFullYear() + 1}-02-30T00:00:00Z`), 'Expiration Time', /RFC 3339 date-time/],
      ['a URI that is no URI', good.replace(line('URI'), 'URI: not a uri'), 'URI', /absolute URI/],
      ['version 2', good.replace(line('Version'), 'Version: 2'), 'Version', /must be 1/],
      ['no Nonce line', good.replace(`${line('Nonce')}\n`, ''), 'Nonce', /has no "Nonce: …" line/],
      ['a line EIP-4361 does not have', `${good}\nColour: blue`, 'Colour', /not a field of an EIP-4361 message/],
      ['another first line', good.replace('wants you to sign in', 'would like you to sign in'), 'domain', /first line must be/],
      ['CR LF line endings', good.replace(/\n/g, '\r\n'), 'message', /CR LF/],
    ];
    for (const [what, text, field, says] of cases) {
      const result = await client.verify(text, await patient.signMessage(text));
      expect({ what, status: result.status, code: result.body.error?.code, field: result.body.error?.field }).toEqual({ what, status: 401, code: 'SIWE_MALFORMED_MESSAGE', field });
      expect(result.body.error?.message).toMatch(says);
      expect(result.body.error?.message).not.toMatch(/state|success|maxMatched|\{|Invalid message/);
    }
    // None of those used the nonce up: the well-formed message still signs in.
    expect((await client.verify(good, await patient.signMessage(good))).status).toBe(200);
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
