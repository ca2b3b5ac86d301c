import { graphql } from '../../gql';
import { request } from '../../lib/api';
import { runTransaction, type AppContext } from '../../lib/app-context';
import { patientLabel, patientNames } from '../../lib/people';
import { h } from '../../widgets/dom';
import { isOpen } from '../emergency';
import { addRecordSection } from './add-record';
import { emergencyAccessSection } from './emergency-access';
import type { ProviderPage } from './page';
import { patientsSection } from './patients';
import { recordsSection } from './records';
import { treatmentsSection } from './treatments';

const ProviderOverview = graphql(`
  query ProviderOverview($me: Address!) {
    patient(address: $me) {
      consentsReceived(first: 100) {
        nodes {
          id
          patient
          scope
          purpose
          canRead
          canWrite
          expiresAt
        }
      }
      treatmentsProposed(first: 50) {
        nodes {
          id
          patient
          status
          proposedAt
        }
      }
      emergencyAccessesOpened(first: 20) {
        nodes {
          id
          patient
          reason
          openedAt
          expiresAt
          closedAt
        }
      }
    }
  }
`);

/** An emergency access the provider opened last: the view re-renders after it, with that patient's reads ready. */
let justOpened: string | null = null;

/**
 * The provider's view, one section per file of this folder: patients who consented (one row each, named
 * where a consent covers their profile), their records in the categories she may read, adding a record
 * (the API validates, encrypts and stores it; the provider anchors it with a wallet transaction),
 * proposing a treatment plan (stored encrypted by the API, its hash proposed on-chain), and break-glass
 * emergency access.
 */
export async function renderProviderView(ctx: AppContext): Promise<HTMLElement> {
  const [{ patient: mine }, windowSeconds] = await Promise.all([
    request(ProviderOverview, { me: ctx.me }),
    ctx.contracts.read('consents', 'emergencyWindow', []).then(Number, () => null),
  ]);
  const consents = mine.consentsReceived.nodes;
  const openEmergencies = mine.emergencyAccessesOpened.nodes.filter((access) => isOpen(access));
  const emergencyPatients = new Set(openEmergencies.map((access) => access.patient));
  const patients = [...new Set([...consents.map((consent) => consent.patient), ...emergencyPatients])];
  const names = await patientNames([...patients, ...mine.treatmentsProposed.nodes.map((treatment) => treatment.patient)]);
  const nameOf = (address: string) => names.get(address.toLowerCase()) ?? null;
  const page: ProviderPage = {
    ctx,
    consents,
    patients,
    emergencyPatients,
    nameOf,
    // The patients table shows each full address with a copy button; elsewhere name and birth date with the short form.
    labelOf: (address) => patientLabel(nameOf(address), address),
    run: (label, send) => runTransaction(ctx, label, send),
  };

  // Right after break-glass, the reads it opened are ready: that patient, as emergency treatment.
  const records = recordsSection(page, justOpened);
  justOpened = null;

  return h(
    'div',
    { class: 'view', 'data-view': 'provider' },
    h('h2', { class: 'view-title' }, 'Provider'),
    patientsSection(page, records.browseFor),
    records.element,
    addRecordSection(page, mine.treatmentsProposed.nodes),
    treatmentsSection(page, mine.treatmentsProposed.nodes),
    emergencyAccessSection(page, {
      accesses: mine.emergencyAccessesOpened.nodes,
      open: openEmergencies,
      windowSeconds,
      browseFor: records.browseFor,
      remember: (patient) => (justOpened = patient),
    }),
  );
}
