import { emergencyCells, isOpen } from './emergency';
import { graphql } from '../gql';
import { ApiError, request } from '../lib/api';
import { runTransaction, type AppContext } from '../lib/app-context';
import { CATEGORIES, EMERGENCY_REASONS, accessLabel, categoryLabel, fhirTemplate, purposeLabel, reasonLabel, scope32 } from '../lib/codes';
import { identityLabel, patientLabel, patientNames } from '../lib/people';
import { integrityBadge, newestFirst, openRecordUnderRow, recordTitleCell, summaryList } from './record-detail';
import { person } from '../widgets/address';
import { confirmAction } from '../widgets/confirm';
import { formatTime, h, short } from '../widgets/dom';
import { button, field, form, input, select, showFieldProblems } from '../widgets/forms';
import { notice } from '../widgets/notices';
import { section, table, tableRow } from '../widgets/table';

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
  query PatientRecords($patient: String!, $category: String, $after: String, $purpose: String!) {
    records(patient: $patient, category: $category, first: 25, after: $after) {
      pageInfo {
        hasNextPage
        endCursor
      }
      nodes {
        id
        category
        title(purpose: $purpose)
        version
        integrity
        createdAt
        updatedAt
        authorAddress
      }
    }
  }
`);

const FindPatients = graphql(`
  query FindPatients($displayName: String!, $birthDate: DateTimeISO!) {
    findPatients(displayName: $displayName, birthDate: $birthDate) {
      address
      displayName
      birthDate
    }
  }
`);

/** The transaction the API prepared, as the wallet sends it. */
graphql(`
  fragment PreparedCall on PreparedTransaction {
    to
    data
  }
`);

const PrepareTreatment = graphql(`
  mutation PrepareTreatment($input: PrepareTreatmentInput!) {
    prepareTreatment(input: $input) {
      transaction {
        ...PreparedCall
      }
    }
  }
`);

const PrepareRecord = graphql(`
  mutation PrepareRecord($input: PrepareRecordInput!) {
    prepareRecord(input: $input) {
      recordId
      transaction {
        ...PreparedCall
      }
    }
  }
