import type { TypedDataDomain } from 'ethers';

/*
 * The EIP-712 typed data of a consent a patient signs for anyone to relay (ConsentManager.grantConsentBySig).
 * The one copy of it: the API, the tests and the gas bench sign and verify with these, and a contract test
 * checks that their type hash is the contract's CONSENT_GRANT_TYPEHASH and the domain its eip712Domain().
 */

/** EIP-712 domain name and version of ConsentManager (its `EIP712(...)` constructor arguments). */
export const CONSENT_DOMAIN = { name: 'HealthRecordsConsent', version: '1' } as const;

/** The `ConsentGrant` struct type, field for field as ConsentManager hashes it. */
export const CONSENT_GRANT_TYPES = {
  ConsentGrant: [
    { name: 'patient', type: 'address' },
    { name: 'grantee', type: 'address' },
    { name: 'scope', type: 'bytes32' },
    { name: 'access', type: 'uint8' },
    { name: 'purpose', type: 'bytes16' },
    { name: 'expiresAt', type: 'uint64' },
    { name: 'nonce', type: 'uint256' },
    { name: 'deadline', type: 'uint256' },
  ],
};

/** The domain of one deployed ConsentManager. */
export function consentDomain(chainId: bigint | number, verifyingContract: string): TypedDataDomain {
  return { ...CONSENT_DOMAIN, chainId, verifyingContract };
}
