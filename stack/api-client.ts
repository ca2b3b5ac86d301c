import type { Wallet } from 'ethers';

/**
 * A signed-in client of the API over HTTP, as any program would use it: SIWE with a wallet
 * (`GET /auth/nonce`, `POST /auth/verify`), then GraphQL with the session cookie. The demo seed
 * writes through it, so the seeded data went through the same checks as the web client's.
 */
export class ApiClient {
  private constructor(
    private readonly apiOrigin: string,
    private readonly cookie: string,
    readonly address: string,
  ) {}

  static async signIn(apiOrigin: string, wallet: Wallet): Promise<ApiClient> {
    const nonceResponse = await fetch(`${apiOrigin}/auth/nonce`);
    const nonce = (await nonceResponse.json()) as { nonce: string; domain: string; uri: string; chainId: number };
    if (!nonceResponse.ok || !nonce.nonce) throw new Error(`GET ${apiOrigin}/auth/nonce failed (HTTP ${nonceResponse.status}).`);
    const now = new Date();
    const message = [
      `${nonce.domain} wants you to sign in with your Ethereum account:`,
      wallet.address,
      '',
      'Sign in to the health records API (demo seed).',
      '',
      `URI: ${nonce.uri}`,
      'Version: 1',
      `Chain ID: ${nonce.chainId}`,
      `Nonce: ${nonce.nonce}`,
      `Issued At: ${now.toISOString()}`,
      `Expiration Time: ${new Date(now.getTime() + 3600_000).toISOString()}`,
    ].join('\n');
    const signature = await wallet.signMessage(message);
    const verify = await fetch(`${apiOrigin}/auth/verify`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ message, signature }),
    });
    if (!verify.ok) throw new Error(`Sign-in of ${wallet.address} was refused: ${await verify.text()}`);
    const cookie = verify.headers.getSetCookie().map((value) => value.split(';')[0]).join('; ');
    return new ApiClient(apiOrigin, cookie, wallet.address);
  }

  /** Runs a GraphQL operation; throws with the API's message and code when it answers with errors. */
  async graphql<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
    const response = await fetch(`${this.apiOrigin}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: this.cookie },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await response.json()) as { data?: T; errors?: Array<{ message: string; extensions?: { code?: string } }> };
    if (body.errors?.length) {
      const [first] = body.errors;
      throw new Error(`${first!.extensions?.code ?? 'ERROR'}: ${first!.message}`);
    }
    return body.data as T;
  }
}
