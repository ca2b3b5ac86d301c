import { graphql } from '../gql';
import { request } from '../lib/api';
import { waitForIndex, type AppContext } from '../lib/app-context';
import { CATEGORIES, EMERGENCY_REASONS, PURPOSES, fhirTemplate, hashText, random32, scope32 } from '../lib/codes';
import { sendTransaction } from '../lib/contracts';
import { formatTime, h, section, short, table } from '../lib/dom';
import { notice } from '../lib/notices';
import { field, form, input, select, button } from './forms';
import { integrityBadge, showRecordDetails } from './record-details';

const ProviderOverview = graphql(`
  query ProviderOverview($me: String!) {
    patient(address: $me) {
      consentsReceived(first: 100) {
        nodes {
          id
          patient
          scope
          purpose
          canRead
          canWrite
          expiresAt
        }
      }
      treatmentsProposed(first: 50) {
        nodes {
          id
          patient
          status
          proposedAt
        }
      }
      emergencyAccessesOpened(first: 20) {
        nodes {
          id
          patient
          reason
          openedAt
          expiresAt
          closedAt
        }
      }
    }
  }
`);

const PatientRecords = graphql(`
  query PatientRecords($patient: String!, $category: String, $after: String) {
    records(patient: $patient, category: $category, first: 25, after: $after) {
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
      }
    }
  }
`);

const PrepareRecord = graphql(`
  mutation PrepareRecord($input: PrepareRecordInput!) {
    prepareRecord(input: $input) {
      recordId
      commitment
      transaction {
        ...WalletTransaction
      }
    }
  }
`);

/**
 * The provider's view: patients who consented, their records by category, adding a record (the API
 * validates, encrypts and stores it; the provider anchors it with a wallet transaction), proposing a
 * treatment plan, and opening emergency access.
 */
