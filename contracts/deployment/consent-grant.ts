import { getBytes, toUtf8String, type TypedDataDomain } from 'ethers';

/*
 * The EIP-712 typed data of a consent a patient signs for anyone to relay (ConsentManager.grantConsentBySig).
 * The one copy of it: the API, the tests and the gas bench sign and verify with these (`consentGrantMessage`
 * turns the contract's codes into the text the wallet shows), and a contract test
 * checks that their type hash is the contract's CONSENT_GRANT_TYPEHASH and the domain its eip712Domain().
 */

/** EIP-712 domain name and version of ConsentManager (its `EIP712(...)` constructor arguments). */
export const CONSENT_DOMAIN = { name: 'HealthRecordsConsent', version: '1' } as const;

/** The `ConsentGrant` struct type, field for field as ConsentManager hashes it. */
export const CONSENT_GRANT_TYPES = {
  ConsentGrant: [
    { name: 'patient', type: 'address' },
    { name: 'grantee', type: 'address' },
    { name: 'scope', type: 'string' },
    { name: 'access', type: 'uint8' },
    { name: 'purpose', type: 'string' },
    { name: 'expiresAt', type: 'uint64' },
    { name: 'nonce', type: 'uint256' },
    { name: 'deadline', type: 'uint256' },
  ],
};

/** The domain of one deployed ConsentManager. */
export function consentDomain(chainId: bigint | number, verifyingContract: string): TypedDataDomain {
  return { ...CONSENT_DOMAIN, chainId, verifyingContract };
}

/** The text of a code left-aligned in bytes32 or bytes16 ("Observation", "TREAT"). */
function codeText(code: string): string {
  return toUtf8String(getBytes(code)).replace(/\0+$/, '');
}

/**
 * The ConsentGrant message to sign for `terms` (scope and purpose as the contract's bytes32 and bytes16
 * codes): the same terms with scope and purpose as the text a wallet shows, which the contract hashes.
 */
export function consentGrantMessage<T extends { scope: string; purpose: string }, N, D>(
  terms: T,
  nonce: N,
  deadline: D,
): Omit<T, 'scope' | 'purpose'> & { scope: string; purpose: string; nonce: N; deadline: D } {
  return { ...terms, scope: codeText(terms.scope), purpose: codeText(terms.purpose), nonce, deadline };
}
