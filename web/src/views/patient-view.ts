import { emergencyCells, isOpen } from './emergency';
import { graphql } from '../gql';
import { request } from '../lib/api';
import { runTransaction, type AppContext } from '../lib/app-context';
import { CATEGORIES, PURPOSES, READ, WRITE, accessLabel, categoryLabel, categoryOptions, decisionLabel, purpose16, purposeLabel, reasonLabel, scope32 } from '../lib/codes';
import { transactionError } from '../lib/contracts';
import { downloadEverything } from '../lib/fhir-download';
import { addressProblem, lookUpAccount, namer } from '../lib/people';
import { integrityBadge, newestFirst, openRecordUnderRow, recordTitleCell } from './record-detail';
import { person } from '../widgets/address';
import { confirmAction } from '../widgets/confirm';
import { formatTime, h, short } from '../widgets/dom';
import { button, daysFromNow, field, form, input, select, showFieldProblems } from '../widgets/forms';
import { notice } from '../widgets/notices';
import { section, table, tableRow } from '../widgets/table';

/** A page of the patient's records as the records table shows them (first page and every next one). */
graphql(`
  fragment PatientRecordPage on RecordConnection {
    pageInfo {
      hasNextPage
      endCursor
    }
    nodes {
      id
      category
      title(purpose: "TREAT")
      version
      integrity
      createdAt
      updatedAt
      authorAddress
      author {
        providerProfile {
          displayName
        }
      }
    }
  }
`);