export async function renderProviderView(ctx: AppContext): Promise<HTMLElement> {
  const { patient: mine } = await request(ProviderOverview, { me: ctx.me });
  const consents = mine.consentsReceived.nodes;
  const patients = [...new Set(consents.map((consent) => consent.patient))];
  const run = async (label: string, send: () => Promise<import('../lib/contracts').PendingTransaction>) => {
    try {
      // The notice turns to "confirmed" once the index has the change and the view shows it.
      await sendTransaction(label, send, async (blockNumber) => {
        await waitForIndex(blockNumber);
        await ctx.refresh();
      });
    } catch {
      // The notice says what went wrong and what to do.
    }
  };

  const recordsBox = h('div', { class: 'records-box' });
  const contentBox = h('div', { class: 'record-content' });
  const purposes = PURPOSES.filter(([code]) => code === 'TREAT' || code === 'ETREAT').map(([code, label]): [string, string] => [code, `${code}: ${label}`]);
  const browse = form(
    'browse-records',
    [
      field('Patient', patientPicker('patient', patients)),
      field('Category', select('category', [['', 'every category'], ...CATEGORIES.map((c): [string, string] => [c, c])])),
      // A consent counts for its own purpose: emergency access is read as ETREAT.
      field('Purpose of reading', select('purpose', purposes)),
    ],
    'Show records',
    async (values) => {
      const patient = String(values.get('patient')).trim();
      const category = String(values.get('category')) || null;
      const purpose = String(values.get('purpose') || 'TREAT');
      const rows = h('tbody');
      const more = h('div', { class: 'more' });
      const loadPage = async (after: string | null) => {
        const { records } = await request(PatientRecords, { patient, category, after });
        for (const record of records.nodes) {
          rows.append(
            h(
              'tr',
              {},
              h('td', {}, record.category),
              h('td', {}, record.version),
              h('td', {}, formatTime(record.createdAt as string | null)),
              h('td', {}, integrityBadge(record.integrity)),
              h('td', {}, button('Open', () => showRecordDetails(ctx, record.id, purpose, contentBox), { 'data-open-record': record.id })),
            ),
          );
        }
        more.replaceChildren(records.pageInfo.hasNextPage ? button('More records', async () => {
          await loadPage(records.pageInfo.endCursor ?? null);
        }) : '');
        return records.nodes.length;
      };
      try {
        const count = await loadPage(null);
        recordsBox.replaceChildren(
          count === 0
            ? h('p', { class: 'muted' }, 'No records in this category.')
            : h('table', {}, h('thead', {}, h('tr', {}, ...['Category', 'Version', 'Anchored', 'Integrity', ''].map((title) => h('th', {}, title)))), rows),
          more,
        );
      } catch (error) {
        recordsBox.replaceChildren(h('p', { class: 'denied', role: 'alert' }, error instanceof Error ? error.message : String(error)));
      }
    },
  );

  const content = h('textarea', { name: 'content', rows: 12, spellcheck: 'false' });
  const categoryPicker = select('category', CATEGORIES.filter((c) => c !== 'Patient'));
  const addPatient = patientPicker('patient', patients);
  const fillTemplate = () => {
    content.value = JSON.stringify(fhirTemplate(categoryPicker.value, addPatient.value || 'example'), null, 2);
  };
  categoryPicker.addEventListener('change', fillTemplate);
  addPatient.addEventListener('change', fillTemplate);
  fillTemplate();
  // Records can be filed under a treatment the patient (or a guardian) approved.
  const approved = mine.treatmentsProposed.nodes.filter((treatment) => treatment.status === 'APPROVED');
  const treatmentPicker = select('treatmentId', [['', 'none'], ...approved.map((treatment): [string, string] => [treatment.id, `${short(treatment.id)} for ${short(treatment.patient)}`])]);
  const addRecord = form(
    'add-record',
    [field('Patient', addPatient), field('Category', categoryPicker), field('FHIR R4 resource (JSON)', content), field('Approved treatment (optional)', treatmentPicker)],
    'Add record',
    async (values) => {
      let resource: unknown;
      try {
        resource = JSON.parse(String(values.get('content')));
      } catch (error) {
        notice('error', `The content is not JSON (${(error as Error).message}); fix it and submit again.`);
        return;
      }
      let prepared;
      const status = notice('pending', 'Add record: the API validates, encrypts and stores it…');
      try {
        ({ prepareRecord: prepared } = await request(PrepareRecord, {
          input: { patient: String(values.get('patient')).trim(), category: String(values.get('category')), content: resource, treatmentId: String(values.get('treatmentId') || '') || null },
        }));
        status.dismiss();
      } catch (error) {
        status.update('error', `The record was not stored: ${(error as Error).message}`);
        return;
      }
      await run(`Anchor record ${short(prepared.recordId)}`, () =>
        ctx.contracts.sendPrepared(prepared.transaction.to, prepared.transaction.data),
      );
    },
  );

  const proposeTreatment = form(
    'propose-treatment',
    [field('Patient', patientPicker('patient', patients)), field('Plan', h('textarea', { name: 'plan', rows: 3, required: true }, 'Asthma management: inhaled corticosteroid, review in 4 weeks.'))],
    'Propose treatment',
    async (values) => {
      const plan = String(values.get('plan'));
      await run('Propose treatment', () => ctx.contracts.send('records', 'proposeTreatment', [random32(), String(values.get('patient')).trim(), hashText(plan)]));
    },
  );

  const emergency = form(
    'emergency-access',
    [field('Patient address', input('patient', { placeholder: '0x…', required: true, pattern: '0x[0-9a-fA-F]{40}' })), field('Reason', select('reason', EMERGENCY_REASONS))],
    'Open emergency access',
    async (values) => {
      await run('Open emergency access', () => ctx.contracts.send('consents', 'openEmergencyAccess', [String(values.get('patient')).trim(), scope32(String(values.get('reason')))]));
    },
  );

  return h(
    'div',
    { class: 'view', 'data-view': 'provider' },
    h('h2', { class: 'view-title' }, 'Provider'),
    section(
      'Patients who consented',
      table(
        ['Patient', 'Category', 'Purpose', 'Access', 'Expires'],
        consents.map((consent) => [short(consent.patient), consent.scope, consent.purpose, [consent.canRead && 'read', consent.canWrite && 'write'].filter(Boolean).join(' + '), formatTime(consent.expiresAt as string | null)]),
        'No patient has given you a consent yet.',
      ),
    ),
    section('Records by category', browse, recordsBox, contentBox),
    section('Add a record', addRecord),
    section(
      'Treatment plans',
      table(
        ['Patient', 'Proposed', 'Status'],
        mine.treatmentsProposed.nodes.map((treatment) => [short(treatment.patient), formatTime(treatment.proposedAt as string), h('span', { 'data-treatment-status': treatment.status }, treatment.status.toLowerCase())]),
        'None proposed yet.',
      ),
      proposeTreatment,
    ),
    section(
      'Emergency access',
      table(
        ['Patient', 'Reason', 'Opened', 'Until'],
        mine.emergencyAccessesOpened.nodes.map((access) => [short(access.patient), access.reason, formatTime(access.openedAt as string), formatTime((access.closedAt ?? access.expiresAt) as string)]),
        'You have not opened emergency access.',
      ),
      emergency,
    ),
  );
}

/** A text input with the consenting patients as suggestions (any address can be typed). */
function patientPicker(name: string, patients: string[]): HTMLInputElement {
  const id = `patients-${name}-${Math.random().toString(36).slice(2, 8)}`;
  const list = h('datalist', { id }, ...patients.map((address) => h('option', { value: address })));
  const element = input(name, { list: id, required: true, placeholder: '0x…', pattern: '0x[0-9a-fA-F]{40}', value: patients[0] ?? '' });
  queueMicrotask(() => element.after(list));
  return element;
}