`);

/** An emergency access the provider opened last: the view re-renders after it, with that patient's reads ready. */
let justOpened: string | null = null;

/**
 * The provider's view: patients who consented (one row each, named where a consent covers their
 * profile), their records in the categories she may read, adding a record (the API validates,
 * encrypts and stores it; the provider anchors it with a wallet transaction), proposing a treatment
 * plan (stored encrypted by the API, its hash proposed on-chain), and break-glass emergency access.
 */
export async function renderProviderView(ctx: AppContext): Promise<HTMLElement> {
  const [{ patient: mine }, windowSeconds] = await Promise.all([
    request(ProviderOverview, { me: ctx.me }),
    ctx.contracts.read('consents', 'emergencyWindow', []).then(Number, () => null),
  ]);
  const consents = mine.consentsReceived.nodes;
  const openEmergencies = mine.emergencyAccessesOpened.nodes.filter((access) => isOpen(access));
  const emergencyPatients = new Set(openEmergencies.map((access) => access.patient));
  const patients = [...new Set([...consents.map((consent) => consent.patient), ...emergencyPatients])];
  const names = await patientNames([...patients, ...mine.treatmentsProposed.nodes.map((treatment) => treatment.patient)]);
  const nameOf = (address: string) => names.get(address.toLowerCase()) ?? null;
  // The patients table shows each full address with a copy button; elsewhere name and birth date with the short form.
  const labelOf = (address: string) => patientLabel(nameOf(address), address);
  const run = (label: string, send: () => ReturnType<AppContext['contracts']['send']>) => runTransaction(ctx, label, send);

  /** What the provider may do for a patient: the categories of her read and write consents, `*` for all. */
  const allowed = (patient: string, access: 'canRead' | 'canWrite'): string[] => {
    if (access === 'canRead' && emergencyPatients.has(patient)) return ['*'];
    return [...new Set(consents.filter((consent) => consent.patient === patient && consent[access]).map((consent) => consent.scope))];
  };
  const categoriesFor = (patient: string, access: 'canRead' | 'canWrite'): string[] => {
    const scopes = allowed(patient, access);
    return scopes.includes('*') ? [...CATEGORIES] : scopes;
  };
  // Nobody is picked for the provider: she chooses the patient by name and birth date every time.
  const patientPicker = (name: string, among: string[], selected?: string) => {
    const picker = select(name, [['', among.length ? 'Choose a patient…' : 'No patient has consented yet'], ...among.map((address): [string, string] => [address, labelOf(address)])], selected);
    picker.required = true;
    return picker;
  };

  // Records: the patient, a category she may read (or all of them), and the purpose of the read.
  const recordsBox = h('div', { class: 'records-box' });
  const browsePatient = patientPicker('patient', patients, justOpened ?? undefined);
  const browseCategory = select('category', []);
  const purpose = select('purpose', [['TREAT', purposeLabel('TREAT')], ['ETREAT', `${purposeLabel('ETREAT')} (under emergency access)`]]);
  const syncBrowse = (readAs?: 'TREAT' | 'ETREAT') => {
    const patient = browsePatient.value;
    const categories = categoriesFor(patient, 'canRead');
    browseCategory.replaceChildren(
      h('option', { value: '' }, allowed(patient, 'canRead').includes('*') ? 'Every category' : `Every category I may read (${categories.length})`),
      ...categories.map((category) => h('option', { value: category }, categoryLabel(category))),
    );
    // Emergency access opens reads for emergency treatment; a consent counts for its own purpose.
    const treatConsent = consents.some((consent) => consent.patient === patient && consent.canRead && consent.purpose === 'TREAT');
    purpose.value = readAs ?? (emergencyPatients.has(patient) && !treatConsent ? 'ETREAT' : 'TREAT');
  };
  browsePatient.addEventListener('change', () => syncBrowse());
  // Right after break-glass, the reads it opened are ready: that patient, as emergency treatment.
  syncBrowse(justOpened && emergencyPatients.has(justOpened) ? 'ETREAT' : undefined);
  justOpened = null;
  // Records by what they are (reading the titles is audited like any content read), newest first.
  const recordHeaders = ['Record', 'Version', 'Changed', 'Integrity', ''];
  const browse = form(
    'browse-records',
    [field('Patient', browsePatient), field('Category', browseCategory), field('Purpose of reading', purpose)],
    'Show records',
    async (values) => {
      const patient = String(values.get('patient'));
      const chosen = String(values.get('category'));
      const readAs = String(values.get('purpose') || 'TREAT');
      // "Every category" is every category she holds a consent for: one list per category, unless a consent covers all.
      const queries: Array<string | null> = chosen ? [chosen] : allowed(patient, 'canRead').includes('*') ? [null] : categoriesFor(patient, 'canRead');
      const rows = h('tbody');
      const more = h('div', { class: 'more' });
      const loadPage = async (category: string | null, after: string | null): Promise<number> => {
        const { records } = await request(PatientRecords, { patient, category, after, purpose: readAs });
        for (const record of newestFirst(records.nodes)) {
          const row: HTMLTableRowElement = tableRow(recordHeaders, [
            recordTitleCell(record.title, record.category),
            record.version,
            formatTime((record.updatedAt ?? record.createdAt) as string | null),
            integrityBadge(record.integrity),
            button('Open', () => openRecordUnderRow(ctx, row, record.id, readAs, 'provider'), { 'data-open-record': record.id, 'aria-label': `Open ${record.title ?? categoryLabel(record.category)}, ${formatTime(record.createdAt as string | null)}` }),
          ], { 'data-changed': new Date(String(record.updatedAt ?? record.createdAt ?? 0)).getTime() || 0 });
          rows.append(row);
        }
        if (records.pageInfo.hasNextPage) {
          const next = button(`More ${category ? categoryLabel(category).toLowerCase() : 'records'}`, async () => {
            next.remove();
            await loadPage(category, records.pageInfo.endCursor ?? null);
          });
          more.append(next);
        }
        return records.nodes.length;
      };
      recordsBox.replaceChildren(h('p', { class: 'muted', role: 'status' }, 'Loading records…'));
      try {
        if (!patient) throw new Error('Choose a patient: a patient must grant you a consent first.');
        const counts = await Promise.all(queries.map((category) => loadPage(category, null)));
        // One list across the categories, newest first.
        rows.append(...Array.from(rows.children).sort((a, b) => Number((b as HTMLElement).dataset.changed) - Number((a as HTMLElement).dataset.changed)));
        const total = counts.reduce((sum, count) => sum + count, 0);
        recordsBox.replaceChildren(
          total === 0
            ? h('p', { class: 'muted empty' }, `No records of ${labelOf(patient)} in ${chosen ? categoryLabel(chosen).toLowerCase() : 'the categories you may read'}.`)
            : h('table', { class: 'cards-on-phone' }, h('caption', { class: 'visually-hidden' }, `Records of ${labelOf(patient)}`), h('thead', {}, h('tr', {}, ...recordHeaders.map((title) => h('th', { scope: 'col' }, title || h('span', { class: 'visually-hidden' }, 'Actions'))))), rows),
          more,
        );
      } catch (error) {
        recordsBox.replaceChildren(h('p', { class: 'denied', role: 'alert' }, error instanceof Error ? error.message : String(error)));
      }
    },
  );
  const browseFor = (patient: string, readAs?: 'TREAT' | 'ETREAT') => {
    browsePatient.value = patient;
    syncBrowse(readAs);
    browse.requestSubmit();
    browse.scrollIntoView({ block: 'start' });
  };

  // One row per patient, named where a consent covers their profile.
  const patientRows = patients.map((patient) => [
    person(nameOf(patient) ?? 'No name on file', patient),
    h(
      'ul',
      { class: 'plain' },
      ...consents.filter((consent) => consent.patient === patient).map((consent) => h('li', {}, `${categoryLabel(consent.scope)}: ${accessLabel(consent.canRead, consent.canWrite).toLowerCase()}, ${purposeLabel(consent.purpose).toLowerCase()}, until ${formatTime(consent.expiresAt as string | null)}`)),
      emergencyPatients.has(patient) ? h('li', { class: 'emergency' }, 'Emergency access open') : null,
    ),
    button('Show records', () => browseFor(patient), { 'data-browse': patient }),
  ]);

  // Adding a record: only patients and categories she holds a write consent for.
  const writers = patients.filter((patient) => categoriesFor(patient, 'canWrite').length > 0);
  // Nothing clinical is pre-filled: the content starts empty, and an example is inserted only when asked, marked as one.
  const content = h('textarea', { name: 'content', rows: 12, spellcheck: 'false', required: true });
  const addPatient = patientPicker('patient', writers);
  const categoryPicker = select('category', []);
  categoryPicker.required = true;
  const templateNote = h('p', { class: 'template-note', 'data-template-note': '', role: 'status' });
  const insertExample = button('Insert an example to edit', () => {
    const category = categoryPicker.value;
    if (!category) {
      templateNote.textContent = 'Choose a category first: the example is of that kind of resource.';
      return;
    }
    content.value = JSON.stringify(fhirTemplate(category, addPatient.value || 'example'), null, 2);
    templateNote.textContent = `Example inserted: every code, value and date in it is made up. Replace them with this patient's own before adding.`;
    content.focus();
  }, { 'data-action': 'insert-example' });
  const syncAdd = () => {
    const categories = categoriesFor(addPatient.value, 'canWrite').filter((category) => category !== 'Patient');
    categoryPicker.replaceChildren(h('option', { value: '' }, 'Choose a category…'), ...categories.map((category) => h('option', { value: category }, categoryLabel(category))));
  };
  addPatient.addEventListener('change', syncAdd);
  syncAdd();
  // Records can be filed under a treatment the patient (or a guardian) approved.
  const approved = mine.treatmentsProposed.nodes.filter((treatment) => treatment.status === 'APPROVED');
  const treatmentPicker = select('treatmentId', [['', 'None'], ...approved.map((treatment): [string, string] => [treatment.id, `Approved for ${labelOf(treatment.patient)} on ${formatTime(treatment.proposedAt as string)}`])]);
  const addRecord = form(
    'add-record',
    [field('Patient', addPatient), field('Category', categoryPicker), field('FHIR R4 resource (JSON)', content), h('div', { class: 'template-actions' }, insertExample, templateNote), field('Approved treatment (optional)', treatmentPicker)],
    'Add record…',
    async (values) => {
      let resource: unknown;
      try {
        resource = JSON.parse(String(values.get('content')));
      } catch (error) {
        showFieldProblems(addRecord, [{ field: 'input.content', message: `is not JSON (${(error as Error).message}); fix it and submit again.` }]);
        return;
      }
      const patient = String(values.get('patient'));
      const category = String(values.get('category'));
      // The provider confirms whose record this is and what it says before anything is stored or anchored.
      const sure = await confirmAction({
        title: 'Add this record?',
        body: [h('p', {}, 'Patient: ', h('strong', { 'data-confirm-patient': '' }, labelOf(patient))), `Category: ${categoryLabel(category)}.`, summaryList(resource, 'This resource has no summary to show: check its JSON before adding it.'), 'Once anchored it stays in the record: a correction is a new version.'],
        confirm: 'Add record',
      });
      if (!sure) return;
      let prepared;
      const status = notice('pending', 'Add record: the API validates, encrypts and stores it…');
      try {
        ({ prepareRecord: prepared } = await request(PrepareRecord, {
          input: { patient, category, content: resource, treatmentId: String(values.get('treatmentId') || '') || null },
        }));
        status.dismiss();
      } catch (error) {
        // Problems the API places on a field show under that field; anything else in a notice.
        if (error instanceof ApiError && showFieldProblems(addRecord, error.fields, { content: resource })) status.dismiss();
        else status.update('error', `The record was not stored: ${(error as Error).message}`);
        return;
      }
      await run(`Anchor record ${short(prepared.recordId)}`, () => ctx.contracts.sendPrepared(prepared.transaction.to, prepared.transaction.data));
    },
  );

  const proposeTreatment = form(
    'propose-treatment',
    [field('Patient', patientPicker('patient', patients)), field('Plan', h('textarea', { name: 'plan', rows: 3, required: true, maxlength: 4000 }), 'The patient and their guardians read this text before deciding; it is stored encrypted and its hash goes on-chain.')],
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

  // Break-glass: a reason, a visible warning of how long it lasts and that it is logged, and a confirmation.
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
      justOpened = patient;
      const opened = await run('Open emergency access', () => ctx.contracts.send('consents', 'openEmergencyAccess', [patient, scope32(code)]));
      if (!opened) justOpened = null;
    },
  );

  return h(
    'div',
    { class: 'view', 'data-view': 'provider' },
    h('h2', { class: 'view-title' }, 'Provider'),
    section('Patients who consented', table('Patients who consented to you', ['Patient', 'Consents', ''], patientRows, 'No patient has given you a consent yet. Patients grant consents from their own view.')),
    section('Records by category', browse, recordsBox),
    section('Add a record', writers.length ? addRecord : h('p', { class: 'muted empty' }, 'No patient has given you a write consent yet.')),
    section(
      'Treatment plans',
      table(
        'Treatment plans you proposed',
        ['Patient', 'Proposed', 'Status'],
        mine.treatmentsProposed.nodes.map((treatment) => [labelOf(treatment.patient), formatTime(treatment.proposedAt as string), h('span', { 'data-treatment-status': treatment.status }, treatment.status[0] + treatment.status.slice(1).toLowerCase())]),
        'None proposed yet.',
      ),
      patients.length ? proposeTreatment : null,
    ),
    section(
      'Emergency access',
      table(
        'Emergency accesses you opened',
        ['Patient', 'Reason', 'Opened', 'Until', ''],
        mine.emergencyAccessesOpened.nodes.map((access) =>
          emergencyCells(labelOf(access.patient), access, openEmergencies.includes(access) ? button('Read records (emergency)', () => browseFor(access.patient, 'ETREAT'), { 'data-emergency-read': access.patient }) : 'Closed'),
        ),
        'You have not opened emergency access.',
      ),
      emergency,
    ),
  );
}
