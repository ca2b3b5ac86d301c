import type { AppContext } from '../../lib/app-context';

/**
 * What every section of the patient view shares: whose records they are, who is looking, how accounts
 * are named and how a transaction is sent.
 */
export interface PatientPage {
  ctx: AppContext;
  /** The patient's address, lowercase. */
  patient: string;
  /** A guardian acting for a ward sees the ward's view, less what only the patient may do. */
  actingAsGuardian: boolean;
  /** The patient in a sentence: "you", or the ward's name (or short address) for a guardian. */
  patientName: string;
  /** An account's name as the view shows it: "You", its directory name, or its short address. */
  who: (address: string) => string;
  /** Sends a transaction and re-renders the view once it is indexed (lib/app-context's runTransaction). */
  run: (label: string, send: () => ReturnType<AppContext['contracts']['send']>) => Promise<boolean>;
}
