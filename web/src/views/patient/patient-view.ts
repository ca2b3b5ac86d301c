import { graphql } from '../../gql';
import { request } from '../../lib/api';
import { runTransaction, type AppContext } from '../../lib/app-context';
import { namer } from '../../lib/people';
import { h, short } from '../../widgets/dom';
import { isOpen } from '../emergency';
import { auditTrailSection } from './audit-trail';
import { consentsSection } from './consents';
import { emergencyAccessesSection, openEmergencyBanner } from './emergency-accesses';
import { guardiansSection } from './guardians';
import type { PatientPage } from './page';
import { recordsSection } from './records';
import { treatmentsSection } from './treatments';

/** Everything the patient view shows, in one request; each section's file says what it does with its part. */
const PatientOverview = graphql(`
  query PatientOverview($patient: Address!) {
    patient(address: $patient) {
      address
      profile {
        displayName
      }
      records(first: 25) {
        ...PatientRecordPage
      }
      consentsGiven(first: 50, includeInactive: true) {
        nodes {
          id
          grantee
          scope
          purpose
          canRead
          canWrite
          expiresAt
          active
          revoked
        }
      }
      guardians(first: 20) {
        nodes {
          guardian
          active
          expiresAt
          appointedAt
        }
      }
      treatments(first: 50) {
        nodes {
          id
          provider
          planHash
          status
          proposedAt
          decidedAt
        }
      }
      # The plans to decide on are read (and audited) with the view; a decided one's only when asked.
      awaitingDecision: treatments(first: 50, status: PROPOSED) {
        nodes {
          id
          ...TreatmentPlanText
        }
      }
      emergencyAccesses(first: 20) {
        nodes {
          id
          provider
          reason
          openedAt
          expiresAt
          closedAt
        }
      }
      auditTrail(first: 50) {
        nodes {
          id
          actor
          recordId
          purpose
          decision
          at
          anchor {
            batchId
          }
        }
      }
    }
    providers(first: 100) {
      nodes {
        address
        providerProfile {
          displayName
        }
      }
    }
    researchers(first: 100) {
      nodes {
        address
        researcherProfile {
          displayName
        }
      }
    }
  }
`);

/**
 * The patient's view, also what a guardian sees when acting for a ward: a banner while an emergency
 * access is open, then one section per file of this folder: records with their integrity, consents
 * (grant, renew, revoke), guardians, treatments to decide, emergency accesses, and the audit trail of
 * who read what.
 */
export async function renderPatientView(ctx: AppContext, patient: string, actingAsGuardian: boolean): Promise<HTMLElement> {
  const data = await request(PatientOverview, { patient });
  const view = data.patient;
  const known = new Map<string, string | null>();
  for (const account of data.providers.nodes) known.set(account.address.toLowerCase(), account.providerProfile?.displayName ?? null);
  for (const account of data.researchers.nodes) known.set(account.address.toLowerCase(), account.researcherProfile?.displayName ?? null);
  if (actingAsGuardian) known.set(patient, view.profile?.displayName ?? null);
  const page: PatientPage = {
    ctx,
    patient,
    actingAsGuardian,
    patientName: actingAsGuardian ? (view.profile?.displayName ?? short(patient)) : 'you',
    who: namer(ctx.me, known),
    run: (label, send) => runTransaction(ctx, label, send),
  };

  const title = actingAsGuardian ? `Acting as guardian for ${view.profile?.displayName ?? short(patient)}` : `My health records${view.profile ? `: ${view.profile.displayName}` : ''}`;
  // Open emergency accesses come first: someone can read everything right now.
  const openEmergencies = view.emergencyAccesses.nodes.filter((access) => isOpen(access));

  return h(
    'div',
    { class: 'view', 'data-view': actingAsGuardian ? 'guardian' : 'patient' },
    h('h2', { class: 'view-title' }, title),
    openEmergencyBanner(page, openEmergencies),
    recordsSection(page, view.records),
    consentsSection(page, view.consentsGiven.nodes, data.providers.nodes, data.researchers.nodes),
    guardiansSection(page, view.guardians.nodes),
    treatmentsSection(page, view.treatments.nodes, view.awaitingDecision.nodes),
    emergencyAccessesSection(page, view.emergencyAccesses.nodes, openEmergencies),
    auditTrailSection(page, view.auditTrail.nodes, view.records.nodes, view.treatments.nodes),
  );
}
