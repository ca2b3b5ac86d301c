import type { PatientOverviewQuery } from '../../gql/graphql';
import { reasonLabel } from '../../lib/codes';
import { confirmAction } from '../../widgets/confirm';
import { formatTime, h } from '../../widgets/dom';
import { button } from '../../widgets/forms';
import { section, table } from '../../widgets/table';
import { emergencyCells } from '../emergency';
import type { PatientPage } from './page';

type EmergencyAccess = PatientOverviewQuery['patient']['emergencyAccesses']['nodes'][number];

/** The patient's records said as "your records" to the patient, "Ana's records" to her guardian. */
const whose = ({ actingAsGuardian, patientName }: PatientPage) => (actingAsGuardian ? `${patientName}'s` : 'your');

/**
 * The banner at the top of the view while emergency accesses are open (someone can read everything right
 * now), linking to the section where they are closed; null when none is.
 */
export function openEmergencyBanner(page: PatientPage, open: readonly EmergencyAccess[]): HTMLElement | null {
  if (open.length === 0) return null;
  return h(
    'div',
    { class: 'banner banner-warning', role: 'status', 'data-emergency-banner': '' },
    h('strong', {}, open.length === 1 ? 'Emergency access is open' : `${open.length} emergency accesses are open`),
    h('ul', {}, ...open.map((access) => h('li', {}, `${page.who(access.provider)} can read all of ${whose(page)} records until ${formatTime(access.expiresAt as string)} (${reasonLabel(access.reason)}). Every read is in the audit trail below.`))),
    h('a', { href: '#emergency-accesses' }, 'Review or close it'),
  );
}

/** The Emergency accesses section: every break-glass access ever opened, the open ones with Close. */
export function emergencyAccessesSection(page: PatientPage, accesses: readonly EmergencyAccess[], open: readonly EmergencyAccess[]): HTMLElement {
  const { ctx, patient, who, run } = page;
  const emergencies = section(
    'Emergency accesses',
    table(
      'Emergency accesses',
      ['Provider', 'Reason', 'Opened', 'Until', 'Actions'],
      accesses.map((access) =>
        emergencyCells(
          who(access.provider),
          access,
          open.includes(access)
            ? button(
                'Close',
                async () => {
                  const sure = await confirmAction({ title: 'Close this emergency access?', body: [`${who(access.provider)} will no longer read ${whose(page)} records under it.`], confirm: 'Close emergency access' });
                  if (sure) await run('Close emergency access', () => ctx.contracts.send('consents', 'closeEmergencyAccess', [patient, access.provider]));
                },
                { 'data-close-emergency': access.provider },
              )
            : 'Closed',
        ),
      ),
      'No emergency access was ever opened.',
    ),
  );
  emergencies.id = 'emergency-accesses';
  return emergencies;
}
