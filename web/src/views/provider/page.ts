import { graphql } from '../../gql';
import type { ProviderOverviewQuery } from '../../gql/graphql';
import type { AppContext } from '../../lib/app-context';
import { CATEGORIES } from '../../lib/codes';
import { select } from '../../widgets/forms';

/** The transaction the API prepared, as the wallet sends it (adding a record, proposing a treatment). */
graphql(`
  fragment PreparedCall on PreparedTransaction {
    to
    data
  }
`);

export type ConsentReceived = ProviderOverviewQuery['patient']['consentsReceived']['nodes'][number];

/**
 * What every section of the provider view shares: the consents she holds, the patients they (or an open
 * emergency access) give her, how a patient is named, and how a transaction is sent.
 */
export interface ProviderPage {
  ctx: AppContext;
  consents: readonly ConsentReceived[];
  /** Every patient who consented or whose emergency access is open, each once. */
  patients: readonly string[];
  /** The patients of her open emergency accesses. */
  emergencyPatients: ReadonlySet<string>;
  /** A patient's name where a consent covers their profile. */
  nameOf: (address: string) => string | null;
  /** Name and birth date with the short address (the patients table alone shows full addresses). */
  labelOf: (address: string) => string;
  /** Sends a transaction and re-renders the view once it is indexed (lib/app-context's runTransaction). */
  run: (label: string, send: () => ReturnType<AppContext['contracts']['send']>) => Promise<boolean>;
}

/** What the provider may do for a patient: the categories of her read and write consents, `*` for all. */
export function allowed(page: ProviderPage, patient: string, access: 'canRead' | 'canWrite'): string[] {
  if (access === 'canRead' && page.emergencyPatients.has(patient)) return ['*'];
  return [...new Set(page.consents.filter((consent) => consent.patient === patient && consent[access]).map((consent) => consent.scope))];
}

/** The categories of `allowed`, `*` spelled out. */
export function categoriesFor(page: ProviderPage, patient: string, access: 'canRead' | 'canWrite'): string[] {
  const scopes = allowed(page, patient, access);
  return scopes.includes('*') ? [...CATEGORIES] : scopes;
}

/** A patient picker. Nobody is picked for the provider: she chooses the patient by name and birth date every time. */
export function patientPicker(page: ProviderPage, name: string, among: readonly string[], selected?: string): HTMLSelectElement {
  const picker = select(name, [['', among.length ? 'Choose a patient…' : 'No patient has consented yet'], ...among.map((address): [string, string] => [address, page.labelOf(address)])], selected);
  picker.required = true;
  return picker;
}
