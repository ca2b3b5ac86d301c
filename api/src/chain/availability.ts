import { causeChain, ServiceUnavailableError } from '../errors';

/** Socket errors of an RPC endpoint that does not answer (the MongoDB driver wraps its own, so these are the chain's). */
const SOCKET_ERRORS = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'UND_ERR_SOCKET']);
/** ethers' codes for a JSON-RPC request that got no answer in time, or none at all. */
const ETHERS_UNREACHABLE = new Set(['TIMEOUT', 'NETWORK_ERROR']);

/** The chain as unavailable, when `error` (or what caused it) says its JSON-RPC endpoint is not answering. */
export function chainUnavailable(error: unknown): ServiceUnavailableError | undefined {
  for (const link of causeChain(error)) {
    const code = (link as { code?: unknown } | null)?.code;
    if (typeof code === 'string' && (SOCKET_ERRORS.has(code) || ETHERS_UNREACHABLE.has(code))) {
      return new ServiceUnavailableError(
        'chain',
        `The chain's JSON-RPC endpoint is not answering (${(link as Error).message}). Retry shortly; if it lasts, check that the node at RPC_URL runs (\`npm start\` runs a local chain).`,
        { cause: error },
      );
    }
  }
  return undefined;
}
