import { graphql } from '../../gql';
import type { ProviderOverviewQuery } from '../../gql/graphql';
import { request } from '../../lib/api';
import { EMERGENCY_REASONS, reasonLabel, scope32 } from '../../lib/codes';
import { identityLabel, patientLabel } from '../../lib/people';
import { confirmAction } from '../../widgets/confirm';
import { h } from '../../widgets/dom';
import { button, field, form, input, select } from '../../widgets/forms';
import { section, table } from '../../widgets/table';
import { emergencyCells } from '../emergency';
import type { ProviderPage } from './page';

const FindPatients = graphql(`
  query FindPatients($displayName: String!, $birthDate: DateTimeISO!) {
    findPatients(displayName: $displayName, birthDate: $birthDate) {
      address
      displayName
      birthDate
    }
  }
`);

type EmergencyAccess = ProviderOverviewQuery['patient']['emergencyAccessesOpened']['nodes'][number];

/**
 * The "Emergency access" section: the accesses she opened (an open one reads the patient's records as
 * emergency treatment), and break-glass: the patient found by exact name and birth date (each find is
 * logged) or an address, a reason, a visible warning of how long it lasts and that it is logged, and a
 * confirmation naming the patient. `remember` keeps the patient being opened for the re-render after
 * the transaction (null when it failed), so that view starts on their reads.
 */
export function emergencyAccessSection(
  page: ProviderPage,
  options: { accesses: readonly EmergencyAccess[]; open: readonly EmergencyAccess[]; windowSeconds: number | null; browseFor(patient: string, readAs: 'ETREAT'): void; remember(patient: string | null): void },
): HTMLElement {
  const { ctx, patients, nameOf, labelOf, run } = page;
  const { windowSeconds, remember } = options;
  const hours = windowSeconds ? Math.round(windowSeconds / 3600) : null;
  const duration = hours ? `${hours} hours` : 'the configured emergency window';
  const emergencyPatient = input('patient', { placeholder: '0x…', required: true, pattern: '0x[0-9a-fA-F]{40}', class: 'address-input', autocomplete: 'off', spellcheck: 'false', list: 'known-patients' });
  const knownPatients = h('datalist', { id: 'known-patients' }, ...patients.map((address) => h('option', { value: address }, labelOf(address))));
  // An unconscious patient has no wallet to show: find them by exact name and birth date (the API logs each find).
  const findName = input('findName', { autocomplete: 'off' });
  const findBirthDate = input('findBirthDate', { type: 'date' });
  const matches = h('div', { class: 'patient-matches', 'data-patient-matches': '', role: 'status' });
  const found = new Map<string, string>();
  const findButton = button('Find the patient', async () => {
    if (!findName.value.trim() || !findBirthDate.value) {
      matches.replaceChildren(h('p', { class: 'denied' }, "Type the patient's full name and birth date, as on their profile."));
      return;
    }
    try {
      const { findPatients } = await request(FindPatients, { displayName: findName.value, birthDate: `${findBirthDate.value}T00:00:00.000Z` });
      matches.replaceChildren(
        findPatients.length === 0
          ? h('p', { class: 'muted' }, 'No patient with exactly this name and birth date. Check the spelling, or enter the address.')
          : h('ul', { class: 'plain' }, ...findPatients.map((match) => {
              const label = patientLabel(identityLabel(match.displayName, match.birthDate), match.address);
              found.set(match.address.toLowerCase(), label);
              return h('li', {}, button(`Choose ${label}`, () => {
                emergencyPatient.value = match.address;
                matches.replaceChildren(h('p', {}, 'Chosen: ', h('strong', {}, label)));
              }, { 'data-choose-patient': match.address.toLowerCase() }));
            })),
      );
    } catch (error) {
      matches.replaceChildren(h('p', { class: 'denied' }, (error as Error).message));
    }
  }, { 'data-action': 'find-patient' });
  const reason = select('reason', [['', 'Choose the emergency…'], ...EMERGENCY_REASONS.map((code): [string, string] => [code, reasonLabel(code)])]);
  reason.required = true;
  const emergency = form(
    'emergency-access',
    [
      h('p', { class: 'banner banner-warning', 'data-emergency-warning': '' }, `Break-glass opens read access to every record of the patient for ${duration}, without their consent. It is recorded on-chain with your address and reason, the patient sees it at once, and every record you read is in their audit trail. Use it only in an emergency.`),
      h('fieldset', { class: 'find-patient' }, h('legend', {}, 'Find the patient by exact name and birth date (each find is logged)'), field('Full name', findName), field('Birth date', findBirthDate), findButton, matches),
      field('Patient address', emergencyPatient),
      knownPatients,
      field('Reason', reason),
      field('I confirm this is an emergency', input('confirm', { type: 'checkbox', required: true })),
    ],
    'Open emergency access…',
    async (values) => {
      const patient = String(values.get('patient')).trim().toLowerCase();
      const code = String(values.get('reason'));
      const who = found.get(patient) ?? (nameOf(patient) ? labelOf(patient) : null);
      const sure = await confirmAction({
        title: 'Open emergency access?',
        body: [
          h('p', { 'data-confirm-patient': '' }, 'Patient: ', h('strong', {}, who ?? 'No name on file'), ' ', h('code', { class: 'address-full' }, patient)),
          who ? null : h('p', { class: 'banner banner-warning' }, 'You cannot see who this address belongs to: find the patient by name and birth date above, or check the address with someone who knows the patient.'),
          `Reason: ${reasonLabel(code)}. Access lasts ${duration}; it is logged on-chain and shown to the patient.`,
        ],
        confirm: 'Open emergency access',
        danger: true,
      });
      if (!sure) return;
      remember(patient);
      const opened = await run('Open emergency access', () => ctx.contracts.send('consents', 'openEmergencyAccess', [patient, scope32(code)]));
      if (!opened) remember(null);
    },
  );
  return section(
    'Emergency access',
    table(
      'Emergency accesses you opened',
      ['Patient', 'Reason', 'Opened', 'Until', ''],
      options.accesses.map((access) =>
        emergencyCells(labelOf(access.patient), access, options.open.includes(access) ? button('Read records (emergency)', () => options.browseFor(access.patient, 'ETREAT'), { 'data-emergency-read': access.patient }) : 'Closed'),
      ),
      'You have not opened emergency access.',
    ),
    emergency,
  );
}
