import { graphql } from '../gql';
import { request } from './api';
import { short } from './dom';

const PatientName = graphql(`
  query PatientName($patient: String!) {
    patient(address: $patient) {
      profile {
        displayName
      }
    }
  }
`);

/**
 * A patient's name from their profile, or null when the viewer may not read it (profiles are the
 * Patient category: the patient, guardians and holders of a read consent for it).
 */
export async function patientName(address: string): Promise<string | null> {
  try {
    const { patient } = await request(PatientName, { patient: address });
    return patient.profile?.displayName ?? null;
  } catch {
    return null;
  }
}

/** Names of many patients, by lowercase address (null where unreadable). */
export async function patientNames(addresses: readonly string[]): Promise<Map<string, string | null>> {
  const unique = [...new Set(addresses.map((address) => address.toLowerCase()))];
  const names = await Promise.all(unique.map(patientName));
  return new Map(unique.map((address, index) => [address, names[index]!]));
}

/** How the client names an account: "You" for the viewer, the known name, else the short address. */
export function namer(me: string, known: ReadonlyMap<string, string | null>): (address: string) => string {
  return (address: string) => {
    const key = address.toLowerCase();
    if (key === me) return 'You';
    return known.get(key) ?? short(address);
  };
}
