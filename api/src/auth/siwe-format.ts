/**
 * Why a text is not an EIP-4361 sign-in message, said in the message's own terms: the field at fault
 * (`domain`, `address`, `URI`, `Version`, `Chain ID`, `Nonce`, `Issued At`, `Expiration Time`,
 * `Not Before`, `Request ID`, `Resources`, or `message` for the layout) and what it must be. The siwe
 * parser's own error text (line numbers and its internal parse state) never reaches the client.
 */
export interface FormatProblem {
  field: string;
  message: string;
}

const DATE_TIME = 'an RFC 3339 date-time, YYYY-MM-DDTHH:MM:SS with a Z or ±HH:MM offset';

/** The parser's per-field complaints (`line N: invalid nonce`), by the start of their text. */
const FIELD_PROBLEMS: [prefix: string, field: string, must: string][] = [
  ['domain cannot be empty', 'domain', 'must open the first line: "<host> wants you to sign in with your Ethereum account:"'],
  ['invalid domain', 'domain', 'must be a host (and port), as in "<host> wants you to sign in with your Ethereum account:"'],
  ['invalid EIP-55 address', 'address', 'must be written with its EIP-55 checksum (mixed case, as wallets and ethers\' getAddress write it)'],
  ['invalid address', 'address', 'must be 0x and 40 hexadecimal digits, alone on the second line'],
  ['invalid version', 'Version', 'must be 1'],
  ['invalid nonce', 'Nonce', 'must be the nonce GET /auth/nonce issued (at least 8 letters and digits)'],
  ['invalid issued-at', 'Issued At', `must be ${DATE_TIME}`],
  ['invalid expiration-time', 'Expiration Time', `must be ${DATE_TIME}`],
  ['invalid not-before', 'Not Before', `must be ${DATE_TIME}`],
  ['invalid requestID', 'Request ID', 'must be printable characters without spaces'],
  ['invalid chain-id', 'Chain ID', 'must be a whole number (the chain\'s EIP-155 id)'],
  ['invalid resource', 'Resources', 'must list one absolute URI per line, each after "- "'],
  ['invalid URI', 'URI', 'must be an absolute URI on this server\'s origin'],
];

/** The lines every message has, by label, in this order. */
const REQUIRED = ['URI', 'Version', 'Chain ID', 'Nonce', 'Issued At'];
const OPTIONAL = ['Expiration Time', 'Not Before', 'Request ID', 'Resources'];
const HEADER = / wants you to sign in with your Ethereum account:$/;

/** What is wrong with `text`, given the error the siwe parser threw for it. */
export function describeFormatProblem(text: string, parserError: unknown): FormatProblem {
  const said = parserError instanceof Error ? parserError.message : String(parserError);
  for (const complaint of said.split('\n')) {
    const match = /^line (\d+): (.*)$/.exec(complaint);
    if (!match) continue;
    const known = FIELD_PROBLEMS.find(([prefix]) => match[2]!.startsWith(prefix));
    if (known) return { field: known[1], message: `The message's ${known[1]} (line ${match[1]}) ${known[2]}.` };
  }
  if (text.includes('\r')) return { field: 'message', message: 'The message has CR LF line endings; an EIP-4361 message separates its lines with LF alone.' };
  const lines = text.split('\n');
  if (!HEADER.test(lines[0] ?? '')) {
    return { field: 'domain', message: 'The message\'s first line must be "<host> wants you to sign in with your Ethereum account:".' };
  }
  const labels = lines.map((line) => /^([A-Za-z][A-Za-z ]*?):( |$)/.exec(line)?.[1]);
  const missing = REQUIRED.find((label) => !labels.includes(label));
  if (missing) return { field: missing, message: `The message has no "${missing}: …" line; every sign-in message has ${REQUIRED.join(', ')}.` };
  const fieldsFrom = labels.indexOf('URI');
  const stray = labels.findIndex((label, index) => index > fieldsFrom && label !== undefined && ![...REQUIRED, ...OPTIONAL].includes(label));
  if (stray >= 0) return { field: labels[stray]!, message: `Line ${stray + 1} ("${labels[stray]}: …") is not a field of an EIP-4361 message.` };
  return {
    field: 'message',
    message: `The message does not follow EIP-4361: after the address (and an optional statement) come ${[...REQUIRED, ...OPTIONAL].join(', ')}, each on its own line, in this order.`,
  };
}
