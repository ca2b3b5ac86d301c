import { graphql } from '../../gql';
import type { ProviderOverviewQuery } from '../../gql/graphql';
import { ApiError, request } from '../../lib/api';
import { showFieldProblems } from '../../lib/field-problems';
import { confirmAction } from '../../widgets/confirm';
import { formatTime, h } from '../../widgets/dom';
import { field, form } from '../../widgets/forms';
import { notice } from '../../widgets/notices';
import { section, table } from '../../widgets/table';
import { patientPicker, type ProviderPage } from './page';

const PrepareTreatment = graphql(`
  mutation PrepareTreatment($input: PrepareTreatmentInput!) {
    prepareTreatment(input: $input) {
      transaction {
        ...PreparedCall
      }
    }
  }
`);

type Treatment = ProviderOverviewQuery['patient']['treatmentsProposed']['nodes'][number];

/**
 * The "Treatment plans" section: the plans she proposed with their status, and proposing one (empty
 * until typed, confirmed naming the patient), stored encrypted by the API, its hash proposed on-chain.
 */
export function treatmentsSection(page: ProviderPage, treatmentsProposed: readonly Treatment[]): HTMLElement {
  const { ctx, patients, labelOf, run } = page;
  const proposeTreatment = form(
    'propose-treatment',
    [field('Patient', patientPicker(page, 'patient', patients)), field('Plan', h('textarea', { name: 'plan', rows: 3, required: true, maxlength: 4000 }), 'The patient and their guardians read this text before deciding; it is stored encrypted and its hash goes on-chain.')],
    'Propose treatment…',
    async (values) => {
      const patient = String(values.get('patient'));
      const plan = String(values.get('plan'));
      const sure = await confirmAction({
        title: 'Propose this treatment?',
        body: [h('p', {}, 'Patient: ', h('strong', { 'data-confirm-patient': '' }, labelOf(patient))), h('p', {}, 'Plan: ', h('q', {}, plan)), 'The patient or a guardian approves or rejects it.'],
        confirm: 'Propose treatment',
      });
      if (!sure) return;
      const status = notice('pending', 'Propose treatment: the API stores the plan encrypted…');
      let prepared;
      try {
        ({ prepareTreatment: prepared } = await request(PrepareTreatment, { input: { patient, plan } }));
        status.dismiss();
      } catch (error) {
        if (error instanceof ApiError && showFieldProblems(proposeTreatment, error.fields)) status.dismiss();
        else status.update('error', `The plan was not stored: ${(error as Error).message}`);
        return;
      }
      await run('Propose treatment', () => ctx.contracts.sendPrepared(prepared.transaction.to, prepared.transaction.data));
    },
  );
  return section(
    'Treatment plans',
    table(
      'Treatment plans you proposed',
      ['Patient', 'Proposed', 'Status'],
      treatmentsProposed.map((treatment) => [labelOf(treatment.patient), formatTime(treatment.proposedAt as string), h('span', { 'data-treatment-status': treatment.status }, treatment.status[0] + treatment.status.slice(1).toLowerCase())]),
      'None proposed yet.',
    ),
    patients.length ? proposeTreatment : null,
  );
}
