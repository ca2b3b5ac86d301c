import { graphql } from '../gql';
import { request } from '../lib/api';
import { waitForIndex, type AppContext } from '../lib/app-context';
import { CATEGORIES, PURPOSES, READ, WRITE, purpose16, scope32 } from '../lib/codes';
import { sendTransaction, transactionError } from '../lib/contracts';
import { formatTime, h, section, short, table } from '../lib/dom';
import { notice } from '../lib/notices';
import { button, daysFromNow, field, form, input, select } from './forms';
import { integrityBadge, showRecordDetails } from './record-details';

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
      version
      integrity
      createdAt
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
export async function renderPatientView(ctx: AppContext, patient: string, actingAsGuardian: boolean): Promise<HTMLElement> {
  const data = await request(PatientOverview, { patient });
  const view = data.patient;
  const names = new Map<string, string>();
  for (const account of data.providers.nodes) names.set(account.address.toLowerCase(), account.providerProfile?.displayName ?? short(account.address));
  for (const account of data.researchers.nodes) names.set(account.address.toLowerCase(), account.researcherProfile?.displayName ?? short(account.address));
  const who = (address: string) => names.get(address.toLowerCase()) ?? short(address);
  const after = async (blockNumber: number) => waitForIndex(blockNumber);
  const run = async (label: string, send: () => Promise<import('../lib/contracts').PendingTransaction>) => {
    try {
      // The notice turns to "confirmed" once the index has the change and the view shows it.
      await sendTransaction(label, send, async (blockNumber) => {
        await after(blockNumber);
        await ctx.refresh();
      });
    } catch {
      // The notice already says what went wrong and what to do.
    }
  };

  const title = actingAsGuardian ? `Acting as guardian for ${view.profile?.displayName ?? short(patient)}` : `My health records${view.profile ? `: ${view.profile.displayName}` : ''}`;
  const contentBox = h('div', { class: 'record-content' });

  type RecordRow = (typeof view.records.nodes)[number];
  const recordRow = (record: RecordRow) =>
    h(
      'tr',
      {},
      h('td', {}, record.category),
      h('td', {}, record.author.providerProfile?.displayName ?? who(record.authorAddress)),
      h('td', {}, record.version),
      h('td', {}, formatTime(record.createdAt as string | null)),
      h('td', {}, integrityBadge(record.integrity)),
      h('td', {}, button('Open', () => showRecordDetails(ctx, record.id, 'TREAT', contentBox), { 'data-open-record': record.id })),
    );
  const recordRows = h('tbody', {}, ...view.records.nodes.map(recordRow));
  const moreRecords = h('div', { class: 'more' });
  const offerMore = (pageInfo: { hasNextPage: boolean; endCursor?: string | null }) =>
    moreRecords.replaceChildren(
      pageInfo.hasNextPage
        ? button('More records', async () => {
            const { patient: next } = await request(MoreRecords, { patient, after: pageInfo.endCursor ?? null });
            recordRows.append(...next.records.nodes.map(recordRow));
            offerMore(next.records.pageInfo);
          })
        : '',
    );
  offerMore(view.records.pageInfo);
  const records = section(
    'Records',
    view.records.nodes.length === 0
      ? h('p', { class: 'muted' }, 'No records yet. A provider with a write consent can add one.')
      : h('table', {}, h('thead', {}, h('tr', {}, ...['Category', 'Author', 'Version', 'Anchored', 'Integrity', ''].map((title) => h('th', {}, title)))), recordRows),
    moreRecords,
    contentBox,
  );

  const granteeOptions: Array<[string, string]> = [
    ...data.providers.nodes.map((account): [string, string] => [account.address, `${who(account.address)} (provider)`]),
    ...data.researchers.nodes.map((account): [string, string] => [account.address, `${who(account.address)} (researcher)`]),
  ];
  const grantForm = form(
    'grant-consent',
    [
      field('Grantee', select('grantee', granteeOptions)),
      field('Category', select('scope', [...CATEGORIES.map((c): [string, string] => [c, c]), ['*', 'every category']])),
      field('Purpose', select('purpose', PURPOSES.map(([code, label]): [string, string] => [code, `${code}: ${label}`]))),
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
            await waitForIndex(relayConsent.blockNumber);
            await ctx.refresh();
            status.update('success', `Signed consent: relayed and confirmed in block ${relayConsent.blockNumber}.`, relayConsent.transactionHash);
          } catch (error) {
            status.update('error', `Signed consent failed: ${transactionError(error)}`);
          }
        },
        { 'data-action': 'relay-consent' },
      );

  const consents = section(
    'Consents',
    table(
      ['Grantee', 'Category', 'Purpose', 'Access', 'Expires', 'State', ''],
      view.consentsGiven.nodes.map((consent) => [
        who(consent.grantee),
        consent.scope,
        consent.purpose,
        [consent.canRead && 'read', consent.canWrite && 'write'].filter(Boolean).join(' + '),
        h('span', { 'data-expires': `${consent.grantee}:${consent.scope}` }, formatTime(consent.expiresAt as string | null)),
        h('span', { 'data-consent-state': consent.active ? 'active' : consent.revoked ? 'revoked' : 'expired' }, consent.active ? 'active' : consent.revoked ? 'revoked' : 'expired'),
        consent.active
          ? h(
              'span',
              { class: 'actions' },
              button('Extend 90 days', () => {
                // 90 days past the current expiry (or from now, if that is later).
                const current = consent.expiresAt ? BigInt(Math.floor(new Date(consent.expiresAt as string).getTime() / 1000)) : 0n;
                const from = current > daysFromNow(0) ? current : daysFromNow(0);
                return run('Renew consent', () => ctx.contracts.send('consents', 'renewConsent', [patient, consent.grantee, scope32(consent.scope), from + 90n * 86_400n]));
              }, { 'data-renew': `${consent.grantee}:${consent.scope}` }),
              button('Revoke', () => run('Revoke consent', () => ctx.contracts.send('consents', 'revokeConsent', [patient, consent.grantee, scope32(consent.scope)])), {
                'data-revoke': `${consent.grantee}:${consent.scope}`,
              }),
            )
          : null,
      ]),
      'No consents given.',
    ),
    h('h3', {}, 'Grant a consent'),
    grantForm,
    relay,
  );

  const guardians = section(
    'Guardians',
    table(
      ['Guardian', 'Since', 'Until', ''],
      view.guardians.nodes
        .filter((link) => link.active)
        .map((link) => [
          short(link.guardian),
          formatTime(link.appointedAt as string),
          formatTime(link.expiresAt as string | null),
          button('Remove', () => run('Remove guardian', () => ctx.contracts.send('consents', 'removeGuardian', [patient, link.guardian]))),
        ]),
      'No guardians.',
    ),
    actingAsGuardian
      ? null
      : form(
          'appoint-guardian',
          [field('Guardian address', input('guardian', { placeholder: '0x…', required: true, pattern: '0x[0-9a-fA-F]{40}' })), field('Days (0: no end)', input('days', { type: 'number', min: 0, value: 0 }))],
          'Appoint guardian',
          async (values) => {
            const days = Number(values.get('days') || 0);
            await run('Appoint guardian', () => ctx.contracts.send('consents', 'appointGuardian', [String(values.get('guardian')), days > 0 ? daysFromNow(days) : 0n]));
          },
        ),
  );

  const treatments = section(
    'Treatments',
    table(
      ['Proposed by', 'Plan hash', 'Proposed', 'Status', ''],
      view.treatments.nodes.map((treatment) => [
        who(treatment.provider),
        short(treatment.planHash),
        formatTime(treatment.proposedAt as string),
        h('span', { 'data-treatment-status': treatment.status }, treatment.status.toLowerCase()),
        treatment.status === 'PROPOSED'
          ? h(
              'span',
              { class: 'actions' },
              button('Approve', () => run('Approve treatment', () => ctx.contracts.send('records', 'decideTreatment', [treatment.id, true])), { 'data-approve': treatment.id }),
              button('Reject', () => run('Reject treatment', () => ctx.contracts.send('records', 'decideTreatment', [treatment.id, false]))),
            )
          : formatTime(treatment.decidedAt as string | null),
      ]),
      'No treatment plans.',
    ),
  );

  const emergencies = section(
    'Emergency accesses',
    table(
      ['Provider', 'Reason', 'Opened', 'Until', ''],
      view.emergencyAccesses.nodes.map((access) => [
        who(access.provider),
        access.reason,
        formatTime(access.openedAt as string),
        formatTime((access.closedAt ?? access.expiresAt) as string),
        !access.closedAt && new Date(access.expiresAt as string) > new Date()
          ? button('Close', () => run('Close emergency access', () => ctx.contracts.send('consents', 'closeEmergencyAccess', [patient, access.provider])))
          : 'closed',
      ]),
      'No emergency access was ever opened.',
    ),
  );

  const audit = section(
    'Who read what',
    table(
      ['When', 'Who', 'Record', 'Purpose', 'Decision', 'Anchored in batch'],
      view.auditTrail.nodes.map((entry) => [formatTime(entry.at as string), who(entry.actor), short(entry.recordId), entry.purpose, entry.decision, entry.anchor?.batchId ?? 'pending']),
      'Nobody has read these records yet.',
    ),
  );

  return h('div', { class: 'view', 'data-view': actingAsGuardian ? 'guardian' : 'patient' }, h('h2', { class: 'view-title' }, title), records, consents, guardians, treatments, emergencies, audit);
}

