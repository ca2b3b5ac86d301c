import { graphql } from '../../gql';
import type { PatientOverviewQuery, TreatmentPlanTextFragment } from '../../gql/graphql';
import { request } from '../../lib/api';
import { confirmAction } from '../../widgets/confirm';
import { formatTime, h, short } from '../../widgets/dom';
import { button } from '../../widgets/forms';
import { section, table } from '../../widgets/table';
import type { PatientPage } from './page';

graphql(`
  fragment TreatmentPlanText on Treatment {
    plan {
      text
      matchesPlanHash
    }
  }
`);

const TreatmentPlans = graphql(`
  query TreatmentPlans($patient: Address!) {
    patient(address: $patient) {
      treatments(first: 50) {
        nodes {
          id
          ...TreatmentPlanText
        }
      }
    }
  }
`);

type Treatment = PatientOverviewQuery['patient']['treatments']['nodes'][number];
type Plan = TreatmentPlanTextFragment['plan'] | undefined;

const TREATMENT_STATUS: Record<string, string> = { PROPOSED: 'Awaiting decision', APPROVED: 'Approved', REJECTED: 'Rejected' };

/** The plan text with whether it matches the hash the chain holds, or why there is no text. */
function planCell(plan: Plan, planHash: string, provider: string): HTMLElement {
  if (!plan) {
    return h('div', { class: 'plan', 'data-plan-missing': '' }, h('p', { class: 'muted' }, `The plan text was not stored with the API. Ask ${provider} for it before deciding.`), h('small', { class: 'muted' }, 'On-chain hash ', h('code', { title: planHash }, short(planHash))));
  }
  return h(
    'div',
    { class: 'plan' },
    h('p', { class: 'plan-text', 'data-plan-text': '' }, plan.text),
    plan.matchesPlanHash
      ? h('span', { class: 'badge badge-verified', 'data-plan-match': 'true' }, 'Matches the on-chain hash')
      : h('span', { class: 'badge badge-tampered', 'data-plan-match': 'false' }, 'Does not match the on-chain hash: do not approve'),
  );
}

/**
 * The Treatments section: the plans providers proposed, each to approve or reject while it awaits a
 * decision. The plans awaiting one come with the view (`awaitingDecision`, read and audited with it); a
 * decided plan is decrypted (and the read audited) only when someone asks to see it again.
 */
export function treatmentsSection(page: PatientPage, treatments: readonly Treatment[], awaitingDecision: ReadonlyArray<{ id: string } & TreatmentPlanTextFragment>): HTMLElement {
  const { ctx, patient, patientName, who, run } = page;
  const plans = new Map<string, Plan>(awaitingDecision.map((treatment) => [treatment.id, treatment.plan]));
  const decide = async (treatment: Treatment, approve: boolean) => {
    const sure = await confirmAction({
      title: approve ? 'Approve this treatment?' : 'Reject this treatment?',
      body: [
        h('p', {}, `Proposed by ${who(treatment.provider)} for ${patientName} on ${formatTime(treatment.proposedAt as string)}:`),
        planCell(plans.get(treatment.id), treatment.planHash, who(treatment.provider)),
        approve ? 'Records can then be filed under it. A decision is final.' : 'The provider would have to propose a new plan. A decision is final.',
      ],
      confirm: approve ? 'Approve treatment' : 'Reject treatment',
      danger: !approve,
    });
    if (sure) await run(approve ? 'Approve treatment' : 'Reject treatment', () => ctx.contracts.send('records', 'decideTreatment', [treatment.id, approve]));
  };
  const showPlanLater = (treatment: Treatment) => {
    const cell = h('div', {});
    cell.append(
      button('Show plan', async () => {
        try {
          const { patient: answer } = await request(TreatmentPlans, { patient });
          const plan = answer.treatments.nodes.find((item) => item.id === treatment.id)?.plan;
          cell.replaceChildren(planCell(plan, treatment.planHash, who(treatment.provider)));
        } catch (error) {
          cell.append(h('p', { class: 'denied', role: 'alert' }, `The plan could not be loaded: ${(error as Error).message}`));
        }
      }, { 'data-show-plan': treatment.id }),
    );
    return cell;
  };
  return section(
    'Treatments',
    table(
      'Treatment plans',
      ['Proposed by', 'Plan', 'Proposed', 'Status', 'Decision'],
      treatments.map((treatment) => [
        who(treatment.provider),
        treatment.status === 'PROPOSED' ? planCell(plans.get(treatment.id), treatment.planHash, who(treatment.provider)) : showPlanLater(treatment),
        formatTime(treatment.proposedAt as string),
        h('span', { 'data-treatment-status': treatment.status }, TREATMENT_STATUS[treatment.status] ?? treatment.status),
        treatment.status === 'PROPOSED'
          ? h(
              'span',
              { class: 'actions' },
              button('Approve…', () => decide(treatment, true), { 'data-approve': treatment.id }),
              button('Reject…', () => decide(treatment, false), { 'data-reject': treatment.id, class: 'danger-outline' }),
            )
          : formatTime(treatment.decidedAt as string | null),
      ]),
      'No treatment plans. A provider proposes one for you to approve.',
    ),
  );
}
