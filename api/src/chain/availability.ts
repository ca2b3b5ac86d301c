import { causeChain, ServiceUnavailableError } from '../errors';

/**
 * Socket errors of an RPC endpoint that does not answer. The MongoDB driver wraps the same codes in its
 * own errors: `unavailableDependency` gives those to the database before asking here.
 */
const SOCKET_ERRORS = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'UND_ERR_SOCKET']);
/** ethers' codes for a JSON-RPC request that got no answer in time, none at all, or an HTTP error status (a 5xx of a restarting node or its proxy). */
const ETHERS_UNREACHABLE = new Set(['TIMEOUT', 'NETWORK_ERROR', 'SERVER_ERROR']);

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
