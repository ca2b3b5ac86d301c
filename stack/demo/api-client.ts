/**
 * An HTTP client of the API as a browser would use it: SIWE sign-in with a real signature, the session
 * cookie kept between requests, GraphQL over POST with a JSON body. The demo seed writes through it (so
 * the seeded data went through the same checks as the web client's), and the API's tests and benchmark
 * sign in with it.
 */
import type { Signer } from 'ethers';
import { SiweMessage } from 'siwe';

export interface GraphQLResponse<T = Record<string, unknown>> {
  status: number;
  data?: T | null;
  errors?: { message: string; path?: (string | number)[]; extensions?: { code?: string; field?: string; [key: string]: unknown } }[];
}

export interface SiweFields {
  domain?: string;
  uri?: string;
  chainId?: number;
  nonce?: string;
  issuedAt?: string;
  expirationTime?: string;
  notBefore?: string;
  address?: string;
}

/** The `name=value` of the cookie `name` among a response's Set-Cookie headers. */
function setCookie(response: Response, name: string): string | undefined {
  return response.headers.getSetCookie().map((header) => header.split(';')[0]!).find((pair) => pair.startsWith(`${name}=`));
}

export class ApiClient {
  /** The session cookie (`hr_session=…`), sent with every request. */
  cookie: string | null = null;
  /** The sign-in cookie GET /auth/nonce set, which binds its nonces to this client; sent with POST /auth/verify. */
  signInCookie: string | null = null;

  /**
   * `timeoutMs`: how long one request may go unanswered (default 2 minutes): every request to the API ends
   * within its time limits, so a request still open then is a fault, reported naming the request instead
   * of hanging the seed or a test until its own timeout.
   */
  constructor(
    readonly url: string,
    private readonly timeoutMs = 120_000,
  ) {}

  private async send(path: string, init: RequestInit = {}): Promise<Response> {
    try {
      return await fetch(`${this.url}${path}`, { ...init, signal: AbortSignal.timeout(this.timeoutMs) });
    } catch (error) {
      if ((error as Error).name !== 'TimeoutError') throw error;
      throw new Error(`${init.method ?? 'GET'} ${this.url}${path} got no answer within ${this.timeoutMs / 1000} s; the API should answer every request within its time limits: see its log.`);
    }
  }

  private cookies(...pairs: (string | null)[]): Record<string, string> {
    const present = pairs.filter((pair): pair is string => pair !== null);
    return present.length > 0 ? { cookie: present.join('; ') } : {};
  }

  async nonce(): Promise<{ nonce: string; domain: string; uri: string; chainId: number }> {
    const response = await this.send('/auth/nonce', { headers: this.cookies(this.signInCookie) });
    if (!response.ok) throw new Error(`GET /auth/nonce answered ${response.status}`);
    this.signInCookie = setCookie(response, 'hr_sign_in') ?? this.signInCookie;
    return (await response.json()) as { nonce: string; domain: string; uri: string; chainId: number };
  }

  /** The EIP-4361 message text the web client would build, with `fields` overriding the defaults. */
  async message(address: string, fields: SiweFields = {}): Promise<string> {
    const issued = fields.nonce === undefined ? await this.nonce() : { nonce: fields.nonce, domain: new URL(this.url).host, uri: this.url, chainId: 31337 };
    return new SiweMessage({
      domain: fields.domain ?? issued.domain,
      address: fields.address ?? address,
      statement: 'Sign in to the health records API.',
      uri: fields.uri ?? issued.uri,
      version: '1',
      chainId: fields.chainId ?? issued.chainId,
      nonce: issued.nonce,
      issuedAt: fields.issuedAt ?? new Date().toISOString(),
      expirationTime: fields.expirationTime,
      notBefore: fields.notBefore,
    }).prepareMessage();
  }

  /** POST /auth/verify with this client's cookies; keeps the session cookie on success. */
  async verify(message: string, signature: string): Promise<{ status: number; body: { address?: string; error?: { code: string; message: string; field?: string } } }> {
    const response = await this.send('/auth/verify', {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...this.cookies(this.signInCookie, this.cookie) },
      body: JSON.stringify({ message, signature }),
    });
    const session = setCookie(response, 'hr_session');
    if (response.ok && session) this.cookie = session;
    return { status: response.status, body: (await response.json()) as { address?: string; error?: { code: string; message: string; field?: string } } };
  }

  /** Signs in with a real signature of `signer`. */
  async signIn(signer: Signer, fields: SiweFields = {}): Promise<this> {
    const message = await this.message(await signer.getAddress(), fields);
    const result = await this.verify(message, await signer.signMessage(message));
    if (result.status !== 200) throw new Error(`Sign-in failed: ${JSON.stringify(result.body)}`);
    return this;
  }

  async logout(): Promise<number> {
    const response = await this.send('/auth/logout', {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...this.cookies(this.cookie) },
      body: '{}',
    });
    return response.status;
  }

  async graphql<T = Record<string, unknown>>(query: string, variables: Record<string, unknown> = {}): Promise<GraphQLResponse<T>> {
    const response = await this.send('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...this.cookies(this.cookie) },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await response.json()) as Omit<GraphQLResponse<T>, 'status'>;
    return { status: response.status, ...body };
  }

  /** Runs a GraphQL operation and returns its data; throws with the API's code and message when it answers with errors. */
  async data<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
    const answer = await this.graphql<T>(query, variables);
    const [first] = answer.errors ?? [];
    if (first) throw new Error(`${first.extensions?.code ?? 'ERROR'}: ${first.message}`);
    if (!answer.data) throw new Error(`The API answered HTTP ${answer.status} without data.`);
    return answer.data;
  }
}
