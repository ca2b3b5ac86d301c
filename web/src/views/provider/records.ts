import { graphql } from '../../gql';
import { request } from '../../lib/api';
import { categoryLabel, purposeLabel } from '../../lib/codes';
import { formatTime, h } from '../../widgets/dom';
import { button, field, form, select } from '../../widgets/forms';
import { section, tableRow } from '../../widgets/table';
import { integrityBadge, newestFirst, openRecordUnderRow, recordTitleCell } from '../record-detail';
import { allowed, categoriesFor, patientPicker, type ProviderPage } from './page';

const PatientRecords = graphql(`
  query PatientRecords($patient: Address!, $category: String, $after: String, $purpose: String!) {
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

/**
 * The "Records by category" section: the patient, a category she may read (or all of them), and the
 * purpose of the read; the records by what they are (reading the titles is audited like any content
 * read), newest first, each opened under its row. `justOpened` is the patient of an emergency access
 * opened just before this render: that patient's reads are ready, as emergency treatment. `browseFor`
 * shows a patient's records from another section.
 */
export function recordsSection(page: ProviderPage, justOpened: string | null): { element: HTMLElement; browseFor(patient: string, readAs?: 'TREAT' | 'ETREAT'): void } {
  const { ctx, consents, patients, emergencyPatients, labelOf } = page;
  const recordsBox = h('div', { class: 'records-box' });
  const browsePatient = patientPicker(page, 'patient', patients, justOpened ?? undefined);
  const browseCategory = select('category', []);
  const purpose = select('purpose', [['TREAT', purposeLabel('TREAT')], ['ETREAT', `${purposeLabel('ETREAT')} (under emergency access)`]]);
  const syncBrowse = (readAs?: 'TREAT' | 'ETREAT') => {
    const patient = browsePatient.value;
    const categories = categoriesFor(page, patient, 'canRead');
    browseCategory.replaceChildren(
      h('option', { value: '' }, allowed(page, patient, 'canRead').includes('*') ? 'Every category' : `Every category I may read (${categories.length})`),
      ...categories.map((category) => h('option', { value: category }, categoryLabel(category))),
    );
    // Emergency access opens reads for emergency treatment; a consent counts for its own purpose.
    const treatConsent = consents.some((consent) => consent.patient === patient && consent.canRead && consent.purpose === 'TREAT');
    purpose.value = readAs ?? (emergencyPatients.has(patient) && !treatConsent ? 'ETREAT' : 'TREAT');
  };
  browsePatient.addEventListener('change', () => syncBrowse());
  syncBrowse(justOpened && emergencyPatients.has(justOpened) ? 'ETREAT' : undefined);
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
      const queries: Array<string | null> = chosen ? [chosen] : allowed(page, patient, 'canRead').includes('*') ? [null] : categoriesFor(page, patient, 'canRead');
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
  return { element: section('Records by category', browse, recordsBox), browseFor };
}