const PatientOverview = graphql(`
  query PatientOverview($patient: String!) {
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

graphql(`
  fragment TreatmentPlanText on Treatment {
    plan {
      text
      matchesPlanHash
    }
  }
`);

const TreatmentPlans = graphql(`
  query TreatmentPlans($patient: String!) {
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

const MoreRecords = graphql(`
  query MoreRecords($patient: String!, $after: String) {
    patient(address: $patient) {
      records(first: 25, after: $after) {
        ...PatientRecordPage
      }
    }
  }
`);

const ConsentToSign = graphql(`
  query ConsentToSign($terms: ConsentTermsInput!) {
    consentTypedData(terms: $terms) {
      typedData
      deadline
    }
  }
`);

const RelayConsent = graphql(`
  mutation RelayConsent($input: RelayConsentInput!) {
    relayConsent(input: $input) {
      blockNumber
      transactionHash
    }
  }
`);

/**
 * The patient's view, also what a guardian sees when acting for a ward: records with their integrity,
 * consents (grant, renew, revoke), guardians, treatments to decide, emergency accesses, and the
 * audit trail of who read what.
 */
const TREATMENT_STATUS: Record<string, string> = { PROPOSED: 'Awaiting decision', APPROVED: 'Approved', REJECTED: 'Rejected' };

/** The plan text with whether it matches the hash the chain holds, or why there is no text. */
function planCell(plan: { text: string; matchesPlanHash: boolean } | null | undefined, planHash: string, provider: string): HTMLElement {
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
 * The patient's view, also what a guardian sees when acting for a ward: records with their integrity,
 * consents (grant, renew, revoke), guardians, treatments to decide, emergency accesses, and the
 * audit trail of who read what.
 */
export async function renderPatientView(ctx: AppContext, patient: string, actingAsGuardian: boolean): Promise<HTMLElement> {
  const data = await request(PatientOverview, { patient });
  const view = data.patient;
  const known = new Map<string, string | null>();
  for (const account of data.providers.nodes) known.set(account.address.toLowerCase(), account.providerProfile?.displayName ?? null);
  for (const account of data.researchers.nodes) known.set(account.address.toLowerCase(), account.researcherProfile?.displayName ?? null);
  if (actingAsGuardian) known.set(patient, view.profile?.displayName ?? null);
  const who = namer(ctx.me, known);
  const run = (label: string, send: () => ReturnType<AppContext['contracts']['send']>) => runTransaction(ctx, label, send);
  const patientName = actingAsGuardian ? (view.profile?.displayName ?? short(patient)) : 'you';

  const title = actingAsGuardian ? `Acting as guardian for ${view.profile?.displayName ?? short(patient)}` : `My health records${view.profile ? `: ${view.profile.displayName}` : ''}`;

  // Open emergency accesses come first: someone can read everything right now.
  const openEmergencies = view.emergencyAccesses.nodes.filter((access) => isOpen(access));
  const banner = openEmergencies.length
    ? h(
        'div',
        { class: 'banner banner-warning', role: 'status', 'data-emergency-banner': '' },
        h('strong', {}, openEmergencies.length === 1 ? 'Emergency access is open' : `${openEmergencies.length} emergency accesses are open`),
        h('ul', {}, ...openEmergencies.map((access) => h('li', {}, `${who(access.provider)} can read all of ${actingAsGuardian ? `${patientName}'s` : 'your'} records until ${formatTime(access.expiresAt as string)} (${reasonLabel(access.reason)}). Every read is in the audit trail below.`))),
        h('a', { href: '#emergency-accesses' }, 'Review or close it'),
      )
    : null;

  // Records by what they are (reading the titles is audited like any content read), newest first.
  const recordHeaders = ['Record', 'Author', 'Version', 'Changed', 'Integrity', ''];
  type RecordRow = (typeof view.records.nodes)[number];
  const recordRow = (record: RecordRow) => {
    const row: HTMLTableRowElement = tableRow(recordHeaders, [
      recordTitleCell(record.title, record.category),
      record.author.providerProfile?.displayName ?? who(record.authorAddress),
      record.version,
      formatTime((record.updatedAt ?? record.createdAt) as string | null),
      integrityBadge(record.integrity),
      button('Open', () => openRecordUnderRow(ctx, row, record.id, 'TREAT', 'patient'), { 'data-open-record': record.id, 'aria-label': `Open ${record.title ?? categoryLabel(record.category)}, ${formatTime(record.createdAt as string | null)}` }),
    ]);
    return row;
  };
  const recordRows = h('tbody', {}, ...newestFirst(view.records.nodes).map(recordRow));
  const moreRecords = h('div', { class: 'more' });
  const offerMore = (pageInfo: { hasNextPage: boolean; endCursor?: string | null }) =>
    moreRecords.replaceChildren(
      pageInfo.hasNextPage
        ? button('More records', async () => {
            const { patient: next } = await request(MoreRecords, { patient, after: pageInfo.endCursor ?? null });
            recordRows.append(...newestFirst(next.records.nodes).map(recordRow));
            offerMore(next.records.pageInfo);
          })
        : '',
    );
  offerMore(view.records.pageInfo);
  // Everything this account may read of the patient, as one FHIR R4 Bundle (the API's /fhir facade).
  const download = button(
    actingAsGuardian ? 'Download their records (FHIR)' : 'Download my records (FHIR)',
    async () => {
      try {
        const count = await downloadEverything(patient);
        notice('success', `Saved ${count} FHIR resources (records, consents, provenance) as one FHIR R4 Bundle. Each record read for it is in the audit trail.`);
      } catch (error) {
        notice('error', error instanceof Error ? error.message : String(error));
      }
    },
    { 'data-download-fhir': '' },
  );
  const records = section(
    'Records',
    h('p', { class: 'actions' }, download),
    view.records.nodes.length === 0
      ? h('p', { class: 'muted empty' }, 'No records yet. A provider you grant a write consent can add one.')
      : h('table', { class: 'cards-on-phone' }, h('caption', { class: 'visually-hidden' }, 'Records'), h('thead', {}, h('tr', {}, ...recordHeaders.map((header) => h('th', { scope: 'col' }, header || h('span', { class: 'visually-hidden' }, 'Actions'))))), recordRows),
    moreRecords,
  );

  const granteeOptions: Array<[string, string]> = [
    ...data.providers.nodes.map((account): [string, string] => [account.address, `${who(account.address)} (provider)`]),
    ...data.researchers.nodes.map((account): [string, string] => [account.address, `${who(account.address)} (researcher)`]),
  ];
  const grantForm = form(
    'grant-consent',
    [
      field('Grantee', select('grantee', granteeOptions)),
      field('Category', select('scope', [...categoryOptions(CATEGORIES), ['*', categoryLabel('*')]])),
      field('Purpose', select('purpose', PURPOSES.map(([code]): [string, string] => [code, purposeLabel(code)]))),
      field('Read', input('read', { type: 'checkbox', checked: true })),
      field('Write', input('write', { type: 'checkbox' })),
      field('Days', input('days', { type: 'number', min: 1, value: 90 })),
    ],
    'Grant consent',
    async (values) => {
      const access = (values.get('read') ? READ : 0) | (values.get('write') ? WRITE : 0);
      if (access === 0) {
        notice('error', 'Choose read, write or both before granting a consent.');
        return;
      }
      const terms = {
        patient,
        grantee: String(values.get('grantee')),
        scope: scope32(String(values.get('scope'))),
        access,
        purpose: purpose16(String(values.get('purpose'))),
        expiresAt: daysFromNow(Number(values.get('days') || 90)),
      };
      await run('Grant consent', () => ctx.contracts.send('consents', 'grantConsent', [terms]));
    },
  );

  // A patient can also sign the consent (EIP-712) and let the API's relayer send it: no gas needed.
  // Only the patient's own signature counts, so a guardian sends the transaction instead.
  const relay = actingAsGuardian
    ? null
    : button(
        'Sign instead (the API relays it, no gas)',
        async () => {
          const values = new FormData(grantForm);
          const days = Number(values.get('days') || 90);
          const terms = {
            patient,
            grantee: String(values.get('grantee')),
            scope: String(values.get('scope')),
            purpose: String(values.get('purpose')),
            read: Boolean(values.get('read')),
            write: Boolean(values.get('write')),
            expiresAt: new Date(Date.now() + days * 86_400_000).toISOString(),
          };
          // The wallet shows typed data (addresses and codes): the terms in words come first, here.
          const rights = terms.read && terms.write ? 'read and write' : terms.write ? 'write' : 'read';
          const until = new Date(terms.expiresAt).toLocaleDateString(undefined, { day: 'numeric', month: 'long', year: 'numeric' });
          const sure = await confirmAction({
            title: 'Sign this consent?',
            body: [
              h('p', { 'data-consent-summary': '' }, h('strong', {}, `${who(terms.grantee)} may ${rights} your ${categoryLabel(terms.scope).toLowerCase()} for ${purposeLabel(terms.purpose).toLowerCase()} until ${until}.`)),
              h('p', {}, 'Your wallet then asks you to sign these terms; the grantee there is ', h('code', { class: 'address-full' }, terms.grantee), '. You can revoke the consent at any time.'),
            ],
            confirm: 'Sign consent',
          });
          if (!sure) return;
          const status = notice('pending', 'Signed consent: sign the consent in your wallet…');
          try {
            const { consentTypedData } = await request(ConsentToSign, { terms });
            const signature = (await ctx.wallet.ethereum.request({
              method: 'eth_signTypedData_v4',
              params: [ctx.wallet.address, JSON.stringify(consentTypedData.typedData)],
            })) as string;
            status.update('pending', 'Signed consent: the API relays it…');
            const { relayConsent } = await request(RelayConsent, { input: { terms, deadline: consentTypedData.deadline, signature } });
            status.update('pending', `Signed consent: confirmed in block ${relayConsent.blockNumber}, waiting for the index…`, relayConsent.transactionHash);
            await ctx.live.indexed(relayConsent.transactionHash);
            await ctx.refresh();
            status.update('success', `Signed consent: relayed and confirmed in block ${relayConsent.blockNumber}.`, relayConsent.transactionHash);
          } catch (error) {
            status.update('error', `Signed consent failed: ${transactionError(error)}`);
          }
        },
        { 'data-action': 'relay-consent' },
      );

  const stateOf = (consent: (typeof view.consentsGiven.nodes)[number]) => (consent.active ? 'active' : consent.revoked ? 'revoked' : 'expired');
  const consents = section(
    'Consents',
    table(
      'Consents you gave',
      ['Grantee', 'Category', 'Purpose', 'Access', 'Expires', 'State', 'Actions'],
      view.consentsGiven.nodes.map((consent) => [
        who(consent.grantee),
        categoryLabel(consent.scope),
        purposeLabel(consent.purpose),
        accessLabel(consent.canRead, consent.canWrite),
        h('span', { 'data-expires': `${consent.grantee}:${consent.scope}` }, formatTime(consent.expiresAt as string | null)),
        h('span', { 'data-consent-state': stateOf(consent) }, stateOf(consent)[0]!.toUpperCase() + stateOf(consent).slice(1)),
        consent.active
          ? h(
              'span',
              { class: 'actions' },
              button('Extend 90 days', () => {
                // 90 days past the current expiry (or from now, if that is later).
                const current = consent.expiresAt ? BigInt(Math.floor(new Date(consent.expiresAt as string).getTime() / 1000)) : 0n;
                const from = current > daysFromNow(0) ? current : daysFromNow(0);
                return run('Renew consent', () => ctx.contracts.send('consents', 'renewConsent', [patient, consent.grantee, scope32(consent.scope), from + 90n * 86_400n])).then(() => undefined);
              }, { 'data-renew': `${consent.grantee}:${consent.scope}` }),
              button(
                'Revoke',
                async () => {
                  const sure = await confirmAction({
                    title: 'Revoke this consent?',
                    body: [`${who(consent.grantee)} will no longer be able to ${accessLabel(consent.canRead, consent.canWrite).toLowerCase()} ${categoryLabel(consent.scope).toLowerCase()} of ${patientName} for ${purposeLabel(consent.purpose).toLowerCase()}.`, 'Granting it again later needs a new transaction.'],
                    confirm: 'Revoke consent',
                    danger: true,
                  });
                  if (sure) await run('Revoke consent', () => ctx.contracts.send('consents', 'revokeConsent', [patient, consent.grantee, scope32(consent.scope)]));
                },
                { 'data-revoke': `${consent.grantee}:${consent.scope}`, class: 'danger-outline' },
              ),
            )
          : '—',
      ]),
      'No consents given yet. Grant one below so a provider can read or add records.',
    ),
    h('h3', {}, 'Grant a consent'),
    grantForm,
    relay,
  );

  const guardians = section(
    'Guardians',
    table(
      'Guardians',
      ['Guardian', 'Since', 'Until', 'Actions'],
      view.guardians.nodes
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
    actingAsGuardian ? null : appointGuardianForm(ctx, run),
  );

  type Plan = { text: string; matchesPlanHash: boolean } | null | undefined;
  const plans = new Map<string, Plan>(view.awaitingDecision.nodes.map((treatment) => [treatment.id, treatment.plan]));
  const decide = async (treatment: (typeof view.treatments.nodes)[number], approve: boolean) => {
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
  // A decided plan is decrypted (and the read audited) only when someone asks to see it again.
  const showPlanLater = (treatment: (typeof view.treatments.nodes)[number]) => {
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
  const treatments = section(
    'Treatments',
    table(
      'Treatment plans',
      ['Proposed by', 'Plan', 'Proposed', 'Status', 'Decision'],
      view.treatments.nodes.map((treatment) => [
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

  const emergencies = section(
    'Emergency accesses',
    table(
      'Emergency accesses',
      ['Provider', 'Reason', 'Opened', 'Until', 'Actions'],
      view.emergencyAccesses.nodes.map((access) =>
        emergencyCells(
          who(access.provider),
          access,
          openEmergencies.includes(access)
            ? button(
                'Close',
                async () => {
                  const sure = await confirmAction({ title: 'Close this emergency access?', body: [`${who(access.provider)} will no longer read ${actingAsGuardian ? `${patientName}'s` : 'your'} records under it.`], confirm: 'Close emergency access' });
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

  // The audit trail names records by their category where the view knows it.
  const recordNames = new Map<string, string>(view.records.nodes.map((record) => [record.id, `${record.title ?? categoryLabel(record.category)} (${categoryLabel(record.category)}), ${formatTime(record.createdAt as string | null)}`]));
  for (const treatment of view.treatments.nodes) recordNames.set(treatment.id, `Treatment plan of ${formatTime(treatment.proposedAt as string)}`);
  // Emergency access finds a patient by name and birth date; each find is logged with no record.
  recordNames.set(`0x${'00'.repeat(32)}`, 'Looked up by name and birth date');
  const audit = section(
    'Who read what',
    table(
      'Who read what',
      ['When', 'Who', 'Record', 'Purpose', 'Decision', 'Anchored in batch'],
      // The patient's own reads (opening a record, the list's titles) are audited too, but are not news to them.
      view.auditTrail.nodes
        .filter((entry) => entry.actor.toLowerCase() !== patient)
        .map((entry) => [formatTime(entry.at as string), who(entry.actor), recordNames.get(entry.recordId) ?? h('code', { title: entry.recordId }, short(entry.recordId)), purposeLabel(entry.purpose), decisionLabel(entry.decision), entry.anchor?.batchId ?? 'Pending']),
      'Nobody else has read these records yet.',
    ),
  );

  return h('div', { class: 'view', 'data-view': actingAsGuardian ? 'guardian' : 'patient' }, h('h2', { class: 'view-title' }, title), banner, records, consents, guardians, treatments, emergencies, audit);
}

/**
 * Appointing a guardian: the address is checked as typed (a plain message under the field for a typo),
 * the account is looked up (a name from the directory, or a warning that it was never used, the usual
 * sign of a typo in an all-lowercase address), and a confirmation states who, what they may do, and
 * until when, before the wallet is asked.
 */
function appointGuardianForm(ctx: AppContext, run: (label: string, send: () => ReturnType<AppContext['contracts']['send']>) => Promise<boolean>): HTMLFormElement {
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
