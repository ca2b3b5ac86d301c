import type { PatientOverviewQuery } from '../../gql/graphql';
import { showFieldProblems } from '../../lib/field-problems';
import { addressProblem, lookUpAccount } from '../../lib/people';
import { person } from '../../widgets/address';
import { confirmAction } from '../../widgets/confirm';
import { formatTime, h } from '../../widgets/dom';
import { button, daysFromNow, field, form, input } from '../../widgets/forms';
import { section, table } from '../../widgets/table';
import type { PatientPage } from './page';

type GuardianLink = PatientOverviewQuery['patient']['guardians']['nodes'][number];

/** The Guardians section: the active guardians (remove), and for the patient the form to appoint one. */
export function guardiansSection(page: PatientPage, guardians: readonly GuardianLink[]): HTMLElement {
  const { ctx, patient, patientName, run } = page;
  return section(
    'Guardians',
    table(
      'Guardians',
      ['Guardian', 'Since', 'Until', 'Actions'],
      guardians
        .filter((link) => link.active)
        .map((link) => [
          person(link.guardian.toLowerCase() === ctx.me ? 'You' : null, link.guardian),
          formatTime(link.appointedAt as string),
          link.expiresAt ? formatTime(link.expiresAt as string) : 'No end',
          button(
            'Remove',
            async () => {
              const sure = await confirmAction({
                title: 'Remove this guardian?',
                body: [h('p', {}, 'They will no longer be able to act for ', patientName, ': ', h('code', { class: 'address-full' }, link.guardian)), 'Appointing them again needs a new transaction.'],
                confirm: 'Remove guardian',
                danger: true,
              });
              if (sure) await run('Remove guardian', () => ctx.contracts.send('consents', 'removeGuardian', [patient, link.guardian]));
            },
            { class: 'danger-outline', 'data-remove-guardian': link.guardian },
          ),
        ]),
      'No guardians. A guardian can act for you (e.g. a parent for a child).',
    ),
    page.actingAsGuardian ? null : appointGuardianForm(page),
  );
}

/**
 * Appointing a guardian: the address is checked as typed (a plain message under the field for a typo),
 * the account is looked up (a name from the directory, or a warning that it was never used, the usual
 * sign of a typo in an all-lowercase address), and a confirmation states who, what they may do, and
 * until when, before the wallet is asked.
 */
function appointGuardianForm({ ctx, run }: PatientPage): HTMLFormElement {
  const target: HTMLFormElement = form(
    'appoint-guardian',
    [
      field('Guardian address', input('guardian', { placeholder: '0x…', required: true, class: 'address-input', autocomplete: 'off', spellcheck: 'false' })),
      field('Days (0: no end)', input('days', { type: 'number', min: 0, value: 0 })),
    ],
    'Appoint guardian…',
    async (values) => {
      const typed = String(values.get('guardian')).trim();
      const problem = addressProblem(typed) ?? (typed.toLowerCase() === ctx.me ? 'You cannot be your own guardian: enter the address of the person who will act for you.' : null);
      if (problem) {
        showFieldProblems(target, [{ field: 'input.guardian', message: problem }]);
        return;
      }
      const guardian = typed.toLowerCase();
      const days = Number(values.get('days') || 0);
      const until = days > 0 ? daysFromNow(days) : 0n;
      const { name, used } = await lookUpAccount(ctx.wallet, guardian);
      const sure = await confirmAction({
        title: 'Appoint this guardian?',
        body: [
          h('p', { 'data-guardian-who': '' }, 'Guardian: ', h('strong', {}, name ?? 'No name on file'), ' ', h('code', { class: 'address-full' }, guardian)),
          name || used
            ? null
            : h('p', { class: 'banner banner-warning', 'data-guardian-unknown': '' }, 'Not a known account: this address has never sent a transaction here and has no name in the directory. A one-character typo gives such an address; check every character with your guardian before you continue.'),
          'They will be able to act for you in everything: grant and revoke consents, read, add and amend your records, approve or reject treatments.',
          until ? `Until ${formatTime(Number(until))}.` : 'With no end date: until you remove them.',
        ],
        confirm: 'Appoint guardian',
        danger: true,
      });
      if (sure) await run('Appoint guardian', () => ctx.contracts.send('consents', 'appointGuardian', [guardian, until]));
    },
  );
  return target;
}
