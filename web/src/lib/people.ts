import { getAddress } from 'ethers';
import { graphql } from '../gql';
import { request } from './api';
import { short } from '../widgets/dom';
import type { Wallet } from './wallet';

const PatientIdentity = graphql(`
  query PatientIdentity($patient: Address!) {
    patient(address: $patient) {
      profile {
        displayName
        birthDate
      }
    }
  }
`);

const DirectoryName = graphql(`
  query DirectoryName($address: Address!) {
    account(address: $address) {
      providerProfile {
        displayName
      }
      researcherProfile {
        displayName
      }
    }
  }
`);

/**
 * What is wrong with a typed address, in words (null when it is one). An all-lowercase address carries
 * no checksum, so a typo in it is caught only by looking the account up (see `lookUpAccount`).
 */
export function addressProblem(text: string): string | null {
  if (!/^0x[0-9a-fA-F]{40}$/.test(text)) return "This is not an address: an address is 0x followed by 40 characters from 0-9 and a-f. Copy it again from the person's wallet.";
  try {
    getAddress(text);
    return null;
  } catch {
    return "This address has a typo: its mix of capital and small letters does not match (the address checksum). Copy it again from the person's wallet.";
  }
}

/**
 * Who an address is, as far as the client can tell: a name from the public directory, and whether the
 * account was ever used on this chain (it sent a transaction). An unused account with no name is most
 * likely a typo.
 */
export async function lookUpAccount(wallet: Wallet, address: string): Promise<{ name: string | null; used: boolean }> {
  const [directory, sent] = await Promise.all([
    request(DirectoryName, { address }).then(({ account }) => account.providerProfile?.displayName ?? account.researcherProfile?.displayName ?? null, () => null),
    wallet.ethereum.request({ method: 'eth_getTransactionCount', params: [address, 'latest'] }).then((count) => BigInt(count as string) > 0n, () => false),
  ]);
  return { name: directory, used: sent };
}

/** A birth date as people read it, in UTC (the profile keeps the date at midnight UTC): "3 May 1985". */
export function formatBirthDate(value: unknown): string {
  const date = new Date(value as string);
  if (Number.isNaN(date.getTime())) return String(value);
  return date.toLocaleDateString(undefined, { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' });
}

/** "Alice Martin, born 3 May 1985": a name with the birth date that tells two namesakes apart. */
export function identityLabel(displayName: string, birthDate: unknown): string {
  return birthDate ? `${displayName}, born ${formatBirthDate(birthDate)}` : displayName;
}

/**
 * A patient's name and birth date from their profile, or null when the viewer may not see them (the
 * patient, guardians, and a provider or researcher holding any active consent from the patient may).
 */
async function patientName(address: string): Promise<string | null> {
  try {
    const { patient } = await request(PatientIdentity, { patient: address });
    return patient.profile ? identityLabel(patient.profile.displayName, patient.profile.birthDate) : null;
  } catch {
    return null;
  }
}

/** Names (with birth dates) of many patients, by lowercase address (null where unreadable). */
export async function patientNames(addresses: readonly string[]): Promise<Map<string, string | null>> {
  const unique = [...new Set(addresses.map((address) => address.toLowerCase()))];
  const names = await Promise.all(unique.map(patientName));
  return new Map(unique.map((address, index) => [address, names[index]!]));
}

/** A patient as every list, picker and confirmation shows them: name and birth date, then the short address. */
export function patientLabel(name: string | null, address: string): string {
  return name ? `${name} (${short(address)})` : `No name on file (${short(address)})`;
}

/** How the client names an account: "You" for the viewer, the known name, else the short address. */
export function namer(me: string, known: ReadonlyMap<string, string | null>): (address: string) => string {
  return (address: string) => {
    const key = address.toLowerCase();
    if (key === me) return 'You';
    return known.get(key) ?? short(address);
  };
}
