import { graphql } from '../../gql';
import type { PatientOverviewQuery } from '../../gql/graphql';
import { request } from '../../lib/api';
import { CATEGORIES, PURPOSES, READ, WRITE, accessLabel, categoryLabel, categoryOptions, purpose16, purposeLabel, scope32 } from '../../lib/codes';
import { transactionError } from '../../lib/contracts';
import { confirmAction } from '../../widgets/confirm';
import { formatTime, h } from '../../widgets/dom';
import { button, daysFromNow, field, form, input, select } from '../../widgets/forms';
import { notice } from '../../widgets/notices';
import { section, table } from '../../widgets/table';
import type { PatientPage } from './page';

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

type Consent = PatientOverviewQuery['patient']['consentsGiven']['nodes'][number];
type Provider = PatientOverviewQuery['providers']['nodes'][number];
type Researcher = PatientOverviewQuery['researchers']['nodes'][number];

/**
 * The Consents section: the consents the patient gave (renew, revoke), and the form to grant one, sent
 * as a transaction or, by the patient alone, signed as EIP-712 typed data for the API to relay.
 */
export function consentsSection(page: PatientPage, consentsGiven: readonly Consent[], providers: readonly Provider[], researchers: readonly Researcher[]): HTMLElement {
  const { ctx, patient, patientName, who, run } = page;
  const granteeOptions: Array<[string, string]> = [
    ...providers.map((account): [string, string] => [account.address, `${who(account.address)} (provider)`]),
    ...researchers.map((account): [string, string] => [account.address, `${who(account.address)} (researcher)`]),
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

  const stateOf = (consent: Consent) => (consent.active ? 'active' : consent.revoked ? 'revoked' : 'expired');
  return section(
    'Consents',
    table(
      'Consents you gave',
      ['Grantee', 'Category', 'Purpose', 'Access', 'Expires', 'State', 'Actions'],
      consentsGiven.map((consent) => [
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
    // Only the patient's own signature counts, so a guardian sends the transaction instead.
    page.actingAsGuardian ? null : relayButton(page, grantForm),
  );
}

/**
 * A patient can also sign the consent the grant form describes (EIP-712) and let the API's relayer send
 * it: no gas needed. The terms are shown in words first, as the wallet shows only addresses and codes.
 */
function relayButton(page: PatientPage, grantForm: HTMLFormElement): HTMLButtonElement {
  const { ctx, patient, who } = page;
  return button(
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
}
