import { accessLabel, categoryLabel, purposeLabel } from '../../lib/codes';
import { person } from '../../widgets/address';
import { formatTime, h } from '../../widgets/dom';
import { button } from '../../widgets/forms';
import { section, table } from '../../widgets/table';
import type { ProviderPage } from './page';

/**
 * The "Patients who consented" section: one row per patient, named where a consent covers their profile,
 * with the full address, the consents she holds from them, and a button to show their records.
 */
export function patientsSection(page: ProviderPage, browseFor: (patient: string) => void): HTMLElement {
  const { consents, patients, emergencyPatients, nameOf } = page;
  const patientRows = patients.map((patient) => [
    person(nameOf(patient) ?? 'No name on file', patient),
    h(
      'ul',
      { class: 'plain' },
      ...consents.filter((consent) => consent.patient === patient).map((consent) => h('li', {}, `${categoryLabel(consent.scope)}: ${accessLabel(consent.canRead, consent.canWrite).toLowerCase()}, ${purposeLabel(consent.purpose).toLowerCase()}, until ${formatTime(consent.expiresAt as string | null)}`)),
      emergencyPatients.has(patient) ? h('li', { class: 'emergency' }, 'Emergency access open') : null,
    ),
    button('Show records', () => browseFor(patient), { 'data-browse': patient }),
  ]);
  return section('Patients who consented', table('Patients who consented to you', ['Patient', 'Consents', ''], patientRows, 'No patient has given you a consent yet. Patients grant consents from their own view.'));
}
