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
      return new ServiceUnavailableError('chain', 'The blockchain node (JSON-RPC) is not answering; retry in a few seconds.', { cause: link });
    }
  }
  return undefined;
}
